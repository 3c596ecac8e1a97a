import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { commitOutbound } from "../../src/core/reply-commit.js";
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

/** Holds every answer until `release()`, and says when the first question has reached it. */
class GatedAnswerer implements Answerer {
  readonly name = "gated";
  readonly questions: string[] = [];
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.questions.push(req.question);
    await this.#gate;
    return { action: "answer", text: `echo: ${req.question}`, citations: [] };
  }
  release(): void {
    this.#open();
  }
}

/**
 * The agent's reply commit also ends the thread's work when it answered the thread's last
 * message (the statement nextOrFinish would otherwise run on its own): these tests hold it to
 * nextOrFinish's rules, so no message is ever stranded without work to pick it up.
 */
for (const engine of engines) {
  describe(`the reply commit ends a drained thread's work (${engine})`, () => {
    let h: CoreHarness;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterAll(async () => h?.drop());

    /** A thread with an open conversation (one message answered), no workers running, and its work row gone. */
    async function answeredThread() {
      const threadKey = h.newThread();
      await h.startWorkers(new EchoAnswerer());
      await h.message("livechat", threadKey, "first");
      await h.waitForOutbound(threadKey, 1);
      await h.stopWorkers();
      const [thread] = await h.db
        .select()
        .from(schema.channelThreads)
        .where(eq(schema.channelThreads.threadKey, threadKey));
      const [conversation] = await h.conversationsOf(threadKey);
      return { threadKey, threadId: thread!.id, conversationId: conversation!.id };
    }

    async function workRow(threadId: string) {
      const [row] = await h.db
        .select()
        .from(schema.threadWork)
        .where(eq(schema.threadWork.threadId, threadId));
      return row;
    }

    /** Leases the thread to `owner` as a worker's claim would, after its messages were stored. */
    async function lease(threadId: string, owner: string) {
      await h.db
        .update(schema.threadWork)
        .set({ leaseOwner: owner, leaseUntil: new Date(Date.now() + 600_000) })
        .where(eq(schema.threadWork.threadId, threadId));
      const row = await workRow(threadId);
      expect(row).toBeDefined();
      return row!.version;
    }

    function commit(
      t: { threadId: string; conversationId: string },
      owner: string,
      messageId: string,
      finishVersion: number | undefined,
    ) {
      return commitOutbound(h.database, owner, {
        inbound: {
          id: messageId,
          threadId: t.threadId,
          workspaceId: h.workspaceId,
          channelAccountId: h.accounts.livechat,
        },
        conversationId: t.conversationId,
        expectedHolder: "agent",
        author: "agent",
        text: "a reply",
        citations: [],
        language: "en",
        deliveredOnCommit: true,
        finishVersion,
        now: h.clock.now(),
      });
    }

    it("ends the work with the reply to the thread's last message", async () => {
      const t = await answeredThread();
      const { messageId } = await h.message("livechat", t.threadKey, "second");
      const version = await lease(t.threadId, "finisher");
      const result = await commit(t, "finisher", messageId, version);
      expect(result).toMatchObject({ leased: true, held: true, finished: true });
      expect(result.replyId).not.toBeNull();
      expect(await workRow(t.threadId)).toBeUndefined();
    });

    it("keeps the work while another message of the thread waits", async () => {
      const t = await answeredThread();
      const second = await h.message("livechat", t.threadKey, "second");
      const third = await h.message("livechat", t.threadKey, "third");
      const version = await lease(t.threadId, "finisher");
      expect(await commit(t, "finisher", second.messageId, version)).toMatchObject({ finished: false });
      expect(await workRow(t.threadId)).toBeDefined();
      expect(await commit(t, "finisher", third.messageId, version)).toMatchObject({ finished: true });
      expect(await workRow(t.threadId)).toBeUndefined();
    });

    it("keeps the work when a message arrived after the version the worker saw", async () => {
      const t = await answeredThread();
      const second = await h.message("livechat", t.threadKey, "second");
      const seen = await lease(t.threadId, "finisher");
      // Stored and processed elsewhere meanwhile: nothing waits, but the version moved on.
      const late = await h.message("livechat", t.threadKey, "late");
      await h.db
        .update(schema.messages)
        .set({ processedAt: h.clock.now() })
        .where(eq(schema.messages.id, late.messageId));
      expect((await workRow(t.threadId))!.version).toBeGreaterThan(seen);
      expect(await commit(t, "finisher", second.messageId, seen)).toMatchObject({ finished: false });
      expect(await workRow(t.threadId)).toBeDefined();
    });

    it("neither ends nor writes anything for a worker that lost the lease, nor when asked not to", async () => {
      const t = await answeredThread();
      const { messageId } = await h.message("livechat", t.threadKey, "second");
      const version = await lease(t.threadId, "finisher");
      expect(await commit(t, "someone-else", messageId, version)).toMatchObject({
        leased: false,
        finished: false,
        replyId: null,
      });
      expect(await commit(t, "finisher", messageId, undefined)).toMatchObject({
        leased: true,
        finished: false,
      });
      expect(await workRow(t.threadId)).toBeDefined();
    });

    it("writes no second reply to a message already answered (the unique in_reply_to_id)", async () => {
      const t = await answeredThread();
      const { messageId } = await h.message("livechat", t.threadKey, "second");
      await lease(t.threadId, "finisher");
      // A worker that redoes a message after its lease ran out commits for it once more.
      const [first, again] = await Promise.all([
        commit(t, "finisher", messageId, undefined),
        commit(t, "finisher", messageId, undefined),
      ]);
      expect([first.replyId, again.replyId].filter((id) => id !== null)).toHaveLength(1);
      expect((await h.outboundOf(t.threadKey)).map((m) => m.text)).toEqual(["echo: first", "a reply"]);
    });

    it("answers a message that arrives while the one before it waits on the LLM, in the same claim", async () => {
      const threadKey = h.newThread();
      const answerer = new GatedAnswerer();
      // A lease far longer than the test: a thread given up early would wait for it, and time out.
      const worker = h.threadWorker(answerer, { concurrency: 4, leaseMs: 600_000 });
      await worker.start();
      try {
        await h.message("livechat", threadKey, "one");
        await waitFor(() => answerer.questions.length === 1, { message: "the first question at the LLM" });
        await h.message("livechat", threadKey, "two");
        answerer.release();
        await h.waitForOutbound(threadKey, 2);
        expect((await h.outboundOf(threadKey)).map((m) => m.text)).toEqual(["echo: one", "echo: two"]);
        const [thread] = await h.db
          .select()
          .from(schema.channelThreads)
          .where(eq(schema.channelThreads.threadKey, threadKey));
        await waitFor(async () => (await workRow(thread!.id)) === undefined, {
          message: "the work row gone",
        });
      } finally {
        await worker.stop(5_000);
      }
    });
  });
}
