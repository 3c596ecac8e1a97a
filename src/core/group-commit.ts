/**
 * Group commit: items submitted while the database is busy with earlier ones wait, and go
 * together in the next statement, so a burst of acknowledgements costs a few statements and
 * commits instead of one each. Nothing waits on purpose: when a slot is free an item goes at once,
 * alone, so a quiet gateway acknowledges as fast as before; batches form only under load, and
 * grow with it.
 *
 * One statement for many items means one item's bad data would fail all of them: a batch that
 * fails is run again with each item in a statement of its own, so only the bad item's caller
 * sees the error.
 */
export class GroupCommit<Item, Result> {
  private readonly waiting: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  /**
   * @param run stores a batch and returns one result per item, in the items' order
   * @param slots how many batches may run at once (the connections they can use)
   * @param maxBatch the most items in one statement
   */
  constructor(
    private readonly run: (items: Item[]) => Promise<Result[]>,
    private readonly slots: number,
    private readonly maxBatch: number,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    while (this.running < this.slots && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running++;
      void this.commit(batch).finally(() => {
        this.running--;
        this.start();
      });
    }
  }

  private async commit(batch: typeof this.waiting): Promise<void> {
    try {
      const results = await this.run(batch.map((b) => b.item));
      for (const [i, b] of batch.entries()) b.resolve(results[i] as Result);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      await Promise.all(
        batch.map(async (b) => {
          try {
            const [result] = await this.run([b.item]);
            b.resolve(result as Result);
          } catch (single) {
            b.reject(single);
          }
        }),
      );
    }
  }
}
