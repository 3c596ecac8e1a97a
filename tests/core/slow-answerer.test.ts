import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentReply, Answerer } from "../../src/core/agent/types.js";
import { engines } from "../helpers/db.js";
import { askOverLiveChat, botTexts } from "../helpers/livechat-http.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const ANSWER = "We are open from nine to five.";

/** An answerer that takes `delayMs` (changeable) to answer every question the same. */
class PacedAnswerer implements Answerer {
  readonly name = "paced";
  delayMs = 0;
  async answer(): Promise<AgentReply> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    return { action: "answer", text: ANSWER, citations: [] };
  }
}

async function askAndWait(url: string): Promise<void> {
  const chat = await askOverLiveChat(url, "When are you open?");
  await waitFor(async () => (await botTexts(url, chat)).includes(ANSWER), { message: "the answer" });
}

/**
 * With a slow answerer the thread worker lets threads about to ask go before threads whose
 * answer came back (so a burst's questions all reach the model early); with a fast one, the
 * other way round. The order itself is Permits' (tests/core/permits.test.ts); here the switch.
 */
for (const engine of engines) {
  describe(`the answering order follows the answerer's pace (${engine})`, () => {
    let gateway: TestParley | undefined;

    afterEach(async () => {
      await gateway?.stop();
      gateway = undefined;
    });

    it("starts new questions first while the answerer is slow, and finishes answers first once it is fast again", async () => {
      const answerer = new PacedAnswerer();
      gateway = await startTestParley(engine, { answerer });
      const { parley, url } = gateway;
      expect(parley.threads.startingFirst).toBe(false);

      await askAndWait(url);
      expect(parley.threads.startingFirst).toBe(false);

      // A few answers that take longer than SLOW_MODEL_MS (one is enough from a fast average of
      // one answer, but a moving average may need more; the upper bound is ModelPace's tests').
      answerer.delayMs = 250;
      for (let i = 0; i < 4 && !parley.threads.startingFirst; i++) await askAndWait(url);
      expect(parley.threads.startingFirst).toBe(true);

      answerer.delayMs = 0;
      for (let i = 0; i < 10 && parley.threads.startingFirst; i++) await askAndWait(url);
      expect(parley.threads.startingFirst).toBe(false);
    });
  });
}
