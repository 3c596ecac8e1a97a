import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ClaimLoop } from "../../src/core/claim-loop.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A queue of named items the loop claims from, counting its claim statements; each item runs
 * until the test finishes it.
 */
function harness(options: { concurrency: number; finishMayFreeWork?: boolean }) {
  const waiting: string[] = [];
  const running = new Map<string, () => void>();
  const done: string[] = [];
  let claims = 0;
  const loop = new ClaimLoop<string>({
    name: "test",
    concurrency: options.concurrency,
    // Never within a test: only wake() and finishing items claim.
    pollMs: 3_600_000,
    log: pino({ level: "silent" }),
    claim: async (max) => {
      claims += 1;
      return waiting.splice(0, max);
    },
    run: (item) =>
      new Promise<void>((resolve) => {
        running.set(item, () => {
          running.delete(item);
          done.push(item);
          resolve();
        });
      }),
    ...(options.finishMayFreeWork === undefined ? {} : { finishMayFreeWork: options.finishMayFreeWork }),
  });
  return {
    loop,
    waiting,
    running,
    done,
    claims: () => claims,
    finish: (item: string) => running.get(item)?.(),
  };
}

/** Lets the loop's promises run their continuations. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ClaimLoop", () => {
  let stop: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it("claims again after a finish only when that finish frees room the last claim lacked, if told finishing frees no work", async () => {
    const h = harness({ concurrency: 2, finishMayFreeWork: false });
    stop = () => h.loop.stop(1000);
    h.waiting.push("a");
    h.loop.start();
    await waitFor(() => h.running.has("a"), { message: "a running" });
    const afterStart = h.claims();
    h.finish("a");
    await settle();
    await settle();
    // Room was never short: finishing "a" costs no claim statement.
    expect(h.claims()).toBe(afterStart);

    // New work is found when the loop is woken (NOTIFY, or the poll).
    h.waiting.push("b", "c", "d");
    h.loop.wake();
    await waitFor(() => h.running.has("b") && h.running.has("c"), { message: "b and c running" });
    expect(h.waiting).toEqual(["d"]);
    // The claim had no room for "d": the next finish claims it without being woken.
    h.finish("b");
    await waitFor(() => h.running.has("d"), { message: "d claimed after b finished" });
    h.finish("c");
    h.finish("d");
    await waitFor(() => h.done.length === 4, { message: "all done" });
    expect(h.done).toEqual(["a", "b", "c", "d"]);
  });

  it("claims again after every finish by default: finishing may make waiting work claimable", async () => {
    const h = harness({ concurrency: 4 });
    stop = () => h.loop.stop(1000);
    h.waiting.push("first");
    h.loop.start();
    await waitFor(() => h.running.has("first"), { message: "first running" });
    // Like a thread's next delivery, claimable only once the one before it is done; nobody signals it.
    h.waiting.push("second");
    h.finish("first");
    await waitFor(() => h.running.has("second"), { message: "second claimed after first finished" });
    h.finish("second");
    await waitFor(() => h.done.length === 2, { message: "both done" });
  });
});
