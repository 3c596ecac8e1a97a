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
});
