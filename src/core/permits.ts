/**
 * A counting semaphore: at most `limit` holders at once, the rest wait their turn in order —
 * except that one of two kinds goes first: by default work coming back from a long wait, so
 * what is under way finishes before more is started; with `startingFirst`, work about to start,
 * so that every long wait begins as early as it can (see `startFirst`). The limit can change
 * while it is in use (see `resize`).
 */
export class Permits {
  #limit: number;
  #held = 0;
  #startingFirst = false;
  readonly #returning: Array<() => void> = [];
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get limit(): number {
    return this.#limit;
  }

  /** Whether work about to start goes before work coming back from a long wait. */
  get startingFirst(): boolean {
    return this.#startingFirst;
  }

  /**
   * Lets work about to start go before work coming back from a long wait (true), or the other
   * way round (false, the default). Only the order of those waiting changes; nobody is let in
   * beyond the limit.
   */
  startFirst(on: boolean): void {
    this.#startingFirst = on;
  }

  async acquire(returning = false): Promise<void> {
    if (this.#held < this.#limit) {
      this.#held += 1;
      return;
    }
    // #admit counts the permit for us before it resolves.
    await new Promise<void>((resolve) => (returning ? this.#returning : this.#waiting).push(resolve));
  }

  release(): void {
    this.#held -= 1;
    this.#admit();
  }

  /**
   * A new limit. Raised, it lets waiters in at once; lowered, it takes nothing from those
   * holding a permit, and lets nobody in until they are fewer than the new limit.
   */
  resize(limit: number): void {
    this.#limit = Math.max(1, limit);
    this.#admit();
  }

  /** Runs `work` without the permit the caller holds (a long wait), and takes one back after. */
  async without<T>(work: () => Promise<T>): Promise<T> {
    this.release();
    try {
      return await work();
    } finally {
      await this.acquire(true);
    }
  }

  #admit(): void {
    while (this.#held < this.#limit) {
      const next = this.#startingFirst
        ? (this.#waiting.shift() ?? this.#returning.shift())
        : (this.#returning.shift() ?? this.#waiting.shift());
      if (!next) return;
      this.#held += 1;
      next();
    }
  }
}
