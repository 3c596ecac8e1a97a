import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer } from "../../src/core/agent/types.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";

class FixedAnswerer implements Answerer {
  readonly name = "fixed";
  async answer(): Promise<AgentReply> {
    return { action: "answer", text: "We open at nine.", citations: [] };
  }
}

const THREADS = 40;
const COPIES = 6;

/**
 * Meta redelivers a webhook while the first copy is being answered. Storing a copy locks the
 * thread and then waits on the message's index entries; the worker placing that very message
 * must take its locks in the same order, or the two deadlock and PostgreSQL fails one of them
 * after a second (a 500 to Meta). Many threads at once make the interleaving likely.
 */
for (const engine of engines) {
  describe(`redeliveries while the worker places the message (${engine})`, () => {
    let h: CoreHarness;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
      await h.startWorkers(new FixedAnswerer(), 2);
    });
    afterAll(async () => {
      await h?.stopWorkers();
      await h?.drop();
    });

    it("stores every copy without an error and answers each message once", async () => {
      const threads = Array.from({ length: THREADS }, () => h.newThread());
      for (const text of ["What time do you open?", "And on Sunday?"]) {
        const results = await Promise.allSettled(
          threads.flatMap((thread) =>
            Array.from({ length: COPIES }, () => h.message("messenger", thread, text)),
          ),
        );
        const failures = results.filter((r) => r.status === "rejected");
        expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
        await Promise.all(
          threads.map((thread) => h.waitForOutbound(thread, text === "And on Sunday?" ? 2 : 1)),
        );
      }
      for (const thread of threads) {
        expect((await h.outboundOf(thread)).map((m) => m.text)).toEqual([
          "We open at nine.",
          "We open at nine.",
        ]);
      }
    });
  });
}
