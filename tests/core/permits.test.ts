import { describe, expect, it } from "vitest";
import { Permits } from "../../src/core/permits.js";

/** Lets every settled promise run its continuation. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("Permits", () => {
  it("lets `size` holders in and the rest in the order they came", async () => {
    const permits = new Permits(2);
    const order: string[] = [];
    const enter = async (name: string) => {
      await permits.acquire();
      order.push(name);
    };
    void enter("a");
    void enter("b");
    void enter("c");
    void enter("d");
    await settle();
    expect(order).toEqual(["a", "b"]);
    permits.release();
    await settle();
    expect(order).toEqual(["a", "b", "c"]);
    permits.release();
    await settle();
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("gives the permit back during a long wait, and work coming back goes before new work", async () => {
    const permits = new Permits(1);
    const order: string[] = [];
    let finishWait: () => void = () => {};
    await permits.acquire();
    const first = permits.without(
      () =>
        new Promise<void>((resolve) => {
          finishWait = resolve;
        }),
    );
    // The permit is free while the first waits: a newcomer gets it.
    void permits.acquire().then(() => order.push("newcomer"));
    await settle();
    expect(order).toEqual(["newcomer"]);
    // Another newcomer queues; then the first comes back and queues too, but ahead of it.
    void permits.acquire().then(() => order.push("second newcomer"));
    finishWait();
    void first.then(() => order.push("back"));
    await settle();
    expect(order).toEqual(["newcomer"]);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer", "back"]);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer", "back", "second newcomer"]);
  });

  it("with startFirst, work about to start goes before work coming back, and back again without it", async () => {
    const permits = new Permits(1);
    const order: string[] = [];
    const waits: Array<() => void> = [];
    const longWait = () =>
      permits.without(
        () =>
          new Promise<void>((resolve) => {
            waits.push(resolve);
          }),
      );
    permits.startFirst(true);
    expect(permits.startingFirst).toBe(true);
    await permits.acquire();
    const first = longWait();
    // The first gives its permit up for the wait; a second takes it and waits too.
    await permits.acquire();
    const second = longWait();
    await settle();
    // Both come back while two newcomers queue: the newcomers go first.
    void permits.acquire().then(() => order.push("newcomer 1"));
    void permits.acquire().then(() => order.push("newcomer 2"));
    for (const finish of waits) finish();
    void first.then(() => order.push("first back"));
    void second.then(() => order.push("second back"));
    await settle();
    expect(order).toEqual(["newcomer 1"]);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer 1", "newcomer 2"]);
    // Switched back while some wait: from now on work coming back goes first again.
    void permits.acquire().then(() => order.push("newcomer 3"));
    permits.startFirst(false);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer 1", "newcomer 2", "first back"]);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer 1", "newcomer 2", "first back", "second back"]);
    permits.release();
    await settle();
    expect(order).toEqual(["newcomer 1", "newcomer 2", "first back", "second back", "newcomer 3"]);
  });

  it("resized down, keeps its holders and lets nobody in until they are fewer; resized up, lets waiters in at once", async () => {
    const permits = new Permits(3);
    const order: string[] = [];
    for (const name of ["a", "b", "c"]) await permits.acquire().then(() => order.push(name));
    permits.resize(1);
    expect(permits.limit).toBe(1);
    void permits.acquire().then(() => order.push("d"));
    void permits.acquire().then(() => order.push("e"));
    permits.release();
    permits.release();
    await settle();
    // Two of the three gave theirs back, but one still holds: the limit of one is reached.
    expect(order).toEqual(["a", "b", "c"]);
    permits.release();
    await settle();
    expect(order).toEqual(["a", "b", "c", "d"]);
    permits.resize(4);
    await settle();
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
    // Two held (d, e) of four: two more get in without waiting.
    void permits.acquire().then(() => order.push("f"));
    void permits.acquire().then(() => order.push("g"));
    void permits.acquire().then(() => order.push("h"));
    await settle();
    expect(order).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("never goes below one", () => {
    const permits = new Permits(4);
    permits.resize(0);
    expect(permits.limit).toBe(1);
  });
});
