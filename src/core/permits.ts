/**
 * A counting semaphore: at most `size` holders at once, the rest wait their turn in order —
 * except that work coming back from a long wait goes first, so what is under way finishes
 * before more is started.
 */
export class Permits {
  #free: number;
  readonly #returning: Array<() => void> = [];
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(returning = false): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => (returning ? this.#returning : this.#waiting).push(resolve));
  }

  release(): void {
    const next = this.#returning.shift() ?? this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
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
}
