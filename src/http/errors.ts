import type { Context, Next } from "koa";
import type { Logger } from "pino";
import { ZodError } from "zod";

/** A client mistake or refusal, answered as `{"error":{"code","message"}}` with its status. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "invalid_request") => new HttpError(400, code, message);
export const unauthorized = (message = "A valid bearer token is required.") =>
  new HttpError(401, "unauthorized", message, { "WWW-Authenticate": "Bearer" });
export const forbidden = (message: string, code = "forbidden") => new HttpError(403, code, message);
export const notFound = (what = "resource") => new HttpError(404, "not_found", `No such ${what}.`);

function describeZod(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Maps every thrown error to the JSON error shape; unexpected ones become a 500 and are logged. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, "not_found", `Nothing at ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.set(err.headers);
        ctx.body = { error: { code: err.code, message: err.message } };
      } else if (err instanceof ZodError) {
        ctx.status = 400;
        ctx.body = { error: { code: "invalid_request", message: describeZod(err) } };
      } else if (isKoaClientError(err)) {
        ctx.status = err.status;
        ctx.body = {
          error: { code: err.status === 413 ? "payload_too_large" : "invalid_request", message: err.message },
        };
      } else {
        log.error({ err, method: ctx.method, path: ctx.path }, "request failed");
        ctx.status = 500;
        ctx.body = { error: { code: "internal", message: "Something went wrong on our side." } };
      }
    }
  };
}

/** Body-parser and koa errors carry a 4xx `status` and say what was wrong. */
function isKoaClientError(err: unknown): err is { status: number; message: string } {
  const status = (err as { status?: unknown })?.status;
  return typeof status === "number" && status >= 400 && status < 500;
}
