import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import type { SenderHints } from "../db/schema.js";
import type { InboundMessage } from "./channel.js";

/**
 * Stores an inbound message that must not be answered (an auto-reply, a bounce) as `skipped`
 * with its reason in `delivery_error`, in its thread but without queueing any work: it is kept
 * and visible, and nothing acts on it. Like receiveInbound, a redelivery changes nothing.
 * Returns false for a redelivery.
 */
export async function receiveSkippedInbound(
  database: Database,
  msg: InboundMessage,
  reason: string,
  now: Date,
): Promise<boolean> {
  const hints: SenderHints = { name: msg.contact.name, email: msg.contact.email, locale: msg.contact.locale };
  const rows = await database.rows<{ id: string }>(sql`
    WITH thread AS (
      INSERT INTO channel_threads (workspace_id, channel_account_id, thread_key, contact_external_id, last_seq)
      VALUES (${msg.workspaceId}, ${msg.channelAccountId}, ${msg.threadKey}, ${msg.contact.externalId}, 1)
      ON CONFLICT (channel_account_id, thread_key) DO UPDATE SET last_seq = channel_threads.last_seq + 1
      RETURNING id, last_seq
    )
    INSERT INTO messages (workspace_id, channel_account_id, thread_id, seq, direction, author_kind, author_id,
                          text, attachments, channel_message_id, delivery_state, delivery_error, channel_data,
                          sender_hints, processed_at)
    SELECT ${msg.workspaceId}, ${msg.channelAccountId}, thread.id, thread.last_seq, 'in', 'contact',
           ${msg.contact.externalId}, ${msg.text}, ${JSON.stringify(msg.attachments ?? [])}::jsonb,
           ${msg.channelMessageId}, 'skipped', ${reason}, ${JSON.stringify(msg.channelData ?? {})}::jsonb,
           ${JSON.stringify(hints)}::jsonb, ${now.toISOString()}::timestamptz
    FROM thread
    ON CONFLICT (channel_account_id, channel_message_id) DO NOTHING
    RETURNING id`);
  return rows.length > 0;
}
