import { sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import type { Citation, ConversationHolder } from "../db/schema.js";
import { firstReplyChargeSql } from "./credits.js";
import { type EventType, webhookStateSql } from "./events/record.js";

/**
 * What the worker says in answer to one inbound message, and what changes with it: the agent's
 * reply, or the system's message at a hand-off with the conversation's new holder.
 */
export interface OutboundCommit {
  inbound: { id: string; threadId: string; workspaceId: string; channelAccountId: string };
  conversationId: string;
  /** The holder the conversation must still have; if anyone changed it meanwhile, nothing is sent. */
  expectedHolder: ConversationHolder;
  author: "agent" | "system";
  /** Null: nothing is said now (a help-desk ticket answers later); the rest still commits. */
  text: string | null;
  citations: Citation[];
  language: string;
  deliveredOnCommit: boolean;
  /** A hand-off: who holds the conversation from now on, and why. */
  handOff?: { holder: ConversationHolder; holderId: string | null; reason: string } | undefined;
  /** Remember that the agent asked the customer to rephrase (it asks once before it transfers). */
  askedToRephrase?: boolean | undefined;
  /** The helpdesk dialogue's next step; `null` ends it, undefined leaves it as it is. */
  handoffStep?: "ask_wants_person" | "ask_email" | null | undefined;
  events?: Array<{ type: EventType; data: Record<string, unknown> }> | undefined;
  now: Date;
}

export interface CommitResult {
  /** We still held the thread's lease; when false nothing was written. */
  leased: boolean;
  /** The conversation still had the expected holder. */
  held: boolean;
  /** The message written; null when nothing was (not held, or this inbound was already answered). */
  replyId: string | null;
  charged: boolean;
}

/**
 * The reply, its outbox row, the conversation's changes, the first-reply charge, the events and
 * the inbound message's "processed" mark commit in ONE statement, and only while `owner` still
 * holds the thread's lease and the conversation still has the expected holder (a person who
 * claimed it meanwhile wins: the agent's reply is dropped, not sent). The conversation row is
 * updated with the expected holder in its WHERE, so a concurrent claim is seen even if it commits
 * while we wait for the row. Rows are locked in the order conversation → thread, and the lease is
 * only read: receiveInbound locks thread → work, so the two can never wait on each other in a
 * circle. Should the lease be lost right after the read, the unique `in_reply_to_id` still lets
 * only one reply in, and the ledger's unique index only one charge.
 *
 * Channels whose replies are visible the moment they are committed (the live chat) skip the
 * outbox: the reply is stored as delivered.
 */
export async function commitOutbound(
  database: Database,
  owner: string,
  c: OutboundCommit,
  tx?: Tx,
): Promise<CommitResult> {
  const now = sql`${c.now.toISOString()}::timestamptz`;
  const chargeable = c.author === "agent" && c.text !== null;
  const handOff = c.handOff;
  const events = c.events ?? [];
  const [result] = await database.rows<{
    leased: boolean;
    held: boolean;
    reply_id: string | null;
    charged: boolean;
  }>(
    sql`
      WITH lease AS (
        SELECT 1 FROM thread_work WHERE thread_id = ${c.inbound.threadId} AND lease_owner = ${owner}
      ), conv AS (
        UPDATE conversations
        SET last_activity_at = ${now},
            holder = ${handOff ? sql`${handOff.holder}` : sql`holder`},
            holder_id = ${handOff ? sql`${handOff.holderId}` : sql`holder_id`},
            handoff_reason = ${handOff ? sql`${handOff.reason}` : sql`handoff_reason`},
            handed_off_at = ${handOff ? sql`coalesce(handed_off_at, ${now})` : sql`handed_off_at`},
            rephrase_requested_at = ${c.askedToRephrase ? now : sql`rephrase_requested_at`},
            handoff_step = ${c.handoffStep === undefined ? sql`handoff_step` : sql`${c.handoffStep}`},
            charged_at = CASE
              WHEN charged_at IS NULL AND NOT preview AND ${chargeable}::boolean AND EXISTS (
                SELECT 1 FROM credit_accounts ca WHERE ca.workspace_id = ${c.inbound.workspaceId}
                  AND ca.charge_rule = 'first-agent-reply' AND ca.price_per_conversation > 0)
              THEN ${now} ELSE charged_at END
        WHERE id = ${c.conversationId} AND holder = ${c.expectedHolder} AND EXISTS (SELECT 1 FROM lease)
        RETURNING id, preview
      ), thread AS (
        UPDATE channel_threads SET last_seq = last_seq + 1
        WHERE id = ${c.inbound.threadId} AND EXISTS (SELECT 1 FROM conv) AND ${c.text !== null}::boolean
        RETURNING last_seq
      ), reply AS (
        INSERT INTO messages (workspace_id, channel_account_id, thread_id, conversation_id, seq, direction,
                              author_kind, text, citations, language, in_reply_to_id, delivery_state)
        SELECT ${c.inbound.workspaceId}, ${c.inbound.channelAccountId}, ${c.inbound.threadId}, ${c.conversationId},
               thread.last_seq, 'out', ${c.author}, ${c.text}, ${JSON.stringify(c.citations)}::jsonb, ${c.language},
               ${c.inbound.id}, ${c.deliveredOnCommit ? "delivered" : "pending"}
        FROM thread
        ON CONFLICT (in_reply_to_id) DO NOTHING
        RETURNING id, seq
      ), queued AS (
        INSERT INTO outbox (message_id, thread_id, seq)
        SELECT id, ${c.inbound.threadId}, seq FROM reply WHERE NOT ${c.deliveredOnCommit}::boolean
      ), charge AS (
        ${
          chargeable
            ? firstReplyChargeSql({
                workspaceId: c.inbound.workspaceId,
                conversationId: c.conversationId,
                now: c.now,
              })
            : sql`SELECT NULL::bigint AS id WHERE false`
        }
      ), announced AS (
        INSERT INTO events (workspace_id, type, conversation_id, data, created_at, webhook_state)
        SELECT ${c.inbound.workspaceId}, e.type, ${c.conversationId}, e.data, ${now},
               ${webhookStateSql(sql`${c.inbound.workspaceId}::uuid`)}
        FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb) AS e(type text, data jsonb)
        WHERE EXISTS (SELECT 1 FROM conv)
      ), processed AS (
        UPDATE messages SET processed_at = ${now}, delivery_state = 'processed'
        WHERE id = ${c.inbound.id} AND EXISTS (SELECT 1 FROM lease)
      )
      SELECT EXISTS (SELECT 1 FROM lease) AS leased, EXISTS (SELECT 1 FROM conv) AS held,
             (SELECT id FROM reply) AS reply_id, EXISTS (SELECT 1 FROM charge) AS charged`,
    tx,
  );
  return {
    leased: Boolean(result?.leased),
    held: Boolean(result?.held),
    replyId: result?.reply_id ?? null,
    charged: Boolean(result?.charged),
  };
}
