import type { Database, Tx } from "../db/client.js";
import type { Citation, ConversationHolder } from "../db/schema.js";
import type { EventType } from "./events/record.js";

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
  /**
   * The thread's work version the worker last saw: when this was the thread's last unprocessed
   * message and nothing arrived since, the same statement also ends the thread's work (what the
   * worker's next read would otherwise do in a statement of its own).
   */
  finishVersion?: number | undefined;
  now: Date;
}

export interface CommitResult {
  /** We still held the thread's lease; when false nothing was written. */
  leased: boolean;
  /** The conversation still had the expected holder. */
  held: boolean;
  /** The message written; null when nothing was (not held, or this inbound was already answered). */
  replyId: string | null;
  /** The conversation's charge was written (pending: the charge applier moves the balance). */
  charged: boolean;
  /** The thread's work ended with this commit: nothing is left to process and its lease is gone. */
  finished: boolean;
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
 *
 * Given the work version, the statement also deletes the thread's work row when no other message
 * waits and the version is unchanged, exactly as `nextOrFinish` would: a message stored meanwhile
 * bumps the version (in the statement that stores it), so it is never stranded.
 */
/**
 * Constant text, so nothing is built per reply: what varies is in the parameters. $1 thread,
 * $2 lease owner, $3 now, $4–$7 the hand-off (whether, holder, holder id, reason), $8 asked to
 * rephrase, $9–$10 the dialogue step (whether to set it, and to what), $11 chargeable (the
 * agent says something), $12 workspace, $13 conversation, $14 expected holder, $15 something is
 * said, $16 channel account, $17 author, $18 text, $19 citations, $20 language, $21 the inbound
 * message, $22 the reply's delivery state, $23 delivered on commit, $24 events, $25 whether to
 * end the thread's work if nothing else waits, $26 the work version last seen.
 */
const COMMIT_OUTBOUND = `
  WITH lease AS (
    SELECT 1 FROM thread_work WHERE thread_id = $1::uuid AND lease_owner = $2::text
  ), conv AS (
    UPDATE conversations
    SET last_activity_at = $3::timestamptz,
        holder = CASE WHEN $4::boolean THEN $5::text ELSE holder END,
        holder_id = CASE WHEN $4::boolean THEN $6::text ELSE holder_id END,
        handoff_reason = CASE WHEN $4::boolean THEN $7::text ELSE handoff_reason END,
        handed_off_at = CASE WHEN $4::boolean THEN coalesce(handed_off_at, $3::timestamptz) ELSE handed_off_at END,
        rephrase_requested_at = CASE WHEN $8::boolean THEN $3::timestamptz ELSE rephrase_requested_at END,
        handoff_step = CASE WHEN $9::boolean THEN $10::text ELSE handoff_step END,
        charged_at = CASE
          WHEN charged_at IS NULL AND NOT preview AND $11::boolean AND EXISTS (
            SELECT 1 FROM credit_accounts ca WHERE ca.workspace_id = $12::uuid
              AND ca.charge_rule = 'first-agent-reply' AND ca.price_per_conversation > 0)
          THEN $3::timestamptz ELSE charged_at END
    WHERE id = $13::uuid AND holder = $14::text AND EXISTS (SELECT 1 FROM lease)
    RETURNING id, preview
  ), thread AS (
    UPDATE channel_threads SET last_seq = last_seq + 1
    WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM conv) AND $15::boolean
    RETURNING last_seq
  ), reply AS (
    INSERT INTO messages (workspace_id, channel_account_id, thread_id, conversation_id, seq, direction,
                          author_kind, text, citations, language, in_reply_to_id, delivery_state)
    SELECT $12::uuid, $16::uuid, $1::uuid, $13::uuid, thread.last_seq, 'out', $17::text, $18::text,
           $19::jsonb, $20::text, $21::uuid, $22::text
    FROM thread
    ON CONFLICT (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL DO NOTHING
    RETURNING id, seq
  ), queued AS (
    INSERT INTO outbox (message_id, thread_id, seq)
    SELECT id, $1::uuid, seq FROM reply WHERE NOT $23::boolean
  ), charge AS (
    -- The first-agent-reply rule; the unique index makes a second charge a no-op, whatever raced.
    -- Written pending: the charge applier moves the balance, so replies never queue for its row.
    INSERT INTO credit_ledger (workspace_id, kind, amount, reason, conversation_id, actor, created_at)
    SELECT $12::uuid, 'charge', -ca.price_per_conversation, 'first agent reply', $13::uuid, 'system',
           $3::timestamptz
    FROM credit_accounts ca, conv
    WHERE $11::boolean AND ca.workspace_id = $12::uuid AND ca.charge_rule = 'first-agent-reply'
      AND ca.price_per_conversation > 0 AND NOT conv.preview AND EXISTS (SELECT 1 FROM reply)
    ON CONFLICT (conversation_id) WHERE kind = 'charge' DO NOTHING
    RETURNING id
  ), announced AS (
    INSERT INTO events (workspace_id, type, conversation_id, data, created_at, webhook_state)
    SELECT $12::uuid, e.type, $13::uuid, e.data, $3::timestamptz,
           (SELECT CASE WHEN w.webhook_url IS NULL THEN 'none' ELSE 'pending' END
            FROM workspaces w WHERE w.id = $12::uuid)
    FROM jsonb_to_recordset($24::jsonb) AS e(type text, data jsonb)
    WHERE EXISTS (SELECT 1 FROM conv)
  ), processed AS (
    UPDATE messages SET processed_at = $3::timestamptz, delivery_state = 'processed'
    WHERE id = $21::uuid AND EXISTS (SELECT 1 FROM lease)
  ), finished AS (
    -- The statement's snapshot does not see "processed" above: this message is left out by id.
    DELETE FROM thread_work
    WHERE $25::boolean AND thread_id = $1::uuid AND lease_owner = $2::text AND version = $26::int
      AND NOT EXISTS (SELECT 1 FROM messages m
                      WHERE m.thread_id = $1::uuid AND m.direction = 'in' AND m.processed_at IS NULL
                        AND m.id <> $21::uuid)
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM lease) AS leased, EXISTS (SELECT 1 FROM conv) AS held,
         (SELECT id FROM reply) AS reply_id, EXISTS (SELECT 1 FROM charge) AS charged,
         EXISTS (SELECT 1 FROM finished) AS finished`;

export async function commitOutbound(
  database: Database,
  owner: string,
  c: OutboundCommit,
  tx?: Tx,
): Promise<CommitResult> {
  const handOff = c.handOff;
  const [result] = await database.query<{
    leased: boolean;
    held: boolean;
    reply_id: string | null;
    charged: boolean;
    finished: boolean;
  }>(
    COMMIT_OUTBOUND,
    [
      c.inbound.threadId,
      owner,
      c.now.toISOString(),
      handOff !== undefined,
      handOff?.holder ?? null,
      handOff?.holderId ?? null,
      handOff?.reason ?? null,
      c.askedToRephrase === true,
      c.handoffStep !== undefined,
      c.handoffStep ?? null,
      c.author === "agent" && c.text !== null,
      c.inbound.workspaceId,
      c.conversationId,
      c.expectedHolder,
      c.text !== null,
      c.inbound.channelAccountId,
      c.author,
      c.text,
      JSON.stringify(c.citations),
      c.language,
      c.inbound.id,
      c.deliveredOnCommit ? "delivered" : "pending",
      c.deliveredOnCommit,
      JSON.stringify(c.events ?? []),
      c.finishVersion !== undefined,
      c.finishVersion ?? 0,
    ],
    { tx },
  );
  return {
    leased: Boolean(result?.leased),
    held: Boolean(result?.held),
    replyId: result?.reply_id ?? null,
    charged: Boolean(result?.charged),
    finished: Boolean(result?.finished),
  };
}
