import type { Context, Next } from "koa";

/**
 * CORS for the Direct Line API and the widget endpoints. Any origin may call at this layer: a
 * Direct Line call carries its own credential, and the widget token endpoint enforces each
 * widget's origin allow-list itself. The official clients send `Authorization` and
 * `x-ms-bot-agent`, which makes browsers ask first (the preflight).
 */
export const CORS_PATHS = ["/v3/directline", "/livechat"];
export const PREFLIGHT_PATHS = ["/v3/directline/{*rest}", "/livechat/{*rest}"];

const ALLOWED_HEADERS = "Authorization, Content-Type, Accept, x-ms-bot-agent, x-requested-with";
const ALLOWED_METHODS = "GET, POST, OPTIONS";
const PREFLIGHT_CACHE_SECONDS = "86400";

/** Also set on error responses, so a browser client can read a 403 and refresh its token. */
export async function allowAnyOrigin(ctx: Context, next: Next): Promise<void> {
  ctx.set("Access-Control-Allow-Origin", "*");
  // directlinejs honours Retry-After on a 429, which a browser only shows it when exposed.
  ctx.set("Access-Control-Expose-Headers", "Retry-After");
  await next();
}

export function answerPreflight(ctx: Context): void {
  ctx.set("Access-Control-Allow-Origin", "*");
  ctx.set("Access-Control-Allow-Methods", ALLOWED_METHODS);
  ctx.set("Access-Control-Allow-Headers", ALLOWED_HEADERS);
  ctx.set("Access-Control-Max-Age", PREFLIGHT_CACHE_SECONDS);
  ctx.status = 204;
}
