import type { Logger } from "pino";

/**
 * Runs work that lives in the database: claims up to `concurrency` items at a time, runs each,
 * and claims again when woken (NOTIFY), when an item finishes, or every `pollMs` as a fallback.
 * Both the thread worker and the delivery worker are one of these.
 */
export class ClaimLoop<T> {
  readonly #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #claiming: Promise<void> | undefined;
  #wakeAgain = false;
  #stopped = true;
  /** The last claim stopped for want of room: a finishing item makes some, and claims again. */
  #full = false;

  constructor(
    private readonly opts: {
      name: string;
      concurrency: number;
      pollMs: number;
      log: Logger;
      claim: (max: number) => Promise<T[]>;
      run: (item: T) => Promise<void>;
      /**
       * Whether finishing an item can make other items claimable that nobody signals (a
       * thread's next delivery waits for the one before it). True (the default): every finish
       * claims again. False: only a finish that frees room the last claim lacked does, and new
       * work is found through wake() and the poll (for threads, a claim after each finish was an
       * empty statement most of the time).
       */
      finishMayFreeWork?: boolean;
    },
  ) {}

  get inflight(): number {
    return this.#inflight.size;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.opts.pollMs);
    this.#timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#wakeAgain = true;
      return;
    }
    this.#claiming = this.#claimAndRun().finally(() => {
      this.#claiming = undefined;
    });
  }

  async #claimAndRun(): Promise<void> {
    try {
      do {
        this.#wakeAgain = false;
        const room = this.opts.concurrency - this.#inflight.size;
        if (this.#stopped) break;
        if (room <= 0) {
          this.#full = true;
          break;
        }
        const items = await this.opts.claim(room);
        // Launched even when stop() came meanwhile: they are ours now, and stop() waits for them.
        for (const item of items) this.#launch(item);
        // A full batch means there may be more waiting right now.
        if (items.length === room) this.#wakeAgain = true;
      } while (this.#wakeAgain && !this.#stopped);
    } catch (err) {
      if (!this.#stopped) this.opts.log.error({ err, loop: this.opts.name }, "claiming work failed");
    }
  }

  #launch(item: T): void {
    const p = this.opts
      .run(item)
      .catch((err) => this.opts.log.error({ err, loop: this.opts.name }, "work item failed"))
      .finally(() => {
        this.#inflight.delete(p);
        if (this.#full || this.opts.finishMayFreeWork !== false) {
          this.#full = false;
          this.wake();
        }
      });
    this.#inflight.add(p);
  }

  /** Stops claiming and waits for the items in flight, at most `timeoutMs`. Returns whether all finished. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    // A claim under way may still hand us items; they must be waited for like the rest.
    await this.#claiming;
    if (this.#inflight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const all = Promise.allSettled([...this.#inflight]).then(() => true as const);
    const finished = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    return finished;
  }
}
