import { describe, expect, it } from "vitest";
import { accountsChanged, cachedAccountLookup } from "../../src/core/account-cache.js";
import type { Database } from "../../src/db/client.js";

/** The cache only listens and notifies; a database that does just that is enough here. */
function signallingDatabase(): Database {
  const listeners = new Map<string, Array<(payload: string) => void>>();
  return {
    async listen(channel: string, onPayload: (payload: string) => void) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), onPayload]);
      return async () => {};
    },
    async notify(channel: string, payload: string) {
      for (const listener of listeners.get(channel) ?? []) listener(payload);
    },
  } as unknown as Database;
}

function countingLoad<T>(value: T | undefined) {
  const load = async () => {
    load.calls += 1;
    return value;
  };
  load.calls = 0;
  return load;
}

describe("cachedAccountLookup", () => {
  it("shares an account it found between callers", async () => {
    const database = signallingDatabase();
    const load = countingLoad({ id: "acc-1" });
    expect(await cachedAccountLookup(database, "k", load)).toEqual({ id: "acc-1" });
    expect(await cachedAccountLookup(database, "k", load)).toEqual({ id: "acc-1" });
    expect(load.calls).toBe(1);
  });

  it("keeps nothing for an id that matches no account, so made-up ids cannot fill it", async () => {
    const database = signallingDatabase();
    const load = countingLoad<{ id: string }>(undefined);
    expect(await cachedAccountLookup(database, "unknown", load)).toBeUndefined();
    expect(await cachedAccountLookup(database, "unknown", load)).toBeUndefined();
    expect(load.calls).toBe(2);
  });

  it("sees an account created after a lookup that found nothing", async () => {
    const database = signallingDatabase();
    expect(
      await cachedAccountLookup(database, "new", countingLoad<{ id: string }>(undefined)),
    ).toBeUndefined();
    expect(await cachedAccountLookup(database, "new", countingLoad({ id: "acc-2" }))).toEqual({
      id: "acc-2",
    });
  });

  it("keeps no failed lookup", async () => {
    const database = signallingDatabase();
    const failing = async () => {
      throw new Error("connection lost");
    };
    await expect(cachedAccountLookup(database, "k", failing)).rejects.toThrow("connection lost");
    expect(await cachedAccountLookup(database, "k", countingLoad({ id: "acc-3" }))).toEqual({ id: "acc-3" });
  });

  it("forgets every lookup when an account changes", async () => {
    const database = signallingDatabase();
    await cachedAccountLookup(database, "k", countingLoad({ id: "old" }));
    await accountsChanged(database);
    expect(await cachedAccountLookup(database, "k", countingLoad({ id: "new" }))).toEqual({ id: "new" });
  });
});
