import { and, eq, sql } from "drizzle-orm";
import { EMAIL_DATA } from "../../channels/email/email-data.js";
import { channelAccounts, messages } from "../../db/schema.js";
import { notFound } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import {
  newestFirst,
  olderThan,
  pageQuerySchema,
  readCursor,
  timeKeySchema,
  timeKeyText,
  toPage,
} from "./pagination.js";
import { type AdminRoute, defineRoute } from "./route.js";
import { type SkippedMessageJson, skippedMessagePageSchema } from "./schemas/skipped-messages.js";

/**
 * The inbound messages a channel stored without answering them (core/receive-skipped.ts): an
 * admin checks here why a customer got no answer, or that no mail loop was started.
 */

/** Stored as "<code>: <detail>"; a reason written otherwise is shown whole, with no code to match. */
const REASON = /^([a-z0-9_]+): ([\s\S]*)$/;

export function parseSkipReason(deliveryError: string | null): { reasonCode: string; reason: string } {
  const text = deliveryError ?? "";
  const match = REASON.exec(text);
  return match
    ? { reasonCode: match[1] ?? "", reason: match[2] ?? "" }
    : { reasonCode: "unknown", reason: text };
}

export function skippedMessageRoutes({ database }: AdminDeps): AdminRoute[] {
  const { db } = database;
  return [
    defineRoute({
      method: "get",
      path: "/channel-accounts/:channelAccountId/skipped-messages",
      operationId: "listSkippedMessages",
      tag: "Channel accounts",
      summary: "List a channel account's skipped messages",
      description:
        "Newest first: the inbound messages stored but deliberately not answered, with the reason " +
        "(for email: auto-replies, bounces, read receipts, mailing lists, our own mail, a sender " +
        "over the hourly limit).",
      ids: { channelAccountId: "channel account" },
      query: pageQuerySchema,
      status: 200,
      response: skippedMessagePageSchema,
      responseDescription: "A page of skipped messages.",
      async handle({ workspaceId, ids, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const [account] = await db
          .select({ id: channelAccounts.id })
          .from(channelAccounts)
          .where(
            and(eq(channelAccounts.id, ids.channelAccountId), eq(channelAccounts.workspaceId, workspaceId)),
          );
        if (!account) throw notFound("channel account");
        const rows = await db
          .select({
            id: messages.id,
            createdAt: messages.createdAt,
            authorId: messages.authorId,
            subject: sql<string | null>`${messages.channelData} -> ${EMAIL_DATA}::text ->> 'subject'`,
            deliveryError: messages.deliveryError,
            key: timeKeyText(messages.createdAt),
          })
          .from(messages)
          .where(
            and(
              eq(messages.channelAccountId, account.id),
              eq(messages.direction, "in"),
              eq(messages.deliveryState, "skipped"),
              after && olderThan(messages.createdAt, messages.id, after),
            ),
          )
          .orderBy(...newestFirst(messages.createdAt, messages.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          (r): SkippedMessageJson => ({
            id: r.id,
            receivedAt: r.createdAt.toISOString(),
            from: r.authorId,
            subject: r.subject,
            ...parseSkipReason(r.deliveryError),
          }),
        );
      },
    }),
  ];
}
