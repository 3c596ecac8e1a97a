import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type Router from "@koa/router";

/**
 * Microsoft's Web Chat, served by Parley itself from the installed package (no CDN: a
 * self-hosted gateway must work on a network that cannot reach one). The URL carries the
 * package version, so the file can be cached for a year and an upgrade still reaches browsers.
 */

/** The package's `exports` hide its package.json, so we find its root from its entry point. */
function packageRoot(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the root of the ${name} package`);
    dir = parent;
  }
}

const WEBCHAT_ROOT = packageRoot("botframework-webchat");
const WEBCHAT_FILE = path.join(WEBCHAT_ROOT, "dist", "webchat.js");
const WEBCHAT_VERSION = (
  JSON.parse(readFileSync(path.join(WEBCHAT_ROOT, "package.json"), "utf8")) as { version: string }
).version;

export const WEBCHAT_PATH = "/livechat/webchat.js";
/** Where pages load Web Chat from (the query only busts caches between versions). */
export const WEBCHAT_URL = `${WEBCHAT_PATH}?v=${WEBCHAT_VERSION}`;

export function registerWebChatAssetRoute(router: Router): void {
  router.get(WEBCHAT_PATH, (ctx) => {
    ctx.type = "application/javascript; charset=utf-8";
    ctx.set("Cache-Control", "public, max-age=31536000, immutable");
    ctx.body = createReadStream(WEBCHAT_FILE);
  });
}
