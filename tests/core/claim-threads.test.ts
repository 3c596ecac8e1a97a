import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { claimThreads } from "../../src/core/next-inbound.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

class EchoAnswerer implements Answerer {
  readonly name = "echo";
  async answer(req: AnswerRequest): Promise<AgentReply> {
    return { action: "answer", text: `echo: ${req.question}`, citations: [] };
  }
}

/**
 * The thread worker's claim leases threads and reads each one's next message with it, so a
 * thread's first turn needs no statement of its own to find its message. What it reads must be
 * what nextOrFinish would have read, and a thread with nothing left must still be finished.
 */
for (const engine of engines) {
  describe(`claiming threads reads their next message (${engine})`, () => {
    let h: CoreHarness;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterAll(async () => h?.drop());

    async function threadIdOf(threadKey: string): Promise<string> {
      const [thread] = await h.db
        .select({ id: schema.channelThreads.id })
        .from(schema.channelThreads)
        .where(eq(schema.channelThreads.threadKey, threadKey));
      if (!thread) throw new Error(`no thread ${threadKey}`);
      return thread.id;
    }

    /** A new live-chat thread whose one question was answered (an open conversation), workers stopped. */
    async function answeredOnce(question: string): Promise<string> {
      const threadKey = h.newThread();
      await h.startWorkers(new EchoAnswerer());
      await h.message("livechat", threadKey, question);
      await h.waitForOutbound(threadKey, 1);
      await h.stopWorkers();
      return threadKey;
    }

    it("gives each claimed thread its oldest unanswered message, with the open conversation and its turns", async () => {
      // One thread answered once (an open conversation with two turns), then asked again.
      const talked = await answeredOnce("first question");
      const second = await h.message("livechat", talked, "second question");
      // One new thread with two messages waiting.
      const fresh = h.newThread();
      const oldest = await h.message("messenger", fresh, "where is my parcel");
      await h.message("messenger", fresh, "anyone there?");

      const claimed = await claimThreads(h.database, "test-owner", 60_000, 100);
      const byThread = new Map(claimed.map((c) => [c.threadId, c]));

      const talkedClaim = byThread.get(await threadIdOf(talked));
      expect(talkedClaim?.next?.message.id).toBe(second.messageId);
      expect(talkedClaim?.next?.message.text).toBe("second question");
      const [conversation] = await h.conversationsOf(talked);
      expect(talkedClaim?.next?.open?.id).toBe(conversation?.id);
      expect(talkedClaim?.next?.agent?.id).toBe(h.agentId);
      expect(talkedClaim?.next?.history).toEqual([
        { role: "customer", text: "first question" },
        { role: "agent", text: "echo: first question" },
      ]);
      expect(talkedClaim?.next?.message.createdAt).toBeInstanceOf(Date);

      const freshClaim = byThread.get(await threadIdOf(fresh));
      expect(freshClaim?.next?.message.id).toBe(oldest.messageId);
      expect(freshClaim?.next?.open).toBeNull();
      expect(freshClaim?.next?.account.id).toBe(h.accounts.messenger);
      expect(freshClaim?.next?.history).toEqual([]);

      // Leased: nobody else gets them while the lease lasts.
      const again = await claimThreads(h.database, "another-owner", 60_000, 100);
      expect(again.map((c) => c.threadId)).not.toContain(talkedClaim?.threadId);
      expect(again.map((c) => c.threadId)).not.toContain(freshClaim?.threadId);

      // Handed back, the worker answers both threads' messages, the prefetched ones first.
      await h.db.update(schema.threadWork).set({ leaseOwner: null, leaseUntil: null });
      await h.startWorkers(new EchoAnswerer());
      await h.waitForOutbound(talked, 2);
      await h.waitForOutbound(fresh, 2);
      expect((await h.outboundOf(fresh)).map((m) => m.text)).toEqual([
        "echo: where is my parcel",
        "echo: anyone there?",
      ]);
      await h.stopWorkers();
    });

    it("claims a thread that has work but no message left, and the worker ends that work", async () => {
      const threadKey = await answeredOnce("only question");
      const threadId = await threadIdOf(threadKey);
      // A work row left behind (as after a crash between a commit and the end of the work).
      await h.db.insert(schema.threadWork).values({ threadId }).onConflictDoNothing();

      const claimed = await claimThreads(h.database, "test-owner", 60_000, 100);
      const mine = claimed.find((c) => c.threadId === threadId);
      expect(mine).toBeDefined();
      expect(mine?.next).toBeUndefined();

      await h.db
        .update(schema.threadWork)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(eq(schema.threadWork.threadId, threadId));
      await h.startWorkers(new EchoAnswerer());
      await waitFor(
        async () =>
          (await h.db.select().from(schema.threadWork).where(eq(schema.threadWork.threadId, threadId)))
            .length === 0,
        { message: "the leftover work row to be finished" },
      );
      expect(await h.outboundOf(threadKey)).toHaveLength(1);
      await h.stopWorkers();
    });
  });
}
