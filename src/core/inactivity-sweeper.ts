import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import type { ChannelKind } from "../db/schema.js";
import type { ChannelAdapter } from "./channel.js";
import { CHARGES_CHANNEL } from "./charge-applier.js";
import type { Clock } from "./clock.js";
import { purgeStaleEarlyReports } from "./delivery-status.js";
import { EVENTS_CHANNEL } from "./events/record.js";
import { closeConversations } from "./lifecycle.js";
import type { Metrics } from "./metrics.js";

export interface InactivitySweeperDeps {
  database: Database;
  clock: Clock;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  log: Logger;
  metrics?: Metrics | undefined;
  intervalMs: number;
  /** Conversations closed per statement: big enough to be fast, small enough to keep locks short. */
  batchSize?: number | undefined;
  /** Events older than this many days that are done with (delivered, failed, never to be sent) go. */
  eventRetentionDays?: number | undefined;
}

/**
 * Closes conversations whose silence has outlived their channel's lifetime (24 h for chat
 * channels, 72 h for email), eagerly, so billing and metrics see the close on time rather than
 * when the customer next writes. Every replica runs one: the batches are claimed with
 * `FOR UPDATE SKIP LOCKED` and re-checked as still open, so each conversation closes once.
 */
export class InactivitySweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(private readonly deps: InactivitySweeperDeps) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.#timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One full pass; resolves to how many conversations it closed. A pass already under way is shared. */
  sweep(): Promise<number> {
    this.#running ??= this.#pass()
      .catch((err: unknown) => {
        this.deps.log.error({ err }, "closing inactive conversations failed; the next pass retries");
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #pass(): Promise<number> {
    const now = this.deps.clock.now();
    const batchSize = this.deps.batchSize ?? 2000;
    let total = 0;
    let charged = false;
    for (const [lifetimeMs, channelKinds] of this.#kindsByLifetime()) {
      const cutoff = new Date(now.getTime() - lifetimeMs);
      for (;;) {
        const closed = await closeConversations(
          this.deps.database,
          { kind: "silent", channelKinds, cutoff, limit: batchSize },
          now,
          { metrics: this.deps.metrics },
        );
        total += closed.length;
        charged ||= closed.some((c) => c.charged);
        if (closed.length < batchSize) break;
      }
    }
    await purgeStaleEarlyReports(this.deps.database, new Date(Date.now() - 24 * 3_600_000));
    await this.#forgetOldEvents();
    if (total > 0) {
      this.deps.log.info({ closed: total }, "closed inactive conversations");
      await this.deps.database.notify(EVENTS_CHANNEL, "sweep");
    }
    // Resolutions charged under the resolution rule: the charge applier moves the balances.
    if (charged) await this.deps.database.notify(CHARGES_CHANNEL, "sweep", "process");
    return total;
  }

  /**
   * The events table is a delivery queue and a recent log, not an archive: once an event is done
   * with and older than the retention, it goes (in batches, so no pass holds locks for long).
   */
  async #forgetOldEvents(): Promise<void> {
    const days = this.deps.eventRetentionDays ?? 30;
    // created_at follows the business clock, so the cutoff does too.
    const cutoff = new Date(this.deps.clock.now().getTime() - days * 86_400_000).toISOString();
    for (;;) {
      const gone = await this.deps.database.rows(sql`
        DELETE FROM events WHERE id IN (
          SELECT id FROM events
          WHERE webhook_state <> 'pending' AND created_at < ${cutoff}::timestamptz
          LIMIT 5000)
        RETURNING id`);
      if (gone.length < 5000) return;
    }
  }

  #kindsByLifetime(): Map<number, ChannelKind[]> {
    const groups = new Map<number, ChannelKind[]>();
    for (const adapter of this.deps.adapters.values()) {
      const lifetime = adapter.capabilities.inactivityLifetimeMs;
      groups.set(lifetime, [...(groups.get(lifetime) ?? []), adapter.kind]);
    }
    return groups;
  }
}
