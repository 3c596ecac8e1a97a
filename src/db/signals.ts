import { randomBytes } from "node:crypto";

type Listener = (payload: string) => void;

/** Who hears a signal: every process on the database (the default), or only this one. */
export type SignalScope = "all" | "process";

/** The one PostgreSQL NOTIFY channel that carries batches of signals between gateway processes. */
const BATCH_CHANNEL = "parley_signals";
/** NOTIFY payloads must stay under 8,000 bytes; batches are cut well below that. */
const MAX_BATCH_BYTES = 7_000;
const FLUSH_DELAY_MS = 5;

/**
 * "Something changed" signals (new work, new activity in a thread) between the parts of the
 * gateway. Listeners in this process hear a signal at once; other processes hear it through
 * PostgreSQL NOTIFY, batched every few milliseconds and sent outside any transaction. A NOTIFY
 * inside a transaction makes its commit wait for a cluster-wide lock: one per message in the
 * hot path capped the whole gateway's throughput, one per batch does not.
 *
 * Signals are wake-ups, never data: a listener reads the database to learn what happened, so
 * a lost or duplicated signal costs latency (the pollers catch up), not correctness.
 */
export class Signals {
  readonly #origin = randomBytes(6).toString("hex");
  readonly #listeners = new Map<string, Set<Listener>>();
  #pending: [string, string][] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `send` publishes a batch to other processes; absent for an embedded, single-process database. */
  constructor(private readonly send?: (channel: string, payload: string) => Promise<void>) {}

  /** The channel and handler to LISTEN with, so batches from other processes reach local listeners. */
  get batchChannel(): string {
    return BATCH_CHANNEL;
  }

  onBatch = (raw: string): void => {
    let batch: { o: string; s: [string, string][] };
    try {
      batch = JSON.parse(raw);
    } catch {
      return;
    }
    if (batch.o === this.#origin) return;
    for (const [channel, payload] of batch.s) this.#deliver(channel, payload);
  };

  listen(channel: string, listener: Listener): () => void {
    const set = this.#listeners.get(channel) ?? new Set<Listener>();
    this.#listeners.set(channel, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Call after the change it announces has committed: a listener may read the database at once.
   * With `process` scope the signal stays in this process.
   */
  notify(channel: string, payload: string, scope: SignalScope = "all"): void {
    if (this.#closed) return;
    this.#deliver(channel, payload);
    if (!this.send || scope === "process") return;
    this.#pending.push([channel, payload]);
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Sends what is pending now (also called on close, so a stopping process still tells the others). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#pending;
    this.#pending = [];
    if (!this.send || items.length === 0) return;
    const unique = [...new Map(items.map((i) => [`${i[0]}\u0000${i[1]}`, i])).values()];
    let batch: [string, string][] = [];
    let size = 0;
    for (const item of unique) {
      const itemSize = item[0].length + item[1].length + 8;
      if (size + itemSize > MAX_BATCH_BYTES && batch.length > 0) {
        await this.#publish(batch);
        batch = [];
        size = 0;
      }
      batch.push(item);
      size += itemSize;
    }
    await this.#publish(batch);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  async #publish(batch: [string, string][]): Promise<void> {
    try {
      await this.send?.(BATCH_CHANNEL, JSON.stringify({ o: this.#origin, s: batch }));
    } catch {
      // Other processes' pollers will find the work; a wake-up is not worth failing for.
    }
  }

  #deliver(channel: string, payload: string): void {
    const set = this.#listeners.get(channel);
    if (!set) return;
    for (const listener of set) {
      // Asynchronously, so a listener never runs inside the caller's stack (or its transaction).
      setImmediate(() => {
        try {
          listener(payload);
        } catch {
          // A listener's failure is its own; the signal is only a wake-up.
        }
      });
    }
  }
}
