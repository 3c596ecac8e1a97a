import type Router from "@koa/router";
import { and, eq } from "drizzle-orm";
import type { Context } from "koa";
import { z } from "zod";
import type { Metrics } from "../../core/metrics.js";
import { channelThreads } from "../../db/schema.js";
import { HttpError } from "../../http/errors.js";
import { readActivityPage } from "./activities.js";
import {
  type AuthDeps,
  authenticate,
  conversationFor,
  type DirectLineCaller,
  type DirectLineConversation,
} from "./auth.js";
import { newConversationId, newUserId, parseWatermark } from "./ids.js";
import { postActivity, postedActivitySchema } from "./post-activity.js";
import { streamUrl } from "./stream-url.js";
import { issueToken, type TokenClaims } from "./tokens.js";
import { readUpload } from "./upload.js";

/**
 * Direct Line 3.0 as the official clients (botframework-directlinejs, Web Chat) speak it. The
 * shapes, status codes and error codes follow Microsoft's service, because those clients branch
 * on them: 403 means "refresh the token", 404 means "the conversation is over".
 */

export interface DirectLineDeps extends AuthDeps {
  publicUrl: string | undefined;
  metrics?: Metrics | undefined;
}

const userSchema = z.looseObject({
  id: z.string().trim().min(1).max(255).nullish(),
  name: z.string().trim().max(255).nullish(),
});
const startSchema = z
  .looseObject({ user: userSchema.nullish(), locale: z.string().max(64).nullish() })
  .nullish();
/** `trustedOrigins` is accepted for compatibility; a widget's origins are its own settings. */
const generateSchema = z
  .looseObject({ user: userSchema.nullish(), trustedOrigins: z.array(z.string()).nullish() })
  .nullish();

const needsSecret = () =>
  new HttpError(403, "forbidden", "This call needs the widget's Direct Line secret, not a token.");

function claimsOf(conversation: DirectLineConversation): TokenClaims {
  return {
    channelAccountId: conversation.account.id,
    workspaceId: conversation.account.workspaceId,
    conversationId: conversation.conversationId,
    userId: conversation.userId,
    userName: conversation.userName,
    locale: conversation.locale,
  };
}

async function threadExists(deps: DirectLineDeps, conversation: DirectLineConversation): Promise<boolean> {
  const [row] = await deps.database.db
    .select({ id: channelThreads.id })
    .from(channelThreads)
    .where(
      and(
        eq(channelThreads.channelAccountId, conversation.account.id),
        eq(channelThreads.threadKey, conversation.conversationId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/**
 * A conversation started with a secret is recorded at once (an empty thread), because a secret
 * may open any of its widget's conversations and "unknown conversation" must stay a 404.
 */
async function recordConversation(deps: DirectLineDeps, conversation: DirectLineConversation): Promise<void> {
  await deps.database.db
    .insert(channelThreads)
    .values({
      workspaceId: conversation.account.workspaceId,
      channelAccountId: conversation.account.id,
      threadKey: conversation.conversationId,
      contactExternalId: conversation.userId,
      lastSeq: 0,
    })
    .onConflictDoNothing();
}

export function registerDirectLineRoutes(router: Router, deps: DirectLineDeps): void {
  const caller = (ctx: Context) => authenticate(deps, ctx.get("Authorization") || undefined);
  const conversation = async (ctx: Context) =>
    conversationFor(deps, await caller(ctx), String(ctx.params.id));
  const token = (claims: TokenClaims) => issueToken(deps.tokenKey, claims, deps.clock.now());

  router.post("/v3/directline/tokens/generate", async (ctx) => {
    const who = await caller(ctx);
    if (who.via !== "secret") throw needsSecret();
    const body = generateSchema.parse(ctx.request.body);
    const conversationId = newConversationId();
    const issued = token({
      channelAccountId: who.account.id,
      workspaceId: who.account.workspaceId,
      conversationId,
      userId: body?.user?.id ?? newUserId(),
      userName: body?.user?.name ?? undefined,
    });
    ctx.body = { conversationId, token: issued.token, expires_in: issued.expiresIn };
  });

  router.post("/v3/directline/tokens/refresh", async (ctx) => {
    const who = await caller(ctx);
    if (who.via !== "token") throw new HttpError(403, "forbidden", "Only a token can be refreshed.");
    const issued = token(who.claims);
    ctx.body = {
      conversationId: who.claims.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
    };
  });

  router.post("/v3/directline/conversations", async (ctx) => {
    const who: DirectLineCaller = await caller(ctx);
    const body = startSchema.parse(ctx.request.body);
    let started: DirectLineConversation;
    let isNew: boolean;
    if (who.via === "token") {
      // A widget token already names its conversation: starting it is idempotent.
      started = {
        ...(await conversationFor(deps, who, who.claims.conversationId)),
        locale: who.claims.locale ?? body?.locale ?? undefined,
      };
      isNew = !(await threadExists(deps, started));
    } else {
      started = {
        account: who.account,
        conversationId: newConversationId(),
        userId: body?.user?.id ?? newUserId(),
        userName: body?.user?.name ?? undefined,
        locale: body?.locale ?? undefined,
      };
      await recordConversation(deps, started);
      isNew = true;
    }
    const issued = token(claimsOf(started));
    ctx.status = isNew ? 201 : 200;
    ctx.body = {
      conversationId: started.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
      streamUrl: streamUrl(deps.publicUrl, ctx, started.conversationId, issued.token, undefined),
    };
  });

  /** Reconnect: a fresh token and a stream URL that resumes after `watermark`. */
  router.get("/v3/directline/conversations/:id", async (ctx) => {
    const conv = await conversation(ctx);
    const watermark = parseWatermark(ctx.query.watermark);
    const issued = token(claimsOf(conv));
    ctx.body = {
      conversationId: conv.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
      streamUrl: streamUrl(deps.publicUrl, ctx, conv.conversationId, issued.token, watermark),
    };
  });

  router.get("/v3/directline/conversations/:id/activities", async (ctx) => {
    const conv = await conversation(ctx);
    const after = parseWatermark(ctx.query.watermark);
    ctx.body = (await readActivityPage(deps.database, conv, { after, now: deps.clock.now() })).set;
  });

  router.post("/v3/directline/conversations/:id/activities", async (ctx) => {
    const conv = await conversation(ctx);
    const activity = postedActivitySchema.parse(ctx.request.body);
    ctx.body = await postActivity(deps, conv, activity);
  });

  router.post("/v3/directline/conversations/:id/upload", async (ctx) => {
    const conv = await conversation(ctx);
    const upload = await readUpload(ctx);
    const activity = postedActivitySchema.parse(upload.activity);
    // The template's attachments list only names the files; the file parts are the attachments.
    ctx.body = await postActivity(deps, conv, { ...activity, attachments: undefined }, upload.attachments);
  });
}
