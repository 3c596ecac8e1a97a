import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { messages, type SenderHints } from "../db/schema.js";
import { timestampOf } from "../db/timestamps.js";
import type { InboundMessage } from "./channel.js";

export interface Received {
  messageId: string;
  threadId: string;
  seq: number;
  createdAt: Date;
  /** True when this channel message id was stored before: nothing new happened. */
  duplicate: boolean;
}

/** The NOTIFY channel that wakes thread workers in every gateway process. */
export const WORK_CHANNEL = "parley_work";
/** The NOTIFY channel that tells live-chat sockets a thread has new activity. */
export const THREAD_CHANNEL = "parley_thread";

/**
 * Stores an inbound message and queues its thread for the worker, in ONE statement, so the
 * acknowledgement a channel gets means the message is durable and will be answered, and a
 * redelivery (same channel message id) changes nothing.
 *
 * The thread row is upserted first: its row lock orders concurrent writers, and the `seq` it
 * hands out is the thread's commit order. The work row's `version` is bumped so that a worker
 * that is just finishing the thread sees that something new arrived and keeps going.
 */
const STORE_INBOUND = `
  WITH thread AS (
    INSERT INTO channel_threads (workspace_id, channel_account_id, thread_key, contact_external_id, last_seq)
    VALUES ($1, $2, $3, $4, 1)
    ON CONFLICT (channel_account_id, thread_key) DO UPDATE SET last_seq = channel_threads.last_seq + 1
    RETURNING id, last_seq
  ), stored AS (
    INSERT INTO messages (workspace_id, channel_account_id, thread_id, seq, direction, author_kind, author_id,
                          text, attachments, channel_message_id, delivery_state, channel_data, sender_hints)
    SELECT $1, $2, thread.id, thread.last_seq, 'in', 'contact', $4, $5, $6::jsonb, $7, 'received',
           $8::jsonb, $9::jsonb
    FROM thread
    ON CONFLICT (channel_account_id, channel_message_id) DO NOTHING
    RETURNING id, thread_id, seq, created_at
  ), queued AS (
    INSERT INTO thread_work (thread_id) SELECT thread_id FROM stored
    ON CONFLICT (thread_id) DO UPDATE
      SET version = thread_work.version + 1, available_at = LEAST(thread_work.available_at, now())
  )
  SELECT id, thread_id, seq, created_at FROM stored`;

export async function receiveInbound(database: Database, msg: InboundMessage): Promise<Received> {
  const hints: SenderHints = {
    name: msg.contact.name,
    email: msg.contact.email,
    locale: msg.contact.locale,
    messageLocale: msg.locale,
  };
  const [row] = await database.query<{
    id: string;
    thread_id: string;
    seq: string | number;
    created_at: Date | string;
  }>(
    STORE_INBOUND,
    [
      msg.workspaceId,
      msg.channelAccountId,
      msg.threadKey,
      msg.contact.externalId,
      msg.text,
      JSON.stringify(msg.attachments ?? []),
      msg.channelMessageId,
      JSON.stringify(msg.channelData ?? {}),
      JSON.stringify(hints),
    ],
    { lane: "ingest" },
  );
  if (row) {
    await database.notify(WORK_CHANNEL, row.thread_id);
    await database.notify(THREAD_CHANNEL, row.thread_id);
    return {
      messageId: row.id,
      threadId: row.thread_id,
      seq: Number(row.seq),
      createdAt: timestampOf(row.created_at),
      duplicate: false,
    };
  }
  const [existing] = await database.db
    .select({
      id: messages.id,
      threadId: messages.threadId,
      seq: messages.seq,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.channelAccountId, msg.channelAccountId),
        eq(messages.channelMessageId, msg.channelMessageId),
      ),
    )
    .limit(1);
  if (!existing)
    throw new Error("message neither inserted nor found: concurrent delete of its channel account?");
  return {
    messageId: existing.id,
    threadId: existing.threadId,
    seq: existing.seq,
    createdAt: existing.createdAt,
    duplicate: true,
  };
}
