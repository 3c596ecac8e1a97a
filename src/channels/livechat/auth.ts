import { and, eq } from "drizzle-orm";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";
import { channelThreads } from "../../db/schema.js";
import { HttpError, notFound, unauthorized } from "../../http/errors.js";
import { type LivechatAccount, livechatAccountById, livechatAccountBySecret } from "./accounts.js";
import { looksLikeToken, type TokenClaims, verifyToken } from "./tokens.js";

/**
 * Who is calling the Direct Line API. A token speaks for one visitor in one conversation; a
 * widget's secret (held by the website's server, never a browser) speaks for the whole widget.
 */
export type DirectLineCaller =
  | { via: "token"; account: LivechatAccount; claims: TokenClaims }
  | { via: "secret"; account: LivechatAccount };

/** One conversation, as far as the caller may see it. */
export interface DirectLineConversation {
  account: LivechatAccount;
  conversationId: string;
  /** The visitor: the token's user, or for a secret the user the conversation was started for. */
  userId: string;
  userName?: string | undefined;
  locale?: string | undefined;
}

export interface AuthDeps {
  database: Database;
  tokenKey: Buffer;
  clock: Clock;
}

export const tokenExpired = () =>
  new HttpError(403, "TokenExpired", "The token has expired; ask the website for a new one.");

/** Checks a token and loads its widget: 401 if it is not ours, 403 if it has expired. */
export async function callerFromToken(
  deps: AuthDeps,
  token: string,
): Promise<Extract<DirectLineCaller, { via: "token" }>> {
  const check = verifyToken(deps.tokenKey, token, deps.clock.now());
  if (!check.ok) {
    if (check.reason === "expired") throw tokenExpired();
    throw new HttpError(401, "invalid_token", "The token is not valid for this server.", {
      "WWW-Authenticate": "Bearer",
    });
  }
  const account = await livechatAccountById(deps.database, check.claims.channelAccountId);
  if (!account || account.workspaceId !== check.claims.workspaceId) throw notFound("live-chat widget");
  return { via: "token", account, claims: check.claims };
}

export async function authenticate(
  deps: AuthDeps,
  authorization: string | undefined,
): Promise<DirectLineCaller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) throw unauthorized("Send `Authorization: Bearer <token or secret>`.");
  const bearer = match[1];
  if (looksLikeToken(bearer)) return callerFromToken(deps, bearer);
  const account = await livechatAccountBySecret(deps.database, bearer);
  if (!account) throw unauthorized("Neither a token nor a Direct Line secret of this server.");
  return { via: "secret", account };
}

/** The conversation `conversationId` if the caller may use it: 403 for another visitor's, 404 if unknown. */
export async function conversationFor(
  deps: AuthDeps,
  caller: DirectLineCaller,
  conversationId: string,
): Promise<DirectLineConversation> {
  if (caller.via === "token") {
    if (caller.claims.conversationId !== conversationId) {
      throw new HttpError(403, "forbidden", "This token belongs to another conversation.");
    }
    return {
      account: caller.account,
      conversationId,
      userId: caller.claims.userId,
      userName: caller.claims.userName,
      locale: caller.claims.locale,
    };
  }
  // A secret may open any conversation of its widget, but only one that exists: a token-bound
  // conversation exists by the token itself, a secret's is created when it is started.
  const [thread] = await deps.database.db
    .select({ userId: channelThreads.contactExternalId })
    .from(channelThreads)
    .where(
      and(
        eq(channelThreads.channelAccountId, caller.account.id),
        eq(channelThreads.threadKey, conversationId),
      ),
    )
    .limit(1);
  if (!thread) throw new HttpError(404, "conversation_not_found", "No such conversation.");
  return { account: caller.account, conversationId, userId: thread.userId };
}
