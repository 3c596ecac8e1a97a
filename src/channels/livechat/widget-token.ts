import type Router from "@koa/router";
import { and, eq } from "drizzle-orm";
import type { Context } from "koa";
import { z } from "zod";
import { channelThreads, conversations } from "../../db/schema.js";
import { HttpError } from "../../http/errors.js";
import { livechatAccountByWidgetId, originAllowed } from "./accounts.js";
import type { AuthDeps } from "./auth.js";
import { headerState, headerView } from "./header.js";
import { newConversationId, newUserId } from "./ids.js";
import type { SlidingWindowLimiter } from "./rate-limit.js";
import { issueToken, readSignedToken } from "./tokens.js";

/**
 * `POST /livechat/{widgetId}/token`: the public door a website's chat widget knocks on. It gives
 * a visitor a Direct Line token for a brand-new conversation of that widget, if the page's origin
 * is on the widget's allow-list and the visitor's address is not minting tokens in bulk.
 */

export interface WidgetTokenDeps extends AuthDeps {
  limiter: SlidingWindowLimiter;
}

const bodySchema = z
  .object({
    user: z
      .object({
        // Unauthenticated: any page may claim any id here. Sites that need a verified identity
        // mint tokens server-side with the widget's secret (POST /v3/directline/tokens/generate).
        id: z
          .string()
          .regex(/^[A-Za-z0-9_.:@-]{1,64}$/, "letters, digits and _ . : @ - only, at most 64")
          .optional(),
        name: z.string().trim().max(100).optional(),
      })
      .optional(),
    locale: z.string().trim().max(64).optional(),
    resume: z
      .object({ token: z.string().max(4096) })
      .optional()
      .describe("The token this browser had before: its chat is shown again while it is still open."),
  })
  .optional();

/** How long after its token expired a returning visitor still gets their open chat back. */
const RESUME_WINDOW_MS = 7 * 24 * 3_600_000;

/** The first language the browser asked for, when the page did not say. */
function acceptLanguage(ctx: Context): string | undefined {
  return ctx.get("Accept-Language").split(",")[0]?.split(";")[0]?.trim() || undefined;
}

export function registerWidgetTokenRoute(router: Router, deps: WidgetTokenDeps): void {
  router.post("/livechat/:widgetId/token", async (ctx) => {
    const limit = deps.limiter.take(ctx.ip);
    if (!limit.allowed) {
      const seconds = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
      throw new HttpError(
        429,
        "rate_limited",
        `Too many chat tokens from this address; retry in ${seconds} s.`,
        {
          "Retry-After": String(seconds),
        },
      );
    }
    const body = bodySchema.parse(ctx.request.body);
    const account = await livechatAccountByWidgetId(deps.database, String(ctx.params.widgetId));
    if (!account) throw new HttpError(404, "widget_not_found", "No live-chat widget has this id.");
    // Without an Origin the caller is not a browser page (a server, curl): the allow-list is about pages.
    const origin = ctx.get("Origin");
    if (origin && !originAllowed(account.settings, origin)) {
      throw new HttpError(403, "origin_not_allowed", `This widget does not accept chats from ${origin}.`);
    }

    const locale = body?.locale || acceptLanguage(ctx);
    const resumed = body?.resume ? await resumable(deps, account.id, body.resume.token) : undefined;
    const userId =
      resumed?.userId ??
      (body?.user?.id ? (body.user.id.startsWith("dl_") ? body.user.id : `dl_${body.user.id}`) : newUserId());
    const conversationId = resumed?.conversationId ?? newConversationId();
    const { token, expiresIn } = issueToken(
      deps.tokenKey,
      {
        channelAccountId: account.id,
        workspaceId: account.workspaceId,
        conversationId,
        userId,
        userName: body?.user?.name || undefined,
        locale,
      },
      deps.clock.now(),
    );
    const header = headerView(
      account,
      await headerState(deps.database, account, resumed ? conversationId : undefined),
      locale,
    );
    ctx.body = {
      token,
      conversationId,
      expires_in: expiresIn,
      userId,
      header,
      resumed: resumed !== undefined,
    };
  });
}

/**
 * A returning visitor's chat, if it may be shown again: the token is one we signed for this
 * widget, not long expired, and its conversation has not been closed since (a thread that never
 * started counts as open). After a close the visitor gets a fresh conversation, as if new.
 */
async function resumable(
  deps: WidgetTokenDeps,
  accountId: string,
  token: string,
): Promise<{ conversationId: string; userId: string } | undefined> {
  const read = readSignedToken(deps.tokenKey, token);
  if (!read.ok || read.claims.channelAccountId !== accountId) return undefined;
  if (read.expiresAt.getTime() < deps.clock.now().getTime() - RESUME_WINDOW_MS) return undefined;
  const [thread] = await deps.database.db
    .select({ id: channelThreads.id })
    .from(channelThreads)
    .where(
      and(
        eq(channelThreads.channelAccountId, accountId),
        eq(channelThreads.threadKey, read.claims.conversationId),
      ),
    );
  if (thread) {
    const [open] = await deps.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.threadId, thread.id), eq(conversations.status, "open")))
      .limit(1);
    if (!open) return undefined;
  }
  return { conversationId: read.claims.conversationId, userId: read.claims.userId };
}
