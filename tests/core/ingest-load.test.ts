import { describe, expect, it } from "vitest";
import { IngestLoad } from "../../src/core/ingest-load.js";
import { gate } from "../helpers/gate.js";
import { waitFor } from "../helpers/wait.js";

describe("IngestLoad: whether the channels push a burst in", () => {
  it("is busy from the message that makes `busyAt` stored at once, and calm after the burst has been over a while", async () => {
    const load = new IngestLoad({ busyAt: 3, calmAfterMs: 30 });
    const changes: boolean[] = [];
    load.onChange((busy) => changes.push(busy));
    const first = gate();
    const stores = [load.storing(first.store), load.storing(first.store)];
    expect(load.busy).toBe(false);
    stores.push(load.storing(first.store));
    expect(load.busy).toBe(true);
    first.open();
    await Promise.all(stores);
    // Stored, but a burst is not over until it has been quiet for calmAfterMs.
    expect(load.busy).toBe(true);
    await waitFor(() => !load.busy, { message: "calm again" });
    expect(changes).toEqual([true, false]);
  });

  it("reads bursts in quick succession as one busy spell, not as flapping", async () => {
    const load = new IngestLoad({ busyAt: 2, calmAfterMs: 200 });
    const changes: boolean[] = [];
    load.onChange((busy) => changes.push(busy));
    for (let burst = 0; burst < 5; burst++) {
      const g = gate();
      const stores = [load.storing(g.store), load.storing(g.store)];
      g.open();
      await Promise.all(stores);
    }
    expect(changes).toEqual([true]);
    await waitFor(() => !load.busy, { message: "calm again" });
    expect(changes).toEqual([true, false]);
  });

  it("stays calm below the threshold, and never gets busy with busyAt 0", async () => {
    for (const busyAt of [0, 5]) {
      const load = new IngestLoad({ busyAt, calmAfterMs: 10 });
      const g = gate();
      const stores = Array.from({ length: 4 }, () => load.storing(g.store));
      expect(load.busy).toBe(false);
      g.open();
      await Promise.all(stores);
    }
    const never = new IngestLoad({ busyAt: 0 });
    const g = gate();
    const stores = Array.from({ length: 50 }, () => never.storing(g.store));
    expect(never.busy).toBe(false);
    g.open();
    await Promise.all(stores);
  });

  it("turned off while busy, calms down after the burst like any other", async () => {
    const load = new IngestLoad({ busyAt: 1, calmAfterMs: 10 });
    const g = gate();
    const stored = load.storing(g.store);
    expect(load.busy).toBe(true);
    load.configure({ busyAt: 0 });
    g.open();
    await stored;
    await waitFor(() => !load.busy, { message: "calm again" });
    await load.storing(async () => "more");
    expect(load.busy).toBe(false);
  });

  it("passes the store's result and failure through, and a failed store still counts as done", async () => {
    const load = new IngestLoad({ busyAt: 1, calmAfterMs: 10 });
    await expect(load.storing(async () => 42)).resolves.toBe(42);
    await expect(
      load.storing(async () => {
        throw new Error("duplicate key");
      }),
    ).rejects.toThrow("duplicate key");
    await waitFor(() => !load.busy, { message: "calm after the failed store" });
  });

  it("a listener that throws neither fails the store nor keeps others from hearing", async () => {
    const load = new IngestLoad({ busyAt: 1, calmAfterMs: 10 });
    const heard: boolean[] = [];
    load.onChange(() => {
      throw new Error("listener trouble");
    });
    const unsubscribe = load.onChange((busy) => heard.push(busy));
    await expect(load.storing(async () => "stored")).resolves.toBe("stored");
    await waitFor(() => heard.length === 2, { message: "busy and calm heard" });
    unsubscribe();
    await load.storing(async () => "again");
    await waitFor(() => !load.busy, { message: "calm" });
    expect(heard).toEqual([true, false]);
  });
});
