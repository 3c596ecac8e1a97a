import type { Clock } from "../../core/clock.js";

const WINDOW_MS = 60_000;
/** Above this many tracked keys, stale ones are swept, so a flood of addresses cannot grow memory. */
const SWEEP_THRESHOLD = 10_000;

/**
 * A sliding one-minute window per key (a client IP), in process memory. Each replica counts on
 * its own, so behind N replicas a client gets up to N times the limit: fine for its purpose,
 * which is to stop a script from minting tokens (and conversations) in bulk.
 */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Counts a hit for `key`; returns how many ms to wait when the key is over its limit. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.clock.now().getTime();
    if (this.#hits.size > SWEEP_THRESHOLD) this.#sweep(now);
    const recent = (this.#hits.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length >= this.perMinute) {
      this.#hits.set(key, recent);
      return { allowed: false, retryAfterMs: (recent[0] as number) + WINDOW_MS - now };
    }
    recent.push(now);
    this.#hits.set(key, recent);
    return { allowed: true };
  }

  #sweep(now: number): void {
    for (const [key, times] of this.#hits) {
      if ((times.at(-1) ?? 0) <= now - WINDOW_MS) this.#hits.delete(key);
    }
  }
}
