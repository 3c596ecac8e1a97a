import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { WORK_CHANNEL } from "../../src/core/receive.js";
import type { ThreadWorker } from "../../src/core/thread-worker.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { overriding } from "../helpers/database-override.js";
import { engines } from "../helpers/db.js";
import { gate } from "../helpers/gate.js";
import { waitFor } from "../helpers/wait.js";

/** Holds the first question until the test opens the gate; answers the rest at once. */
class HoldingAnswerer implements Answerer {
  readonly name = "holding";
  readonly questions: string[] = [];
  readonly #first = gate();
  open(): void {
    this.#first.open();
  }
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.questions.push(req.question);
    if (this.questions.length === 1) await this.#first.store();
    return { action: "answer", text: `answer to: ${req.question}`, citations: [] };
  }
}

/**
 * A message on a thread this process is answering is read by that thread's own turn: the
 * worker does not claim for it (the claim would find the thread leased, by itself), and claims
 * once the thread is let go, so work signalled just before the thread finished is never left to
 * the poll.
 */
for (const engine of engines) {
  describe(`new work on a thread the worker holds (${engine})`, () => {
    let h: CoreHarness;
    let worker: ThreadWorker | undefined;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterEach(async () => {
      await worker?.stop(5_000);
      worker = undefined;
    });
    afterAll(async () => h?.drop());

    it("is left to the thread's turn, and the worker claims again once the thread is done", async () => {
      let claims = 0;
      /** The worker's WORK_CHANNEL listener: the test signals it itself, so it knows when. */
      let signal: (threadId: string) => void = () => {};
      const database = overriding(h.database, {
        async query(text, params, options) {
          if (text.includes("WITH claimed AS")) claims += 1;
          return h.database.query(text, params, options);
        },
        async listen(channel, onPayload) {
          if (channel === WORK_CHANNEL) {
            signal = onPayload;
            return async () => {};
          }
          return h.database.listen(channel, onPayload);
        },
      });
      const answerer = new HoldingAnswerer();
      // No poll during the test: every claim is one the test caused.
      worker = h.threadWorker(answerer, { database, pollMs: 600_000, leaseMs: 30_000 });
      await worker.start();
      // The claim at start found nothing.
      await waitFor(() => claims === 1, { message: "the first claim" });

      const thread = h.newThread();
      const first = await h.message("livechat", thread, "what are your opening hours?");
      const threadId = await threadIdOf(h, first.messageId);
      signal(threadId);
      await waitFor(() => answerer.questions.length === 1, { message: "the first question asked" });
      expect(claims).toBe(2);

      // Two more messages while the thread is held: no claim for them.
      const second = await h.message("livechat", thread, "and on Sunday?");
      signal(threadId);
      const third = await h.message("livechat", thread, "do you deliver?");
      signal(threadId);
      expect(claims).toBe(2);

      answerer.open();
      await h.processed(second.messageId);
      await h.processed(third.messageId);
      expect(answerer.questions).toEqual([
        "what are your opening hours?",
        "and on Sunday?",
        "do you deliver?",
      ]);
      // Let go of, the thread is claimed for once more, in case its new work came too late for it.
      await waitFor(() => claims === 3, { message: "the claim after the thread was let go" });

      // Work on a thread nobody holds is claimed at once, as before.
      const later = await h.message("livechat", thread, "thanks!");
      signal(threadId);
      await waitFor(() => claims === 4, { message: "the claim for a thread nobody holds" });
      await h.processed(later.messageId);
    });
  });
}

async function threadIdOf(h: CoreHarness, messageId: string): Promise<string> {
  const [row] = await h.database.query<{ thread_id: string }>(
    "SELECT thread_id FROM messages WHERE id = $1",
    [messageId],
  );
  if (!row) throw new Error(`no message ${messageId}`);
  return row.thread_id;
}
