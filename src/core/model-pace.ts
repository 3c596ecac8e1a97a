/**
 * How long the answerer has lately taken to answer, and whether that is long enough that the
 * thread worker should start new questions before it commits answers that came back.
 *
 * Why it matters: with a slow model, a burst of customers is answered soonest when every
 * question reaches the model as early as possible. The last customer's answer comes the model's
 * answering time after their question went out, and every commit done before that question
 * pushes it later. Commits left for later are done while the last questions wait on the model,
 * where they delay only their own customers (the median customer waits longer, the last one
 * less). With a fast answerer (the built-in one, a cache) there is nothing to overlap, and
 * finishing what is under way first keeps fewer threads in flight and the throughput higher
 * (measured: about 8 % more messages a second with a zero-latency model).
 */

/** Lately answering in at least this many milliseconds, the model counts as slow. */
export const SLOW_MODEL_MS = 100;

/** Weight of the newest answer in the moving average: a change of model shows within a few answers. */
const NEWEST_WEIGHT = 0.2;

export class ModelPace {
  #averageMs: number | undefined;

  /** The moving average of the answering times noted so far; undefined before the first. */
  get averageMs(): number | undefined {
    return this.#averageMs;
  }

  /** True once the answers lately took SLOW_MODEL_MS or more on average. */
  get slow(): boolean {
    return this.#averageMs !== undefined && this.#averageMs >= SLOW_MODEL_MS;
  }

  /** Notes how long one answer took (from asking to the answer, whatever the outcome). */
  note(ms: number): void {
    const sample = Math.max(0, ms);
    this.#averageMs =
      this.#averageMs === undefined ? sample : this.#averageMs + (sample - this.#averageMs) * NEWEST_WEIGHT;
  }
}
