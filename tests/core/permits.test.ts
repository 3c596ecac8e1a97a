import { afterEach, describe, expect, it, vi } from "vitest";
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

  describe("paced", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Permits on a clock the test moves, with Node's timers moved along with it. */
    function pacedPermits(limit: number, restPerHeld: number) {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      let now = 0;
      const permits = new Permits(limit, () => now);
      permits.pace(restPerHeld);
      const order: string[] = [];
      return {
        permits,
        order,
        enter: (name: string, returning = false) =>
          void permits.acquire(returning).then(() => order.push(name)),
        advance: async (ms: number) => {
          now += ms;
          vi.advanceTimersByTime(ms);
          await settle();
        },
      };
    }

    it("gives no permit for `restPerHeld` times each spell of holding, then lets the next in", async () => {
      const { permits, order, enter, advance } = pacedPermits(1, 3);
      expect(permits.pacing).toBe(true);
      enter("a");
      await settle();
      expect(order).toEqual(["a"]);
      await advance(10);
      permits.release();
      // Held for 10 ms: nobody gets one for the next 30, however free it is.
      enter("b");
      await advance(29);
      expect(order).toEqual(["a"]);
      await advance(1);
      expect(order).toEqual(["a", "b"]);
    });

    it("counts a spell from the first holder in to the last one out, overlapping holders as one", async () => {
      const { permits, order, enter, advance } = pacedPermits(2, 1);
      enter("a");
      await advance(5);
      enter("b");
      await advance(5);
      permits.release();
      // One still holds: a permit is free and no spell has ended, so a newcomer gets in.
      enter("c");
      await settle();
      expect(order).toEqual(["a", "b", "c"]);
      await advance(10);
      permits.release();
      permits.release();
      // The spell ran from 0 to 20 ms: a rest of 20.
      enter("d");
      await advance(19);
      expect(order).toEqual(["a", "b", "c"]);
      await advance(1);
      expect(order).toEqual(["a", "b", "c", "d"]);
    });

    it("rests at most 250 ms after a long spell", async () => {
      const { permits, order, enter, advance } = pacedPermits(1, 3);
      enter("a");
      await advance(10_000);
      permits.release();
      enter("b");
      await advance(249);
      expect(order).toEqual(["a"]);
      await advance(1);
      expect(order).toEqual(["a", "b"]);
    });

    it("keeps its order through a rest: work coming back first, newcomers in the order they came", async () => {
      const { permits, order, enter, advance } = pacedPermits(1, 1);
      enter("a");
      await advance(10);
      permits.release();
      enter("new 1");
      enter("new 2");
      enter("back", true);
      await advance(10);
      expect(order).toEqual(["a", "back"]);
      permits.release();
      await advance(0);
      // "back" held it for no time at all: no rest.
      expect(order).toEqual(["a", "back", "new 1"]);
      // A newcomer now does not jump the one still waiting.
      enter("new 3");
      await advance(5);
      permits.release();
      await advance(5);
      expect(order).toEqual(["a", "back", "new 1", "new 2"]);
      permits.release();
      await settle();
      expect(order).toEqual(["a", "back", "new 1", "new 2", "new 3"]);
    });

    it("stops pacing at once: those waiting out a rest get in", async () => {
      const { permits, order, enter, advance } = pacedPermits(1, 3);
      enter("a");
      await advance(100);
      permits.release();
      enter("b");
      await settle();
      expect(order).toEqual(["a"]);
      permits.pace(0);
      expect(permits.pacing).toBe(false);
      await settle();
      expect(order).toEqual(["a", "b"]);
    });
  });
});
