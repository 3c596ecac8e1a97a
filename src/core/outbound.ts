import { sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import type { ConversationHolder } from "../db/schema.js";
import { OUTBOX_CHANNEL } from "./delivery-worker.js";
import { THREAD_CHANNEL } from "./receive.js";

/**
 * A message that answers no particular inbound message: a person's reply from the inbox, or the
 * system telling the customer how their help-desk ticket went. It takes the thread's next `seq`
 * and an outbox row in one statement (or is stored as delivered on channels that deliver on
 * commit), and it is only written while the conversation is open and, if `expectedHolder` is
 * given, still held as expected — so a reply never goes out on a conversation that was closed
 * or taken over meanwhile.
 */
export interface PostedMessage {
  conversationId: string;
  workspaceId: string;
  author: "user" | "system";
  authorId: string | null;
  text: string;
  language: string | null;
  deliveredOnCommit: boolean;
  expectedHolder?: { holder: ConversationHolder; holderId: string | null } | undefined;
  now: Date;
}

export async function postMessage(
  database: Database,
  m: PostedMessage,
  tx?: Tx,
): Promise<{ messageId: string; threadId: string } | undefined> {
  const now = sql`${m.now.toISOString()}::timestamptz`;
  const held = m.expectedHolder
    ? sql`AND holder = ${m.expectedHolder.holder} AND holder_id IS NOT DISTINCT FROM ${m.expectedHolder.holderId}`
    : sql``;
  const [row] = await database.rows<{ id: string; thread_id: string }>(
    sql`
      WITH conv AS (
        UPDATE conversations SET last_activity_at = ${now}
        WHERE id = ${m.conversationId} AND workspace_id = ${m.workspaceId} AND status = 'open' ${held}
        RETURNING id, thread_id, channel_account_id, language
      ), thread AS (
        UPDATE channel_threads t SET last_seq = t.last_seq + 1
        FROM conv WHERE t.id = conv.thread_id
        RETURNING t.id, t.last_seq
      ), posted AS (
        INSERT INTO messages (workspace_id, channel_account_id, thread_id, conversation_id, seq, direction,
                              author_kind, author_id, text, language, delivery_state)
        SELECT ${m.workspaceId}, conv.channel_account_id, thread.id, conv.id, thread.last_seq, 'out',
               ${m.author}, ${m.authorId}, ${m.text}, coalesce(${m.language}, conv.language),
               ${m.deliveredOnCommit ? "delivered" : "pending"}
        FROM conv, thread
        RETURNING id, thread_id, seq
      ), queued AS (
        INSERT INTO outbox (message_id, thread_id, seq)
        SELECT id, thread_id, seq FROM posted WHERE NOT ${m.deliveredOnCommit}::boolean
      )
      SELECT id, thread_id FROM posted`,
    tx,
  );
  return row ? { messageId: row.id, threadId: row.thread_id } : undefined;
}

/** After the commit: wake the live-chat streams and the delivery worker. */
export async function signalPosted(
  database: Database,
  threadId: string,
  deliveredOnCommit: boolean,
): Promise<void> {
  await database.notify(THREAD_CHANNEL, threadId);
  if (!deliveredOnCommit) await database.notify(OUTBOX_CHANNEL, threadId);
}
