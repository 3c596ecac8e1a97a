import type { Database } from "../db/client.js";
import { fromJsonRow } from "../db/json-rows.js";
import type { agents, channelAccounts, channelThreads, conversations, messages } from "../db/schema.js";
import type { HistoryTurn } from "./agent/types.js";
import { agentTakesSql } from "./credits.js";

/** How many earlier messages of the conversation the answerer sees. */
export const HISTORY_TURNS = 10;

export type MessageRow = typeof messages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type ThreadRow = typeof channelThreads.$inferSelect;
export type AccountRow = typeof channelAccounts.$inferSelect;

/**
 * A thread's next unanswered message with everything the worker needs to handle it, as it
 * stood when read: its thread and channel account, the thread's open conversation (if any) with
 * that conversation's agent (else the account's), the contact's email and the last turns before it. The worker writes
 * nothing on the strength of this read alone: every write re-checks what it relies on.
 */
export interface NextInbound {
  message: MessageRow;
  thread: ThreadRow;
  account: AccountRow;
  open: ConversationRow | null;
  agent: AgentRow | null;
  contactEmail: string | null;
  /**
   * Without an open conversation: whether the account's agent would take a new one now (active
   * with credits for one more, or a preview account), by the rule that starting the conversation
   * applies again. Null with an open conversation or without an agent.
   */
  agentTakes: boolean | null;
  /** The open conversation's turns before this message, oldest first (empty without one). */
  history: HistoryTurn[];
}

export type NextOrFinished =
  | { kind: "next"; next: NextInbound }
  /** Nothing left, and the work row is gone: the thread is done. */
  | { kind: "finished" }
  /** Nothing left yet, but something arrived since `version`: look again from this version. */
  | { kind: "again"; version: number }
  /** The work row is no longer ours. */
  | { kind: "lost" };

/** The id of the thread `threadRef` names' oldest unanswered message (a parameter or an outer column). */
function oldestUnanswered(threadRef: string): string {
  return `
    SELECT w.id FROM messages w
    WHERE w.thread_id = ${threadRef} AND w.direction = 'in' AND w.processed_at IS NULL
    ORDER BY w.seq
    LIMIT 1`;
}

/**
 * The context of the message whose id `waiting` holds (a relation with an `id` column, from
 * `oldestUnanswered`); no row when it is empty. Used on its own by `nextOrFinish` and, for
 * every thread claimed, by the claim (`claimThreads`).
 */
function nextContext(waiting: string): string {
  return `
    SELECT row_to_json(m) AS message, row_to_json(t) AS thread, row_to_json(acc) AS account,
           row_to_json(c) AS open, row_to_json(a) AS agent, ct.email AS contact_email,
           CASE WHEN c.id IS NULL AND a.id IS NOT NULL THEN
             (SELECT ${agentTakesSql("a", "ca", "acc.is_preview")}
              FROM (VALUES (1)) AS one (x) LEFT JOIN credit_accounts ca ON ca.workspace_id = a.workspace_id)
           END AS agent_takes,
           (SELECT coalesce(json_agg(json_build_object('direction', h.direction, 'text', h.text) ORDER BY h.seq), '[]')
            FROM (SELECT seq, direction, text FROM messages
                  WHERE conversation_id = c.id AND seq < m.seq
                  ORDER BY seq DESC LIMIT ${HISTORY_TURNS}) h) AS history
    FROM ${waiting} waiting
    JOIN messages m ON m.id = waiting.id
    JOIN channel_threads t ON t.id = m.thread_id
    JOIN channel_accounts acc ON acc.id = t.channel_account_id
    LEFT JOIN conversations c ON c.thread_id = m.thread_id AND c.status = 'open'
    LEFT JOIN agents a ON a.id = coalesce(c.agent_id, acc.agent_id)
    LEFT JOIN contacts ct ON ct.id = c.contact_id`;
}

/**
 * One statement for what took six: the next message and its context, or, when there is none,
 * the end of the thread's work — deleted only if its version is still the one we last saw, so a
 * message stored meanwhile (which bumps the version in the same statement) is never stranded.
 */
const NEXT_OR_FINISH = `
  WITH next AS (${oldestUnanswered("$1")}
  ), done AS (
    DELETE FROM thread_work
    WHERE thread_id = $1 AND lease_owner = $2 AND version = $3 AND NOT EXISTS (SELECT 1 FROM next)
    RETURNING 1
  )
  SELECT ctx.*, NULL::boolean AS finished, NULL::bigint AS version
  FROM (${nextContext("next")}) ctx
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         EXISTS (SELECT 1 FROM done),
         (SELECT version FROM thread_work WHERE thread_id = $1 AND lease_owner = $2)
  WHERE NOT EXISTS (SELECT 1 FROM next)`;

/** The columns `nextContext` gives, all null for a thread without a next message. */
interface ContextRow {
  message: Record<string, unknown> | null;
  thread: Record<string, unknown> | null;
  account: Record<string, unknown> | null;
  open: Record<string, unknown> | null;
  agent: Record<string, unknown> | null;
  contact_email: string | null;
  agent_takes: boolean | null;
  history: Array<{ direction: "in" | "out"; text: string }> | null;
}

/** The next message from a context row; undefined when the thread had none. */
function toNextInbound(row: ContextRow): NextInbound | undefined {
  if (!row.message || !row.thread || !row.account) return undefined;
  return {
    message: fromJsonRow<MessageRow>(row.message),
    thread: fromJsonRow<ThreadRow>(row.thread),
    account: fromJsonRow<AccountRow>(row.account),
    open: row.open ? fromJsonRow<ConversationRow>(row.open) : null,
    agent: row.agent ? fromJsonRow<AgentRow>(row.agent) : null,
    contactEmail: row.contact_email,
    agentTakes: row.agent_takes,
    history: (row.history ?? []).map((h) => ({
      role: h.direction === "in" ? "customer" : "agent",
      text: h.text,
    })),
  };
}

interface NextRow extends ContextRow {
  finished: boolean | null;
  version: string | number | null;
}

export async function nextOrFinish(
  database: Database,
  threadId: string,
  owner: string,
  version: number,
): Promise<NextOrFinished> {
  const [row] = await database.query<NextRow>(NEXT_OR_FINISH, [threadId, owner, version]);
  if (!row) throw new Error("the next-message statement returned no row");
  const next = toNextInbound(row);
  if (next) return { kind: "next", next };
  if (row.finished) return { kind: "finished" };
  if (row.version === null) return { kind: "lost" };
  return { kind: "again", version: Number(row.version) };
}

/** A thread the worker leased, with its next message when it had one at that moment. */
export interface ClaimedThread {
  threadId: string;
  version: number;
  attempts: number;
  /** Read with the claim, so the thread's first turn needs no statement of its own to find it. */
  next: NextInbound | undefined;
}

/**
 * Leases up to `max` threads that have work and no live lease, oldest first, and reads each one's
 * next message with it: one statement for what took one per thread more. A thread may wait a
 * while for its turn after this; what it read is as good as `nextOrFinish`'s, since nothing is
 * written on the strength of it alone (see NextInbound) and only the lease holder moves the
 * thread on. $1 owner, $2 lease in milliseconds, $3 how many.
 */
const CLAIM = `
  WITH claimed AS (
    UPDATE thread_work SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond'
    WHERE thread_id IN (
      SELECT thread_id FROM thread_work
      WHERE available_at <= now() AND (lease_until IS NULL OR lease_until < now())
      ORDER BY available_at
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
    RETURNING thread_id, version, attempts
  )
  SELECT claimed.thread_id, claimed.version, claimed.attempts, ctx.*
  FROM claimed LEFT JOIN LATERAL (${nextContext(`(${oldestUnanswered("claimed.thread_id")})`)}) ctx ON true`;

interface ClaimRow extends ContextRow {
  thread_id: string;
  version: string | number;
  attempts: string | number;
}

export async function claimThreads(
  database: Database,
  owner: string,
  leaseMs: number,
  max: number,
): Promise<ClaimedThread[]> {
  const rows = await database.query<ClaimRow>(CLAIM, [owner, leaseMs, max]);
  return rows.map((row) => ({
    threadId: row.thread_id,
    version: Number(row.version),
    attempts: Number(row.attempts),
    next: toNextInbound(row),
  }));
}
