import { type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";

/**
 * The events Parley announces. Each is written in the same statement or transaction as the change
 * it reports, and the webhook dispatcher delivers it to the workspace's webhook URL, if any.
 */
export const EVENT_TYPES = [
  "conversation.closed",
  "credits.low_balance",
  "handoff.requested",
  "handoff.assigned",
  "handoff.failed",
  "handoff.completed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Signalled after events are committed, so the dispatcher does not wait for its poll. */
export const EVENTS_CHANNEL = "parley_events";

/**
 * An event of a workspace without a webhook URL is only a log entry (`none`): the dispatcher
 * never has to look at it, which keeps 100,000 closes from becoming 100,000 claims.
 */
export function webhookStateSql(workspaceId: SQL): SQL {
  return sql`(SELECT CASE WHEN w.webhook_url IS NULL THEN 'none' ELSE 'pending' END
              FROM workspaces w WHERE w.id = ${workspaceId})`;
}

export async function recordEvent(
  database: Database,
  event: {
    workspaceId: string;
    type: EventType;
    conversationId?: string | null | undefined;
    data: Record<string, unknown>;
    now: Date;
  },
  tx?: Tx,
): Promise<void> {
  const at = sql`${event.now.toISOString()}::timestamptz`;
  await database.rows(
    // available_at keeps its default, the database's own now(): retries run on real time, not
    // on the business clock that created_at follows.
    sql`INSERT INTO events (workspace_id, type, conversation_id, data, created_at, webhook_state)
        VALUES (${event.workspaceId}, ${event.type}, ${event.conversationId ?? null},
                ${JSON.stringify(event.data)}::jsonb, ${at}, ${webhookStateSql(sql`${event.workspaceId}::uuid`)})`,
    tx,
  );
}
