import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { timestampOf } from "../db/timestamps.js";

/**
 * The DeliveryError code adapters use when a platform refuses free text because the customer
 * has not written recently enough; a failure recorded with it also closes the window early.
 */
export const REPLY_WINDOW_CLOSED = "reply_window_closed";

export interface ReplyWindow {
  /** When the customer last wrote in this thread (as the core took it in), if ever. */
  lastInboundAt: Date | undefined;
  /** Whether free text may still be sent at `now`. */
  open: boolean;
}

/**
 * The customer-service window of the thread an outbound message belongs to: free text may be
 * sent within `windowMs` of the customer's last message, unless the platform already refused a
 * message for that reason since then (WhatsApp's 131047 can come earlier than our count says).
 */
export async function replyWindowFor(
  database: Database,
  outboundMessageId: string,
  windowMs: number,
  now: Date,
): Promise<ReplyWindow> {
  const [row] = await database.rows<{ last_inbound_at: Date | string | null; refused: boolean }>(sql`
    WITH outbound AS (SELECT thread_id FROM messages WHERE id = ${outboundMessageId}),
    last_in AS (
      SELECT m.seq, coalesce(m.processed_at, m.created_at) AS at FROM messages m, outbound o
      WHERE m.thread_id = o.thread_id AND m.direction = 'in' ORDER BY m.seq DESC LIMIT 1)
    SELECT (SELECT at FROM last_in) AS last_inbound_at,
           EXISTS (SELECT 1 FROM messages m, outbound o, last_in l
                   WHERE m.thread_id = o.thread_id AND m.direction = 'out' AND m.seq > l.seq
                     AND m.delivery_state = 'failed'
                     AND m.delivery_error LIKE ${`${REPLY_WINDOW_CLOSED}:%`}) AS refused`);
  const lastInboundAt = row?.last_inbound_at ? timestampOf(row.last_inbound_at) : undefined;
  const open =
    lastInboundAt !== undefined && !row?.refused && now.getTime() - lastInboundAt.getTime() < windowMs;
  return { lastInboundAt, open };
}

/**
 * An agent's answer could not reach the customer because the window closed: the conversation
 * is flagged for a person (who may still reach them by other means, or with an approved template).
 */
export async function flagReplyWindowClosed(database: Database, messageId: string): Promise<void> {
  await database.rows(sql`
    UPDATE conversations SET holder = 'nobody', handoff_reason = ${REPLY_WINDOW_CLOSED}
    WHERE id = (SELECT conversation_id FROM messages WHERE id = ${messageId})
      AND status = 'open' AND holder = 'agent'
    RETURNING id`);
}
