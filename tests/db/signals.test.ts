import { describe, expect, it } from "vitest";
import { Signals } from "../../src/db/signals.js";

/** A turn of the event loop: listeners hear signals asynchronously (setImmediate). */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Signals whose batches for other processes are recorded, with a listener on `channel`. */
function recorded(channel: string) {
  const published: string[] = [];
  const signals = new Signals(async (_channel, payload) => {
    published.push(payload);
  });
  const heard: string[] = [];
  signals.listen(channel, (p) => heard.push(p));
  return { signals, published, heard };
}

describe("Signals", () => {
  it("delivers a signal to this process's listeners and publishes it to the others", async () => {
    const { signals, published, heard } = recorded("work");
    signals.notify("work", "thread-1");
    await tick();
    expect(heard).toEqual(["thread-1"]);
    await signals.flush();
    expect(published.map((p) => JSON.parse(p).s)).toEqual([[["work", "thread-1"]]]);
  });

  it("keeps a process-scoped signal in this process", async () => {
    const { signals, published, heard } = recorded("charges");
    signals.notify("charges", "workspace-1", "process");
    await tick();
    expect(heard).toEqual(["workspace-1"]);
    await signals.flush();
    expect(published).toEqual([]);
  });

  it("ignores its own batches coming back and delivers other processes'", async () => {
    const { signals, published, heard } = recorded("work");
    signals.notify("work", "mine");
    await signals.flush();
    await tick();
    heard.length = 0;
    signals.onBatch(published[0]!);
    signals.onBatch(JSON.stringify({ o: "another-process", s: [["work", "theirs"]] }));
    await tick();
    expect(heard).toEqual(["theirs"]);
  });
});
