import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import type { ThreadWorker } from "../../src/core/thread-worker.js";
import type { Database } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { overriding } from "../helpers/database-override.js";
import { engines } from "../helpers/db.js";

/** Answers every question, and remembers whether a conversation existed for it when it was asked. */
class RecordingAnswerer implements Answerer {
  readonly name = "recording";
  readonly questions: string[] = [];
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.questions.push(req.question);
    return { action: "answer", text: `answer to: ${req.question}`, citations: [] };
  }
}

/**
 * The database, except that the statement starting a new conversation first pauses `agentId`:
 * the agent is paused after the claim read it as active and its question went to the answerer,
 * just before the conversation is started — the race the worker must survive.
 */
function pausingBeforeStart(database: Database, agentId: string): Database {
  return overriding(database, {
    async query(text, params, options) {
      if (text.includes("INSERT INTO conversations")) {
        await database.db
          .update(schema.agents)
          .set({ status: "paused" })
          .where(eq(schema.agents.id, agentId));
      }
      return database.query(text, params, options);
    },
  });
}

for (const engine of engines) {
  describe(`a new conversation started while the answerer works (${engine})`, () => {
    let h: CoreHarness;
    let worker: ThreadWorker | undefined;
    /** What the worker logged at warn and above: a retried message shows here. */
    let warnings: Array<{ msg: string }> = [];
    const log = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterEach(async () => {
      await worker?.stop(5_000);
      worker = undefined;
      await h.db.update(schema.agents).set({ status: "active" }).where(eq(schema.agents.id, h.agentId));
    });
    afterAll(async () => h?.drop());

    async function startWorker(database: Database, answerer: Answerer) {
      warnings = [];
      worker = h.threadWorker(answerer, { database, log });
      await worker.start();
    }

    it("puts the question and its answer in the new conversation", async () => {
      const answerer = new RecordingAnswerer();
      await startWorker(h.database, answerer);
      const thread = h.newThread();
      const { messageId } = await h.message("livechat", thread, "when do you open on Saturday?");
      await h.waitForOutbound(thread, 1);
      await h.processed(messageId);

      const [conversation, ...others] = await h.conversationsOf(thread);
      expect(others).toEqual([]);
      expect(conversation).toMatchObject({ holder: "agent", agentId: h.agentId, language: "en" });
      const [inbound] = await h.db.select().from(schema.messages).where(eq(schema.messages.id, messageId));
      expect(inbound?.conversationId).toBe(conversation!.id);
      expect(await h.outboundOf(thread)).toEqual([
        {
          text: "answer to: when do you open on Saturday?",
          author: "agent",
          conversationId: conversation!.id,
        },
      ]);
      expect(warnings).toEqual([]);
      const [contact] = await h.db
        .select()
        .from(schema.contacts)
        .where(eq(schema.contacts.id, conversation!.contactId));
      expect(contact?.externalId).toBe(`contact-${thread}`);
    });

    it("drops the answer and tells the customer a person will take over when the agent was paused meanwhile", async () => {
      const answerer = new RecordingAnswerer();
      await startWorker(pausingBeforeStart(h.database, h.agentId), answerer);
      const thread = h.newThread();
      const { messageId } = await h.message("livechat", thread, "can you tell me about delivery times?");
      await h.processed(messageId);

      // The question had gone to the answerer before the pause was seen; its answer goes nowhere.
      expect(answerer.questions).toEqual(["can you tell me about delivery times?"]);
      const [conversation, ...others] = await h.conversationsOf(thread);
      expect(others).toEqual([]);
      expect(conversation).toMatchObject({ holder: "nobody", handoffReason: "paused" });
      const outbound = await h.outboundOf(thread);
      expect(outbound).toEqual([
        { text: expect.stringMatching(/team/i), author: "system", conversationId: conversation!.id },
      ]);
      const [inbound] = await h.db.select().from(schema.messages).where(eq(schema.messages.id, messageId));
      expect(inbound).toMatchObject({ conversationId: conversation!.id, deliveryState: "processed" });
      // Handled in the same turn: no failure, no retry.
      expect(warnings).toEqual([]);
    });
  });
}
