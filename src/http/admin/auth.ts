import type { RouterMiddleware } from "@koa/router";
import { tokenHolder } from "../../core/workspaces.js";
import type { Database } from "../../db/client.js";
import { HttpError, unauthorized } from "../errors.js";

/** What an authenticated admin request carries: the one workspace its token opens. */
export interface AdminState {
  workspaceId: string;
  /** How the audit log names whoever made the request: `token:<name>` or `user:<id>`. */
  actor: string;
  /** The person the token belongs to; null for a workspace admin token. */
  userId: string | null;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** `Authorization: Bearer <token>` → the token's workspace on `ctx.state`, or a 401. */
export function requireWorkspace(database: Database): RouterMiddleware<AdminState> {
  return async (ctx, next) => {
    const token = BEARER.exec(ctx.get("Authorization"))?.[1];
    if (!token) throw unauthorized("Send an API token as `Authorization: Bearer <token>`.");
    const holder = await tokenHolder(database.db, token);
    if (!holder) {
      // RFC 6750: tell the client it was the token, not the request, that was wrong.
      throw new HttpError(401, "unauthorized", "This API token is not valid: it was mistyped or revoked.", {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    }
    ctx.state.workspaceId = holder.workspaceId;
    ctx.state.userId = holder.userId;
    ctx.state.actor = holder.userId ? `user:${holder.userId}` : `token:${holder.tokenName}`;
    await next();
  };
}
