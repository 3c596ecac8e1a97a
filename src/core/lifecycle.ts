import { type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import type { ChannelKind, CloseReason } from "../db/schema.js";
import { webhookStateSql } from "./events/record.js";
import type { Metrics } from "./metrics.js";

/**
 * Closing conversations: one statement that closes, decides the outcome, charges under the
 * `resolution` rule and writes the `conversation.closed` event, so billing and metrics see every
 * close exactly once, whoever closes (the sweeper in any replica, a message arriving after the
 * silence, a person in the inbox).
 *
 * Outcome: a conversation the agent held to the end, answered at least once and never handed off
 * was resolved by the agent (its close reason says so, and the `resolution` rule charges it);
 * one held by a person was resolved by a person; anything else simply ran out of time.
 */

export interface ClosedConversation {
  id: string;
  workspaceId: string;
  reason: CloseReason;
  resolvedBy: "agent" | "person" | null;
  charged: boolean;
}

type Selection =
  /** Open conversations on these channels that have been silent since before `cutoff`. */
  | { kind: "silent"; channelKinds: readonly ChannelKind[]; cutoff: Date; limit: number }
  /** These conversations, if they are still open. */
  | { kind: "ids"; ids: readonly string[]; reason: "inactivity" | "closed_by_person" | "helpdesk_ticket" };

function dueSql(selection: Selection): SQL {
  const answered = sql`EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'agent')`;
  const base = sql`SELECT c.id, c.holder, c.handed_off_at IS NULL AND ${answered} AS agent_resolved FROM conversations c`;
  if (selection.kind === "silent") {
    return sql`${base}
      WHERE c.status = 'open' AND c.last_activity_at <= ${selection.cutoff.toISOString()}::timestamptz
        AND c.channel_account_id IN (SELECT id FROM channel_accounts WHERE kind IN (${sql.join(
          selection.channelKinds.map((k) => sql`${k}`),
          sql`, `,
        )}))
      ORDER BY c.last_activity_at
      LIMIT ${selection.limit}
      FOR UPDATE OF c SKIP LOCKED`;
  }
  return sql`${base}
    WHERE c.status = 'open' AND c.id IN (${sql.join(
      selection.ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    FOR UPDATE OF c`;
}

function requestedReason(selection: Selection): string {
  return selection.kind === "silent" ? "inactivity" : selection.reason;
}

export async function closeConversations(
  database: Database,
  selection: Selection,
  now: Date,
  opts: { tx?: Tx | undefined; metrics?: Metrics | undefined } = {},
): Promise<ClosedConversation[]> {
  if (selection.kind === "ids" && selection.ids.length === 0) return [];
  const at = sql`${now.toISOString()}::timestamptz`;
  const reason = requestedReason(selection);
  // A person closing keeps "closed_by_person" even on a conversation the agent answered: the
  // person decided it was done. Only a silent close infers that the agent resolved it.
  const inferResolution = reason === "inactivity";
  const rows = await database.rows<{
    id: string;
    workspace_id: string;
    close_reason: CloseReason;
    resolved_by: "agent" | "person" | null;
    charged: boolean;
  }>(
    sql`
    WITH due AS (${dueSql(selection)}),
    closed AS (
      UPDATE conversations c
      SET status = 'closed', closed_at = ${at},
          close_reason = CASE WHEN ${inferResolution}::boolean AND due.holder = 'agent' AND due.agent_resolved
                              THEN 'resolved_by_agent' ELSE ${reason} END,
          resolved_by = CASE WHEN due.holder = 'agent' AND due.agent_resolved THEN 'agent'
                             WHEN due.holder IN ('user', 'team') THEN 'person' END,
          charged_at = CASE WHEN c.charged_at IS NULL AND NOT c.preview AND due.holder = 'agent'
                                 AND due.agent_resolved AND EXISTS (
                                   SELECT 1 FROM credit_accounts ca WHERE ca.workspace_id = c.workspace_id
                                     AND ca.charge_rule = 'resolution' AND ca.price_per_conversation > 0)
                            THEN ${at} ELSE c.charged_at END
      FROM due
      WHERE c.id = due.id
      RETURNING c.id, c.workspace_id, c.channel_account_id, c.preview, c.close_reason, c.resolved_by,
                c.holder, c.holder_id
    ),
    charged AS (
      INSERT INTO credit_ledger (workspace_id, kind, amount, reason, conversation_id, actor, created_at)
      SELECT closed.workspace_id, 'charge', -ca.price_per_conversation, 'conversation resolved by the agent',
             closed.id, 'system', ${at}
      FROM closed JOIN credit_accounts ca ON ca.workspace_id = closed.workspace_id
      WHERE closed.resolved_by = 'agent' AND NOT closed.preview
        AND ca.charge_rule = 'resolution' AND ca.price_per_conversation > 0
      ON CONFLICT (conversation_id) WHERE kind = 'charge' DO NOTHING
      RETURNING conversation_id
    ),
    announced AS (
      INSERT INTO events (workspace_id, type, conversation_id, data, created_at, webhook_state)
      SELECT closed.workspace_id, 'conversation.closed', closed.id,
             jsonb_build_object('conversationId', closed.id, 'channelAccountId', closed.channel_account_id,
                                'reason', closed.close_reason, 'resolvedBy', closed.resolved_by,
                                'holder', closed.holder, 'holderId', closed.holder_id,
                                'charged', closed.id IN (SELECT conversation_id FROM charged)),
             ${at}, ${webhookStateSql(sql`closed.workspace_id`)}
      FROM closed
    )
    SELECT closed.id, closed.workspace_id, closed.close_reason, closed.resolved_by,
           closed.id IN (SELECT conversation_id FROM charged) AS charged
    FROM closed`,
    opts.tx,
  );
  for (const r of rows) opts.metrics?.conversationsClosed.inc({ reason: r.close_reason });
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    reason: r.close_reason,
    resolvedBy: r.resolved_by,
    charged: Boolean(r.charged),
  }));
}
