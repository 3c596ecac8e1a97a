import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";

/** What a platform can report about a message it was given. */
export type ReportedState = "sent" | "delivered" | "read" | "failed";

/**
 * The states a report may move a message out of. Reports arrive late, twice and out of order,
 * so a message only ever moves forward (pending < sent < delivered < read); `failed` is believed
 * only before the platform said delivered, since a delivered message cannot fail afterwards.
 */
const MOVES_FROM: Record<ReportedState, string[]> = {
  sent: ["pending"],
  delivered: ["pending", "sent"],
  read: ["pending", "sent", "delivered"],
  failed: ["pending", "sent"],
};

export interface MovedMessage {
  messageId: string;
  threadId: string;
  conversationId: string | null;
}

/** Applies a platform's report about one outbound message, found by the platform's id for it. */
export async function advanceDeliveryState(
  database: Database,
  report: {
    channelAccountId: string;
    channelMessageId: string;
    state: ReportedState;
    error?: string | undefined;
  },
): Promise<MovedMessage | undefined> {
  const [row] = await database.rows<{ id: string; thread_id: string; conversation_id: string | null }>(sql`
    UPDATE messages
    SET delivery_state = ${report.state},
        delivery_error = ${report.state === "failed" ? (report.error ?? "failed").slice(0, 2000) : null}
    WHERE channel_account_id = ${report.channelAccountId} AND channel_message_id = ${report.channelMessageId}
      AND direction = 'out' AND delivery_state IN (${sql.join(
        MOVES_FROM[report.state].map((s) => sql`${s}`),
        sql`, `,
      )})
    RETURNING id, thread_id, conversation_id`);
  return row
    ? { messageId: row.id, threadId: row.thread_id, conversationId: row.conversation_id }
    : undefined;
}

/**
 * Applies a watermark report (Messenger's `delivery` and `read`): every message of the thread
 * the platform had accepted by `upTo` is delivered (or read). Messages not yet handed over are
 * left alone: a watermark cannot cover what the platform never received.
 */
export async function advanceThreadUpTo(
  database: Database,
  report: { channelAccountId: string; threadKey: string; state: "delivered" | "read"; upTo: Date },
): Promise<number> {
  const from = MOVES_FROM[report.state].filter((s) => s !== "pending");
  const rows = await database.rows(sql`
    UPDATE messages m SET delivery_state = ${report.state}
    FROM channel_threads t
    WHERE t.id = m.thread_id AND t.channel_account_id = ${report.channelAccountId}
      AND t.thread_key = ${report.threadKey} AND m.direction = 'out'
      AND m.created_at <= ${report.upTo.toISOString()}::timestamptz
      AND m.delivery_state IN (${sql.join(
        from.map((s) => sql`${s}`),
        sql`, `,
      )})
    RETURNING m.id`);
  return rows.length;
}
