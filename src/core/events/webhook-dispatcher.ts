import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { timestampOf } from "../../db/timestamps.js";
import { ClaimLoop } from "../claim-loop.js";
import { EVENTS_CHANNEL } from "./record.js";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "./webhook-signature.js";

export interface WebhookDispatcherDeps {
  database: Database;
  log: Logger;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  /** Per request; a receiver that takes longer is treated as down and retried. */
  timeoutMs?: number | undefined;
}

interface ClaimedEvent {
  id: number;
  workspaceId: string;
  type: string;
  conversationId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
}

/**
 * Delivers pending events to their workspace's webhook URL, signed (see webhook-signature.ts),
 * at least once: a receiver should de-duplicate on the `parley-event-id` header. Failures are
 * retried with exponential backoff up to `maxAttempts`, then the event is marked failed and
 * logged; it stays in the table either way, so nothing is lost silently.
 */
export class WebhookDispatcher {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  readonly #loop: ClaimLoop<ClaimedEvent>;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.#loop = new ClaimLoop<ClaimedEvent>({
      name: "events",
      concurrency: deps.concurrency,
      pollMs: deps.pollMs,
      log: deps.log,
      claim: (max) => this.#claim(max),
      run: (event) => this.#deliver(event),
    });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.deps.database.listen(EVENTS_CHANNEL, () => this.#loop.wake());
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.#unlisten?.().catch(() => {});
    await this.#loop.stop(timeoutMs);
  }

  async #claim(max: number): Promise<ClaimedEvent[]> {
    const rows = await this.deps.database.rows<{
      id: string | number;
      workspace_id: string;
      type: string;
      conversation_id: string | null;
      data: Record<string, unknown> | string;
      created_at: Date | string;
      attempts: number;
    }>(sql`
      UPDATE events SET lease_owner = ${this.owner}, attempts = attempts + 1,
             lease_until = now() + ${this.deps.leaseMs} * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM events
        WHERE webhook_state = 'pending' AND available_at <= now()
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY id
        LIMIT ${max}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, workspace_id, type, conversation_id, data, created_at, attempts`);
    return rows.map((r) => ({
      id: Number(r.id),
      workspaceId: r.workspace_id,
      type: r.type,
      conversationId: r.conversation_id,
      data: typeof r.data === "string" ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
      createdAt: timestampOf(r.created_at),
      attempts: Number(r.attempts),
    }));
  }

  async #deliver(event: ClaimedEvent): Promise<void> {
    const { log } = this.deps;
    if (event.type === "credits.low_balance") {
      log.warn(
        { workspaceId: event.workspaceId, ...event.data },
        "credit balance fell below the low-balance threshold",
      );
    }
    const [target] = await this.deps.database.rows<{ url: string | null; secret: string | null }>(
      sql`SELECT webhook_url AS url, webhook_secret AS secret FROM workspaces WHERE id = ${event.workspaceId}`,
    );
    if (!target?.url) {
      await this.#settle(event.id, "none", null);
      return;
    }
    const body = JSON.stringify({
      id: String(event.id),
      type: event.type,
      createdAt: event.createdAt.toISOString(),
      workspaceId: event.workspaceId,
      conversationId: event.conversationId,
      data: event.data,
    });
    let failure: string;
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Parley-Webhooks/1",
          "parley-event-id": String(event.id),
          "parley-event-type": event.type,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(target.secret ?? "", body, Math.floor(Date.now() / 1000)),
        },
        body,
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) {
        await this.#settle(event.id, "delivered", null);
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    if (event.attempts >= this.deps.maxAttempts) {
      log.error({ eventId: event.id, type: event.type, failure }, "event webhook failed for good");
      await this.#settle(event.id, "failed", failure);
      return;
    }
    const delayMs = Math.min(3_600_000, 1000 * 2 ** (event.attempts - 1));
    log.warn({ eventId: event.id, type: event.type, failure, delayMs }, "event webhook failed; retrying");
    await this.deps.database.rows(sql`
      UPDATE events SET lease_owner = NULL, lease_until = NULL, last_error = ${failure.slice(0, 1000)},
             available_at = now() + ${delayMs} * interval '1 millisecond'
      WHERE id = ${event.id} AND lease_owner = ${this.owner}`);
  }

  async #settle(id: number, state: "delivered" | "failed" | "none", error: string | null): Promise<void> {
    await this.deps.database.rows(sql`
      UPDATE events SET webhook_state = ${state}, lease_owner = NULL, lease_until = NULL,
             last_error = ${error}, delivered_at = CASE WHEN ${state} = 'delivered' THEN now() END
      WHERE id = ${id} AND lease_owner = ${this.owner}`);
  }
}
