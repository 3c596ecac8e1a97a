import Router from "@koa/router";
import type { Logger } from "pino";
import type { Config } from "../../config.js";
import type { ChannelModule } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import type { Metrics } from "../../core/metrics.js";
import type { Database } from "../../db/client.js";
import { createLivechatAdapter } from "./adapter.js";
import { allowAnyOrigin, answerPreflight, CORS_PATHS, PREFLIGHT_PATHS } from "./cors.js";
import { registerDemoPageRoute } from "./demo-page.js";
import { registerDirectLineRoutes } from "./directline-router.js";
import { registerEmbedScriptRoute } from "./embed-script.js";
import { createPreviewSessions, type PreviewSessions } from "./preview.js";
import { SlidingWindowLimiter } from "./rate-limit.js";
import { ActivityStreamHub } from "./stream.js";
import { registerWebChatAssetRoute } from "./webchat-asset.js";
import { registerWidgetTokenRoute } from "./widget-token.js";

export interface LivechatDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  config: Config;
  /** Signs Direct Line tokens; the same key in every replica, so any of them can check a token. */
  tokenKey: Buffer;
  metrics?: Metrics | undefined;
  /** How often sockets get a keep-alive; tests shorten it. */
  streamKeepAliveMs?: number | undefined;
}

/**
 * The website live chat: Direct Line 3.0 at /v3/directline (so Microsoft's Web Chat and
 * botframework-directlinejs connect unchanged), the public widget token endpoint, the embed
 * script, Web Chat itself, and the demo page at /.
 */
export function createLivechatChannel(deps: LivechatDeps): ChannelModule & { previews: PreviewSessions } {
  const log = deps.log.child({ channel: "livechat" });
  const auth = { database: deps.database, tokenKey: deps.tokenKey, clock: deps.clock };
  const stream = new ActivityStreamHub({ ...auth, log, keepAliveMs: deps.streamKeepAliveMs });

  const router = new Router();
  router.use(CORS_PATHS, allowAnyOrigin);
  router.options(PREFLIGHT_PATHS, answerPreflight);
  registerDirectLineRoutes(router, { ...auth, publicUrl: deps.config.publicUrl, metrics: deps.metrics });
  registerWidgetTokenRoute(router, {
    ...auth,
    limiter: new SlidingWindowLimiter(deps.config.livechat.tokenRateLimitPerMinute, deps.clock),
  });
  registerWebChatAssetRoute(router);
  registerEmbedScriptRoute(router, auth);
  registerDemoPageRoute(router, auth);

  return {
    previews: createPreviewSessions(auth),
    adapter: createLivechatAdapter(deps.database),
    router,
    handleUpgrade: (req, socket, head) => stream.handleUpgrade(req, socket, head),
    start: () => stream.start(),
    stop: () => stream.stop(),
  };
}
