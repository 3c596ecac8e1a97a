/**
 * A counting semaphore: at most `limit` holders at once, the rest wait their turn in order —
 * except that one of two kinds goes first: by default work coming back from a long wait, so
 * what is under way finishes before more is started; with `startingFirst`, work about to start,
 * so that every long wait begins as early as it can (see `startFirst`). The limit can change
 * while it is in use (see `resize`), and the permits can be paced (see `pace`).
 */
export class Permits {
  #limit: number;
  #held = 0;
  #startingFirst = false;
  readonly #returning: Array<() => void> = [];
  readonly #waiting: Array<() => void> = [];
  readonly #now: () => number;
  /** While pacing: the rest after a spell of holding, per unit of that spell; 0 when not pacing. */
  #restPerHeld = 0;
  /** When the current spell began: the moment the permits went from none held to one. */
  #spellStartedAt = 0;
  #restingUntil = 0;
  #restTimer: NodeJS.Timeout | undefined;

  /** `now` in milliseconds (a test's clock; performance.now() by default). */
  constructor(limit: number, now: () => number = () => performance.now()) {
    this.#limit = Math.max(1, limit);
    this.#now = now;
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

  /**
   * Paces the permits (`restPerHeld` > 0) or stops pacing them (0): after each spell in which
   * any were held, none is given for `restPerHeld` times that spell (at most MAX_REST_MS), so
   * their holders together hold them at most 1 / (1 + restPerHeld) of the time. What holders do
   * with a permit is their CPU and database work; pacing caps the share of the machine it takes
   * while something more urgent needs the rest, whatever each piece of work costs.
   */
  pace(restPerHeld: number): void {
    this.#restPerHeld = Math.max(0, restPerHeld);
    if (this.#restPerHeld > 0) return;
    this.#restingUntil = 0;
    clearTimeout(this.#restTimer);
    this.#restTimer = undefined;
    this.#admit();
  }

  get pacing(): boolean {
    return this.#restPerHeld > 0;
  }

  async acquire(returning = false): Promise<void> {
    if (this.#held < this.#limit && !this.#queued && !this.#resting) {
      this.#take();
      return;
    }
    // #admit counts the permit for us before it resolves.
    const admitted = new Promise<void>((resolve) =>
      (returning ? this.#returning : this.#waiting).push(resolve),
    );
    this.#admit();
    await admitted;
  }

  release(): void {
    this.#held -= 1;
    if (this.#held === 0 && this.#restPerHeld > 0) {
      const now = this.#now();
      this.#restingUntil = now + Math.min(MAX_REST_MS, (now - this.#spellStartedAt) * this.#restPerHeld);
    }
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
    while (this.#held < this.#limit && this.#queued) {
      if (this.#resting) {
        this.#admitAfterRest();
        return;
      }
      const next = this.#startingFirst
        ? (this.#waiting.shift() ?? this.#returning.shift())
        : (this.#returning.shift() ?? this.#waiting.shift());
      if (!next) return;
      this.#take();
      next();
    }
  }

  #take(): void {
    if (this.#held === 0) this.#spellStartedAt = this.#now();
    this.#held += 1;
  }

  get #queued(): boolean {
    return this.#returning.length > 0 || this.#waiting.length > 0;
  }

  get #resting(): boolean {
    return this.#restPerHeld > 0 && this.#now() < this.#restingUntil;
  }

  #admitAfterRest(): void {
    if (this.#restTimer) return;
    this.#restTimer = setTimeout(
      () => {
        this.#restTimer = undefined;
        this.#admit();
      },
      Math.max(1, Math.ceil(this.#restingUntil - this.#now())),
    );
  }
}

/**
 * The longest rest after one spell: a spell made long by something else (a statement waiting on
 * a lock, say) must not stop the work for seconds after it.
 */
const MAX_REST_MS = 250;
