import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/core/group-commit.js";

/** A store whose statements finish only when the test says so, recording each batch it got. */
class GatedStore {
  batches: number[][] = [];
  private gates: (() => void)[] = [];
  failOn = new Set<number>();

  run = async (items: number[]): Promise<string[]> => {
    this.batches.push(items);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    const bad = items.find((i) => this.failOn.has(i));
    if (bad !== undefined) throw new Error(`bad item ${bad}`);
    return items.map((i) => `stored ${i}`);
  };

  /** Lets every statement that has started finish. */
  async release(): Promise<void> {
    const gates = this.gates.splice(0);
    for (const open of gates) open();
    await new Promise((r) => setImmediate(r));
  }
}

describe("GroupCommit", () => {
  it("sends an item at once, alone, while a slot is free", async () => {
    const store = new GatedStore();
    const group = new GroupCommit(store.run, 2, 10);
    const first = group.submit(1);
    const second = group.submit(2);
    expect(store.batches).toEqual([[1], [2]]);
    await store.release();
    await expect(Promise.all([first, second])).resolves.toEqual(["stored 1", "stored 2"]);
  });

  it("gathers what arrives while every slot is busy into the next statement, in arrival order", async () => {
    const store = new GatedStore();
    const group = new GroupCommit(store.run, 1, 10);
    const results = [1, 2, 3, 4, 5].map((i) => group.submit(i));
    expect(store.batches).toEqual([[1]]);
    await store.release();
    expect(store.batches).toEqual([[1], [2, 3, 4, 5]]);
    await store.release();
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3, 4, 5].map((i) => `stored ${i}`));
  });

  it("never puts more than maxBatch items in one statement", async () => {
    const store = new GatedStore();
    const group = new GroupCommit(store.run, 1, 3);
    const results = Array.from({ length: 8 }, (_, i) => group.submit(i));
    for (let round = 0; round < 4; round++) await store.release();
    await Promise.all(results);
    expect(store.batches).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  it("runs a failed batch again item by item, so only the bad item's caller sees the error", async () => {
    const store = new GatedStore();
    store.failOn.add(3);
    const group = new GroupCommit(store.run, 1, 10);
    const results = [1, 2, 3, 4].map((i) => group.submit(i).catch((e: Error) => e.message));
    await store.release(); // [1]
    await store.release(); // [2, 3, 4] fails
    await store.release(); // [2], [3], [4] one by one
    await expect(Promise.all(results)).resolves.toEqual(["stored 1", "stored 2", "bad item 3", "stored 4"]);
    expect(store.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it("keeps going after a failure: later items are stored", async () => {
    const store = new GatedStore();
    store.failOn.add(1);
    const group = new GroupCommit(store.run, 1, 10);
    const failed = group.submit(1).catch((e: Error) => e.message);
    await store.release();
    await expect(failed).resolves.toBe("bad item 1");
    const later = group.submit(2);
    await store.release();
    await expect(later).resolves.toBe("stored 2");
  });
});
