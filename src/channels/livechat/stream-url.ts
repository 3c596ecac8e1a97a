import type { Context } from "koa";

/**
 * The stream URL clients open as given, so it must be absolute and reachable from the browser:
 * the configured public URL when there is one, otherwise the host and scheme the request came
 * in on (koa reads X-Forwarded-Proto/Host only when the gateway is told to trust its proxy).
 */
export function streamUrl(
  publicUrl: string | undefined,
  ctx: Context,
  conversationId: string,
  token: string,
  watermark: number | undefined,
): string {
  const base = publicUrl
    ? publicUrl.replace(/^http/, "ws")
    : `${ctx.protocol === "https" ? "wss" : "ws"}://${ctx.host}`;
  const query = new URLSearchParams({ t: token });
  if (watermark !== undefined) query.set("watermark", String(watermark));
  return `${base}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?${query}`;
}
