import type { RouterMiddleware } from "@koa/router";
import { workspaceForToken } from "../../core/workspaces.js";
import type { Database } from "../../db/client.js";
import { HttpError, unauthorized } from "../errors.js";

/** What an authenticated admin request carries: the one workspace its token opens. */
export interface AdminState {
  workspaceId: string;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** `Authorization: Bearer <token>` → the token's workspace on `ctx.state`, or a 401. */
export function requireWorkspace(database: Database): RouterMiddleware<AdminState> {
  return async (ctx, next) => {
    const token = BEARER.exec(ctx.get("Authorization"))?.[1];
    if (!token) throw unauthorized("Send an API token as `Authorization: Bearer <token>`.");
    const workspaceId = await workspaceForToken(database.db, token);
    if (!workspaceId) {
      // RFC 6750: tell the client it was the token, not the request, that was wrong.
      throw new HttpError(401, "unauthorized", "This API token is not valid: it was mistyped or revoked.", {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    }
    ctx.state.workspaceId = workspaceId;
    await next();
  };
}
