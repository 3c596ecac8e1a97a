import { type SQL, sql } from "drizzle-orm";
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

export interface DeliveryReport {
  channelAccountId: string;
  channelMessageId: string;
  state: ReportedState;
  error?: string | undefined;
  /** The platform refused the message because the customer-service window had closed. */
  windowClosed?: boolean | undefined;
}

/**
 * Applies a platform's report about one outbound message, found by the platform's id for it.
 * A report for an id we do not know yet may have overtaken the response of the send that made
 * it: it is kept (early_delivery_reports) and applied when the delivery worker records the id.
 * Moving the message and keeping the report are one statement, so they judge "do we know this
 * id?" from the same snapshot: a send recorded between two statements could otherwise make the
 * first find no message and the second find one, and the report would be neither applied nor
 * kept. After keeping it, the update is tried once more, so a send recorded meanwhile is not
 * missed (the delivery worker looks for kept reports only after its own record has committed).
 */
export async function advanceDeliveryState(
  database: Database,
  report: DeliveryReport,
): Promise<MovedMessage | undefined> {
  const [row] = await database.rows<Nullable<MovedRow> & { kept: boolean }>(sql`
    WITH moved AS (${moveStatement(report)}
    ), kept AS (
      INSERT INTO early_delivery_reports (channel_account_id, channel_message_id, state, error, window_closed)
      SELECT ${report.channelAccountId}, ${report.channelMessageId}, ${report.state},
             ${report.error?.slice(0, 2000) ?? null}, ${report.windowClosed === true}
      WHERE NOT EXISTS (SELECT 1 FROM messages WHERE channel_account_id = ${report.channelAccountId}
                          AND channel_message_id = ${report.channelMessageId})
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT moved.id, moved.thread_id, moved.conversation_id, EXISTS (SELECT 1 FROM kept) AS kept
    FROM (VALUES (1)) AS one (x) LEFT JOIN moved ON true`);
  if (row?.id && row.thread_id) return movedMessage({ ...row, id: row.id, thread_id: row.thread_id });
  if (!row?.kept) return undefined;
  const late = await applyReport(database, report);
  if (late) await forgetEarlyReports(database, report.channelAccountId, report.channelMessageId);
  return late;
}

interface MovedRow {
  id: string;
  thread_id: string;
  conversation_id: string | null;
}

/** A row of the LEFT JOIN above: all null when nothing moved. */
type Nullable<T> = { [K in keyof T]: T[K] | null };

function movedMessage(row: MovedRow): MovedMessage {
  return { messageId: row.id, threadId: row.thread_id, conversationId: row.conversation_id };
}

/** The update that moves the reported message forward, if it may move; returns what it moved. */
function moveStatement(report: DeliveryReport): SQL {
  return sql`
    UPDATE messages
    SET delivery_state = ${report.state},
        delivery_error = ${report.state === "failed" ? (report.error ?? "failed").slice(0, 2000) : null}
    WHERE channel_account_id = ${report.channelAccountId} AND channel_message_id = ${report.channelMessageId}
      AND direction = 'out' AND delivery_state IN (${sql.join(
        MOVES_FROM[report.state].map((s) => sql`${s}`),
        sql`, `,
      )})
    RETURNING id, thread_id, conversation_id`;
}

async function applyReport(database: Database, report: DeliveryReport): Promise<MovedMessage | undefined> {
  const [row] = await database.rows<MovedRow>(moveStatement(report));
  return row ? movedMessage(row) : undefined;
}

async function forgetEarlyReports(database: Database, channelAccountId: string, channelMessageId: string) {
  await database.rows(sql`
    DELETE FROM early_delivery_reports
    WHERE channel_account_id = ${channelAccountId} AND channel_message_id = ${channelMessageId}`);
}

const RANK: Record<ReportedState, number> = { sent: 0, failed: 1, delivered: 2, read: 3 };

/**
 * Called once a send's platform id is recorded: the reports that arrived before it are applied,
 * in the order the message lives through them, and forgotten. Returns the reports applied (with
 * the message they moved), so the caller can act on a closed window as the webhook would have.
 */
export async function applyEarlyReports(
  database: Database,
  channelAccountId: string,
  channelMessageId: string,
): Promise<Array<{ report: DeliveryReport; moved: MovedMessage }>> {
  const rows = await database.rows<{
    state: ReportedState;
    error: string | null;
    window_closed: boolean;
  }>(sql`
    DELETE FROM early_delivery_reports
    WHERE channel_account_id = ${channelAccountId} AND channel_message_id = ${channelMessageId}
    RETURNING state, error, window_closed`);
  const applied: Array<{ report: DeliveryReport; moved: MovedMessage }> = [];
  for (const row of rows.sort((a, b) => RANK[a.state] - RANK[b.state])) {
    const report: DeliveryReport = {
      channelAccountId,
      channelMessageId,
      state: row.state,
      error: row.error ?? undefined,
      windowClosed: Boolean(row.window_closed),
    };
    const moved = await applyReport(database, report);
    if (moved) applied.push({ report, moved });
  }
  return applied;
}

/** Early reports that found no message within a day were about messages that were never ours. */
export async function purgeStaleEarlyReports(database: Database, olderThan: Date): Promise<void> {
  await database.rows(
    sql`DELETE FROM early_delivery_reports WHERE received_at < ${olderThan.toISOString()}::timestamptz`,
  );
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
