import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import { fromJsonRow } from "../db/json-rows.js";
import { outbox } from "../db/schema.js";
import { type ChannelAdapter, DeliveryError, type OutboundDelivery } from "./channel.js";
import { ClaimLoop } from "./claim-loop.js";
import { applyEarlyReports } from "./delivery-status.js";
import type { Metrics } from "./metrics.js";
import type { AccountRow, MessageRow, ThreadRow } from "./next-inbound.js";
import { flagReplyWindowClosed } from "./reply-window.js";

/** The NOTIFY channel that wakes delivery workers when a reply was committed. */
export const OUTBOX_CHANNEL = "parley_outbox";

/** How long a message may wait for the process that can send it before its attempts count again. */
const ELSEWHERE_PATIENCE_MS = 10 * 60_000;

export interface DeliveryWorkerDeps {
  database: Database;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  log: Logger;
  metrics?: Metrics | undefined;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  /**
   * Which replies this process takes on. `all`; `linked-devices`, only those of WhatsApp
   * linked devices (a process that serves HTTP beside answering processes: it drives the
   * devices, the answering processes send the rest); `all-but-linked-devices` (a process that
   * drives no device: it would only hand those on). Default `all`.
   */
  sends?: DeliverySends;
}

export type DeliverySends = "all" | "linked-devices" | "all-but-linked-devices";

/**
 * A reply for a WhatsApp linked device, young enough that the process driving it is expected to
 * take it. Older ones are claimed by anyone, so a reply nobody can send ends as failed with a
 * clear reason instead of waiting forever.
 */
const FOR_LINKED_DEVICE = `EXISTS (
  SELECT 1 FROM messages m JOIN channel_accounts a ON a.id = m.channel_account_id
  WHERE m.id = o.message_id AND a.kind = 'whatsapp' AND a.settings->>'transport' = 'linked_device'
    AND m.created_at > now() - interval '${ELSEWHERE_PATIENCE_MS} milliseconds')`;

/** The claim: rows due, not leased, first of their thread; `$1` owner, `$2` lease ms, `$3` how many. */
function claimStatement(sends: DeliverySends): string {
  const which =
    sends === "linked-devices"
      ? `AND ${FOR_LINKED_DEVICE}`
      : sends === "all-but-linked-devices"
        ? `AND NOT ${FOR_LINKED_DEVICE}`
        : "";
  return `
    UPDATE outbox SET lease_owner = $1, attempts = attempts + 1,
           lease_until = now() + $2 * interval '1 millisecond'
    WHERE message_id IN (
      SELECT o.message_id FROM outbox o
      WHERE o.available_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.thread_id = o.thread_id AND p.seq < o.seq)
        ${which}
      ORDER BY o.available_at
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
    RETURNING message_id, attempts`;
}

/**
 * What a send needs, in one statement: the reply with its channel account and thread, and the
 * platform's id and data of the message it answers (a Messenger reply quotes it, an email is
 * threaded under it). `$1` the reply's id.
 */
const READ_DELIVERY = `
  SELECT row_to_json(m) AS message, row_to_json(a) AS account, row_to_json(t) AS thread,
         r.id IS NOT NULL AS replied, r.channel_message_id AS replied_channel_message_id,
         r.channel_data AS replied_channel_data
  FROM messages m
  JOIN channel_accounts a ON a.id = m.channel_account_id
  JOIN channel_threads t ON t.id = m.thread_id
  LEFT JOIN messages r ON r.id = m.in_reply_to_id
  WHERE m.id = $1`;

interface DeliveryRow {
  message: Record<string, unknown>;
  account: Record<string, unknown>;
  thread: Record<string, unknown>;
  replied: boolean;
  replied_channel_message_id: string | null;
  replied_channel_data: Record<string, unknown> | null;
}

/**
 * The send's outcome and the end of its outbox row, in one statement (atomic, as a transaction
 * of the two would be, without its extra round trips). A status webhook may already have moved
 * the message further (delivered, read): it never goes backwards. `$1` the message, `$2` its
 * state, `$3` the platform's id for it (null: none given).
 */
const RECORD_SENT = `
  WITH recorded AS (
    UPDATE messages SET delivery_state = $2, delivery_error = NULL,
           channel_message_id = coalesce($3::text, channel_message_id)
    WHERE id = $1 AND delivery_state = 'pending'
  )
  DELETE FROM outbox WHERE message_id = $1`;

/** A send that failed for good: the reason on the message, the outbox row gone. `$1` message, `$2` reason. */
const RECORD_FAILED = `
  WITH recorded AS (
    UPDATE messages SET delivery_state = 'failed', delivery_error = $2 WHERE id = $1
  )
  DELETE FROM outbox WHERE message_id = $1`;

interface ClaimedDelivery {
  messageId: string;
  attempts: number;
}

/**
 * Hands committed outbound messages to their adapter. A thread's messages go out in order (a
 * row is only claimed when no earlier one of its thread is waiting); transient failures are
 * retried with exponential backoff, permanent ones are recorded on the message and never retried.
 */
export class DeliveryWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  readonly #loop: ClaimLoop<ClaimedDelivery>;
  readonly #claimText: string;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.#claimText = claimStatement(deps.sends ?? "all");
    this.#loop = new ClaimLoop<ClaimedDelivery>({
      name: "delivery",
      concurrency: deps.concurrency,
      pollMs: deps.pollMs,
      log: deps.log,
      claim: (max) => this.#claim(max),
      run: (item) => this.#deliver(item),
    });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.deps.database.listen(OUTBOX_CHANNEL, () => this.#loop.wake());
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.#unlisten?.().catch(() => {});
    await this.#loop.stop(timeoutMs);
  }

  async #claim(max: number): Promise<ClaimedDelivery[]> {
    const rows = await this.deps.database.query<{ message_id: string; attempts: number }>(this.#claimText, [
      this.owner,
      this.deps.leaseMs,
      max,
    ]);
    return rows.map((r) => ({ messageId: r.message_id, attempts: Number(r.attempts) }));
  }

  async #deliver({ messageId, attempts }: ClaimedDelivery): Promise<void> {
    const { database, log } = this.deps;
    const [found] = await database.query<DeliveryRow>(READ_DELIVERY, [messageId]);
    if (!found) {
      await database.db.delete(outbox).where(eq(outbox.messageId, messageId));
      return;
    }
    const row = {
      message: fromJsonRow<MessageRow>(found.message),
      account: fromJsonRow<AccountRow>(found.account),
      thread: fromJsonRow<ThreadRow>(found.thread),
    };
    const adapter = this.deps.adapters.get(row.account.kind);
    const inReplyTo = found.replied
      ? { channelMessageId: found.replied_channel_message_id, channelData: found.replied_channel_data ?? {} }
      : undefined;
    const delivery: OutboundDelivery = {
      messageId,
      threadKey: row.thread.threadKey,
      contactExternalId: row.thread.contactExternalId,
      text: row.message.text,
      citations: row.message.citations,
      language: row.message.language,
      authorKind: row.message.authorKind === "contact" ? "system" : row.message.authorKind,
      inReplyTo,
      channelData: row.message.channelData,
    };
    try {
      if (!adapter) throw new DeliveryError("no_adapter", `no adapter for ${row.account.kind}`, true);
      const result = await adapter.send(row.account, delivery);
      await database.query(RECORD_SENT, [messageId, result.state, result.channelMessageId ?? null]);
      if (result.channelMessageId) {
        // Reports that overtook this very send (WhatsApp's `sent` often does) apply now.
        for (const { report, moved } of await applyEarlyReports(
          database,
          row.account.id,
          result.channelMessageId,
        )) {
          if (report.windowClosed) await flagReplyWindowClosed(database, moved.messageId);
        }
      }
      this.deps.metrics?.deliveries.inc({ channel: row.account.kind, outcome: "sent" });
    } catch (err) {
      const permanent = err instanceof DeliveryError ? err.permanent : false;
      const reason = err instanceof Error ? err.message : String(err);
      const code = err instanceof DeliveryError ? err.code : "send_failed";
      // Left for the process that can send it: not an attempt, unless nobody has taken it for a
      // long while (then no process can, and counting attempts ends it with a clear error).
      const handedOn =
        err instanceof DeliveryError &&
        err.elsewhere &&
        Date.now() - row.message.createdAt.getTime() < ELSEWHERE_PATIENCE_MS;
      if (handedOn) {
        await database.db
          .update(outbox)
          .set({
            leaseOwner: null,
            leaseUntil: null,
            attempts: sql`greatest(${outbox.attempts} - 1, 0)`,
            lastError: `${code}: ${reason}`.slice(0, 2000),
            availableAt: sql`now() + ${Math.round((err.retryAfterMs ?? 1000) * (0.5 + Math.random()))} * interval '1 millisecond'`,
          })
          .where(and(eq(outbox.messageId, messageId), eq(outbox.leaseOwner, this.owner)));
        return;
      }
      if (permanent || attempts >= this.deps.maxAttempts) {
        log.warn({ messageId, code, reason, attempts }, "delivery failed for good");
        this.deps.metrics?.deliveries.inc({ channel: row.account.kind, outcome: "failed" });
        await database.query(RECORD_FAILED, [messageId, `${code}: ${reason}`.slice(0, 2000)]);
        return;
      }
      const retryAfter = err instanceof DeliveryError ? err.retryAfterMs : undefined;
      const delayMs = Math.min(
        300_000,
        retryAfter ?? 1000 * 2 ** (attempts - 1) * (0.75 + Math.random() / 2),
      );
      log.info({ messageId, code, reason, attempts, delayMs }, "delivery failed; will retry");
      this.deps.metrics?.deliveries.inc({ channel: row.account.kind, outcome: "retry" });
      await database.db
        .update(outbox)
        .set({
          leaseOwner: null,
          leaseUntil: null,
          lastError: `${code}: ${reason}`.slice(0, 2000),
          availableAt: sql`now() + ${Math.round(delayMs)} * interval '1 millisecond'`,
        })
        .where(and(eq(outbox.messageId, messageId), eq(outbox.leaseOwner, this.owner)));
    }
  }
}
