/**
 * Whether the channels are pushing messages in hard right now: the number of inbound messages
 * being stored at this moment, read with some hysteresis. It goes busy as soon as `busyAt`
 * messages are being stored at once, and calm again only after that many have not been for
 * `calmAfterMs`, so a steady stream of bursts reads as one busy spell, not as flapping.
 *
 * The answering on the same machine gives way while it is busy (ThreadWorker.giveWayToIngest):
 * a channel waits on its acknowledgement (Meta redelivers, and in the end disables, webhooks
 * that are slow to answer; a visitor's message shows as unsent), while an answer can start a
 * moment later without anyone being worse off. Every message acknowledged is durable, so
 * nothing is lost by answering it after the burst.
 */
export interface IngestLoadOptions {
  /** Messages being stored at once that make the channels busy; 0: they never are. */
  busyAt: number;
  /** How long fewer than `busyAt` must be stored at once before the channels count as calm. */
  calmAfterMs: number;
}

/**
 * Eight messages waiting on their commit at once: hundreds to thousands a second, depending on
 * how long a commit takes. Calm after 50 ms: with 250 ms the answering stayed narrow after a
 * burst of 1,000 posts (the bench's (c)) while the cores had room, and the last answer came
 * 0.3–0.5 s later; a closed loop of 64 clients never lets it go calm even at 50 ms.
 */
const DEFAULT_OPTIONS: IngestLoadOptions = { busyAt: 8, calmAfterMs: 50 };

export class IngestLoad {
  #options: IngestLoadOptions;
  readonly #listeners = new Set<(busy: boolean) => void>();
  #storing = 0;
  #busy = false;
  #calming: NodeJS.Timeout | undefined;

  constructor(options: Partial<IngestLoadOptions> = {}) {
    this.#options = { ...DEFAULT_OPTIONS, ...options };
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** New thresholds (the gateway's configuration); they apply from the next message stored. */
  configure(options: Partial<IngestLoadOptions>): void {
    this.#options = { ...this.#options, ...options };
  }

  /** Hears every change between busy and calm; returns the unsubscribe. */
  onChange(listener: (busy: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Around storing one inbound message: its acknowledgement waits on `store`. */
  async storing<T>(store: () => Promise<T>): Promise<T> {
    this.#begin();
    try {
      return await store();
    } finally {
      this.#end();
    }
  }

  /** 0 turns giving way off: no number of messages is a burst then. */
  get #threshold(): number {
    return this.#options.busyAt === 0 ? Number.POSITIVE_INFINITY : this.#options.busyAt;
  }

  #begin(): void {
    this.#storing += 1;
    if (this.#storing < this.#threshold) return;
    clearTimeout(this.#calming);
    this.#calming = undefined;
    this.#set(true);
  }

  #end(): void {
    this.#storing -= 1;
    if (!this.#busy || this.#storing >= this.#threshold || this.#calming) return;
    this.#calming = setTimeout(() => {
      this.#calming = undefined;
      if (this.#storing < this.#threshold) this.#set(false);
    }, this.#options.calmAfterMs);
    // A gateway that is stopping must not wait for the channels to calm down.
    this.#calming.unref();
  }

  #set(busy: boolean): void {
    if (this.#busy === busy) return;
    this.#busy = busy;
    for (const listener of this.#listeners) {
      try {
        listener(busy);
      } catch {
        // A listener's trouble is its own: storing messages must not fail for it.
      }
    }
  }
}
