import { and, eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { availabilityMessage } from "../../src/core/availability/availability-texts.js";
import {
  type ChannelAccountRef,
  type ChannelAdapter,
  HOUR_MS,
  type InboundMessage,
  type OutboundDelivery,
} from "../../src/core/channel.js";
import { ManualClock } from "../../src/core/clock.js";
import { DeliveryWorker } from "../../src/core/delivery-worker.js";
import { receiveInbound } from "../../src/core/receive.js";
import { ThreadWorker } from "../../src/core/thread-worker.js";
import { createWorkspace } from "../../src/core/workspaces.js";
import * as schema from "../../src/db/schema.js";
import { engines, freshDatabase, type TestDatabase } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

/** Answers every question by echoing it, after an optional delay; counts its calls. */
class EchoAnswerer implements Answerer {
  readonly name = "echo";
  calls = 0;
  constructor(private readonly delayMs = 0) {}
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.calls += 1;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return { action: "answer", text: `echo: ${req.question}`, citations: [] };
  }
}

/** A channel that records what it was asked to send, standing in for a platform's send API. */
class RecordingChannel implements ChannelAdapter {
  readonly kind = "livechat" as const;
  readonly capabilities = {
    maxTextLength: 1000,
    quickReplies: false,
    typingIndicator: false,
    replyWindowMs: null,
    inactivityLifetimeMs: 24 * HOUR_MS,
    reopensAfterClose: false,
  };
  sent: OutboundDelivery[] = [];
  async send(_account: ChannelAccountRef, message: OutboundDelivery) {
    this.sent.push(message);
    return { state: "delivered" as const, channelMessageId: `sent-${message.messageId}` };
  }
}

const log = pino({ level: "silent" });

for (const engine of engines) {
  describe(`message path (${engine})`, () => {
    let tdb: TestDatabase;
    let workspaceId: string;
    let accountId: string;
    let agentId: string;

    beforeAll(async () => {
      tdb = await freshDatabase(engine);
      const { db } = tdb.database;
      ({ workspaceId } = await createWorkspace(db, "Shop"));
      const [agent] = await db.insert(schema.agents).values({ workspaceId, name: "Ava" }).returning();
      agentId = agent!.id;
      const [account] = await db
        .insert(schema.channelAccounts)
        .values({ workspaceId, kind: "livechat", name: "site", externalId: `w-${engine}`, agentId })
        .returning();
      accountId = account!.id;
    });
    afterAll(async () => tdb.drop());

    const inbound = (threadKey: string, id: string, text: string): InboundMessage => ({
      channelAccountId: accountId,
      workspaceId,
      threadKey,
      contact: { externalId: `user-${threadKey}` },
      channelMessageId: id,
      text,
      locale: "en-US",
    });

    function startWorkers(answerer: Answerer, channel: RecordingChannel, clock = new ManualClock()) {
      const adapters = new Map([["livechat", channel]]);
      const common = { database: tdb.database, adapters, log, pollMs: 50, leaseMs: 5_000 };
      const threads = new ThreadWorker({ ...common, clock, answerer, concurrency: 20 });
      const delivery = new DeliveryWorker({ ...common, concurrency: 20, maxAttempts: 3 });
      return {
        threads,
        delivery,
        async start() {
          await threads.start();
          await delivery.start();
        },
        async stop() {
          await threads.stop(5_000);
          await delivery.stop(5_000);
        },
      };
    }

    async function outboundFor(threadKey: string) {
      const { db } = tdb.database;
      return db
        .select({
          text: schema.messages.text,
          seq: schema.messages.seq,
          state: schema.messages.deliveryState,
        })
        .from(schema.messages)
        .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.messages.threadId))
        .where(and(eq(schema.channelThreads.threadKey, threadKey), eq(schema.messages.direction, "out")))
        .orderBy(schema.messages.seq);
    }

    it("stores a redelivered message once and reports the duplicate", async () => {
      const first = await receiveInbound(tdb.database, inbound("t-dup", "m-1", "hello"));
      const again = await receiveInbound(tdb.database, inbound("t-dup", "m-1", "hello"));
      expect(first.duplicate).toBe(false);
      expect(again).toMatchObject({ duplicate: true, messageId: first.messageId, seq: first.seq });
      const rows = await tdb.database.db
        .select()
        .from(schema.messages)
        .where(eq(schema.messages.channelMessageId, "m-1"));
      expect(rows).toHaveLength(1);
    });

    it("gives concurrent messages of one thread distinct, gap-tolerant increasing seqs", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          receiveInbound(tdb.database, inbound("t-conc", `c-${i}`, `q${i}`)),
        ),
      );
      const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
      expect(new Set(seqs).size).toBe(20);
      expect(seqs[0]).toBeGreaterThanOrEqual(1);
    });

    it("answers every message exactly once and in order when two gateway processes share the work", async () => {
      const answerer = new EchoAnswerer(5);
      const channel = new RecordingChannel();
      const a = startWorkers(answerer, channel);
      const b = startWorkers(answerer, channel);
      await a.start();
      await b.start();
      try {
        const threads = Array.from({ length: 15 }, (_, i) => `t-share-${i}`);
        for (let n = 0; n < 3; n++) {
          await Promise.all(
            threads.map((t) => receiveInbound(tdb.database, inbound(t, `${t}-${n}`, `${t} #${n}`))),
          );
        }
        // The earlier tests left two threads unanswered; they are part of the same queue.
        await waitFor(async () => channel.sent.length >= threads.length * 3 + 21, { timeoutMs: 30_000 });
        for (const t of threads) {
          const out = await outboundFor(t);
          expect(out.map((m) => m.text)).toEqual([0, 1, 2].map((n) => `echo: ${t} #${n}`));
          expect(out.every((m) => m.state === "delivered")).toBe(true);
        }
        const texts = channel.sent.map((s) => s.text);
        expect(new Set(texts).size).toBe(texts.length);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    it("does not answer a conversation the agent does not take, and tells the customer people will", async () => {
      const { db } = tdb.database;
      const [paused] = await db
        .insert(schema.agents)
        .values({ workspaceId, name: "Paused", status: "paused" })
        .returning();
      const [account] = await db
        .insert(schema.channelAccounts)
        .values({
          workspaceId,
          kind: "livechat",
          name: "paused site",
          externalId: `p-${engine}`,
          agentId: paused!.id,
        })
        .returning();
      const answerer = new EchoAnswerer();
      const w = startWorkers(answerer, new RecordingChannel());
      await w.start();
      try {
        const r = await receiveInbound(tdb.database, {
          ...inbound("t-paused", "p-1", "anyone there?"),
          channelAccountId: account!.id,
        });
        await waitFor(async () => {
          const [m] = await db.select().from(schema.messages).where(eq(schema.messages.id, r.messageId));
          return m?.processedAt != null;
        });
        const [conv] = await db
          .select()
          .from(schema.conversations)
          .where(eq(schema.conversations.channelAccountId, account!.id));
        expect(conv?.holder).toBe("nobody");
        expect(conv?.handoffReason).toBe("paused");
        expect(answerer.calls).toBe(0);
        // The agent says nothing; the customer is told that the team will answer.
        expect((await outboundFor("t-paused")).map((m) => m.text)).toEqual([
          availabilityMessage({ state: "available", language: "en" }),
        ]);
      } finally {
        await w.stop();
      }
    });

    it("starts a new conversation after 24 h of silence on a chat channel", async () => {
      const clock = new ManualClock();
      const w = startWorkers(new EchoAnswerer(), new RecordingChannel(), clock);
      await w.start();
      try {
        await receiveInbound(tdb.database, inbound("t-life", "l-1", "first"));
        await waitFor(async () => (await outboundFor("t-life")).length === 1);
        clock.advance(24 * HOUR_MS + 60_000);
        await receiveInbound(tdb.database, inbound("t-life", "l-2", "much later"));
        await waitFor(async () => (await outboundFor("t-life")).length === 2);
        const convs = await tdb.database.db
          .select()
          .from(schema.conversations)
          .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.conversations.threadId))
          .where(eq(schema.channelThreads.threadKey, "t-life"))
          .orderBy(schema.conversations.createdAt);
        expect(convs.map((c) => [c.conversations.status, c.conversations.closeReason])).toEqual([
          // The agent answered and never handed off: a silent close counts as resolved by it.
          ["closed", "resolved_by_agent"],
          ["open", null],
        ]);
      } finally {
        await w.stop();
      }
    });
  });
}
