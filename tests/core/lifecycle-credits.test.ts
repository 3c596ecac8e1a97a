import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { applyPendingCharges } from "../../src/core/charge-applier.js";
import type { ManualClock } from "../../src/core/clock.js";
import { addLedgerEntry } from "../../src/core/credits.js";
import { EVENTS_CHANNEL } from "../../src/core/events/record.js";
import { InactivitySweeper } from "../../src/core/inactivity-sweeper.js";
import { commitOutbound } from "../../src/core/reply-commit.js";
import { type Database, openPostgres } from "../../src/db/client.js";
import type { ChannelKind } from "../../src/db/schema.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, log, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

class EchoAnswerer implements Answerer {
  readonly name = "echo";
  calls = 0;
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.calls += 1;
    return { action: "answer", text: `echo: ${req.question}`, citations: [] };
  }
}

for (const engine of engines) {
  describe(`conversation lifecycle and credits (${engine})`, () => {
    let h: CoreHarness;
    let db: Database["db"];
    let workspaceId: string;
    let agentId: string;
    let accounts: Record<ChannelKind, string>;
    let clock: ManualClock;
    const answerer = new EchoAnswerer();
    let sweeper: InactivitySweeper;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
      ({ db, workspaceId, agentId, accounts, clock } = h);
      sweeper = sweeperFor(h.database);
    });
    afterEach(async () => h.stopWorkers());
    afterAll(async () => h?.drop());

    function sweeperFor(database: Database) {
      return new InactivitySweeper({
        database,
        clock,
        adapters: h.adapters,
        log,
        intervalMs: HOUR,
        batchSize: 50,
      });
    }

    const startWorkers = (count = 1) => h.startWorkers(answerer, count);
    const stopWorkers = () => h.stopWorkers();
    const newThread = () => h.newThread();
    const message = (kind: ChannelKind, threadKey: string, text: string) => h.message(kind, threadKey, text);
    const conversationsOf = (threadKey: string) => h.conversationsOf(threadKey);
    const processed = (messageId: string) => h.processed(messageId);

    async function agentRepliesOf(threadKey: string) {
      return (await h.outboundOf(threadKey)).filter((m) => m.author === "agent");
    }

    async function chargesFor(conversationId: string) {
      return db
        .select()
        .from(schema.creditLedger)
        .where(
          and(eq(schema.creditLedger.conversationId, conversationId), eq(schema.creditLedger.kind, "charge")),
        );
    }

    /** The balance with every charge made so far applied (charges wait a moment: see charge-applier.ts). */
    async function balance() {
      await applyPendingCharges(h.database);
      const [row] = await db
        .select({ balance: schema.creditAccounts.balance })
        .from(schema.creditAccounts)
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      return row!.balance;
    }

    async function setBalance(to: number) {
      await addLedgerEntry(db, {
        workspaceId,
        kind: "adjustment",
        amount: to - (await balance()),
        reason: "test",
        actor: "test",
        now: clock.now(),
      });
    }

    async function answered(threadKey: string, count: number) {
      await waitFor(async () => (await agentRepliesOf(threadKey)).length >= count, {
        message: `${count} agent replies on ${threadKey}`,
      });
    }

    for (const kind of ["livechat", "whatsapp", "messenger"] as const) {
      it(`${kind}: open after 23 h 59 min of silence, closed after 24 h 01 min, and a later message starts a new, newly charged conversation`, async () => {
        await startWorkers();
        const thread = newThread();
        await message(kind, thread, "hello there, where is my parcel?");
        await answered(thread, 1);
        const [first] = await conversationsOf(thread);
        expect((await chargesFor(first!.id)).map((c) => c.amount)).toEqual([-1]);

        clock.advance(23 * HOUR + 59 * MINUTE);
        await sweeper.sweep();
        expect((await conversationsOf(thread))[0]).toMatchObject({ status: "open" });

        clock.advance(2 * MINUTE);
        await sweeper.sweep();
        const [closed] = await conversationsOf(thread);
        expect(closed).toMatchObject({
          status: "closed",
          closeReason: "resolved_by_agent",
          resolvedBy: "agent",
          closedAt: clock.now(),
        });
        const events = await db
          .select()
          .from(schema.events)
          .where(
            and(eq(schema.events.conversationId, first!.id), eq(schema.events.type, "conversation.closed")),
          );
        expect(events).toHaveLength(1);
        expect(events[0]!.data).toMatchObject({ reason: "resolved_by_agent", resolvedBy: "agent" });

        await message(kind, thread, "one more question please");
        await answered(thread, 2);
        const convs = await conversationsOf(thread);
        expect(convs.map((c) => c.status)).toEqual(["closed", "open"]);
        expect((await chargesFor(convs[1]!.id)).map((c) => c.amount)).toEqual([-1]);
        expect(await chargesFor(first!.id)).toHaveLength(1);
      });
    }

    it("email: open after 71 h, closed after 73 h, and a new mail in the thread reopens it at no extra cost", async () => {
      await startWorkers();
      const thread = newThread();
      await message("email", thread, "Where is my order 1234?");
      await answered(thread, 1);
      const [conv] = await conversationsOf(thread);
      const before = await balance();

      clock.advance(71 * HOUR);
      await sweeper.sweep();
      expect((await conversationsOf(thread))[0]).toMatchObject({ status: "open" });
      clock.advance(2 * HOUR);
      await sweeper.sweep();
      expect((await conversationsOf(thread))[0]).toMatchObject({ status: "closed", resolvedBy: "agent" });

      await message("email", thread, "Thanks, and can I change the address?");
      await answered(thread, 2);
      const convs = await conversationsOf(thread);
      expect(convs).toHaveLength(1);
      expect(convs[0]).toMatchObject({ id: conv!.id, status: "open", closeReason: null });
      expect(await chargesFor(conv!.id)).toHaveLength(1);
      expect(await balance()).toBe(before);
    });

    it("50 concurrent customer messages at the start of a new conversation make exactly one charge", async () => {
      await startWorkers(3);
      const thread = newThread();
      const before = await balance();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => message("livechat", thread, `question number ${i} please`)),
      );
      await answered(thread, 50);
      const convs = await conversationsOf(thread);
      expect(convs).toHaveLength(1);
      expect(await chargesFor(convs[0]!.id)).toHaveLength(1);
      expect(await balance()).toBe(before - 1);
    });

    it("the charge cannot be doubled even by replies committed at the same moment", async () => {
      // Fifty replies racing into one conversation, bypassing the per-thread ordering: the
      // ledger's unique index is what keeps the charge single.
      await startWorkers();
      const thread = newThread();
      await message("livechat", thread, "hello, I have a question");
      await answered(thread, 1);
      const [conv] = await conversationsOf(thread);
      // A fresh conversation that was never charged, on the same thread, as the race's target.
      await db
        .update(schema.conversations)
        .set({ chargedAt: null })
        .where(eq(schema.conversations.id, conv!.id));
      await db.delete(schema.creditLedger).where(eq(schema.creditLedger.conversationId, conv!.id));
      await stopWorkers();
      const [threadRow] = await db
        .select()
        .from(schema.channelThreads)
        .where(eq(schema.channelThreads.threadKey, thread));
      const owner = "racer";
      await db
        .insert(schema.threadWork)
        .values({ threadId: threadRow!.id, leaseOwner: owner, leaseUntil: new Date(Date.now() + HOUR) });
      const inbound = await Promise.all(
        Array.from({ length: 50 }, (_, i) => message("livechat", `${thread}`, `race ${i}`)),
      );
      const results = await Promise.all(
        inbound.map((r) =>
          commitOutbound(h.database, owner, {
            inbound: {
              id: r.messageId,
              threadId: threadRow!.id,
              workspaceId,
              channelAccountId: accounts.livechat,
            },
            conversationId: conv!.id,
            expectedHolder: "agent",
            author: "agent",
            text: "racing reply",
            citations: [],
            language: "en",
            deliveredOnCommit: true,
            now: clock.now(),
          }),
        ),
      );
      expect(results.filter((r) => r.replyId !== null)).toHaveLength(50);
      expect(results.filter((r) => r.charged)).toHaveLength(1);
      expect(await chargesFor(conv!.id)).toHaveLength(1);
      await db.delete(schema.threadWork).where(eq(schema.threadWork.threadId, threadRow!.id));
    });

    it("out of credits: held conversations go on, new ones go to people, and a grant brings the agent back", async () => {
      await startWorkers();
      const held = newThread();
      await message("whatsapp", held, "hi, a question about shipping");
      await answered(held, 1);
      await setBalance(0);

      const refused = newThread();
      const asked = answerer.calls;
      const r = await message("whatsapp", refused, "hello, can you help me?");
      await processed(r.messageId);
      const [gated] = await conversationsOf(refused);
      expect(gated).toMatchObject({ holder: "nobody", handoffReason: "out_of_credits", chargedAt: null });
      expect(await agentRepliesOf(refused)).toHaveLength(0);
      // Nobody pays for a model call whose answer could not be sent.
      expect(answerer.calls).toBe(asked);
      const told = await db
        .select({ text: schema.messages.text, author: schema.messages.authorKind })
        .from(schema.messages)
        .where(and(eq(schema.messages.conversationId, gated!.id), eq(schema.messages.direction, "out")));
      expect(told).toEqual([{ text: expect.stringMatching(/team/i), author: "system" }]);

      await message("whatsapp", held, "and what does shipping cost?");
      await answered(held, 2);

      await addLedgerEntry(db, {
        workspaceId,
        kind: "grant",
        amount: 10,
        reason: "top-up",
        actor: "test",
        now: clock.now(),
      });
      const back = newThread();
      await message("whatsapp", back, "hello again, a new question");
      await answered(back, 1);
      expect((await conversationsOf(back))[0]).toMatchObject({ holder: "agent" });
      await setBalance(1000);
    });

    it("a paused agent takes no new conversation from the next message on, and takes them again once resumed", async () => {
      await startWorkers();
      const held = newThread();
      await message("messenger", held, "hello, question one");
      await answered(held, 1);

      await db.update(schema.agents).set({ status: "paused" }).where(eq(schema.agents.id, agentId));
      const whilePaused = newThread();
      const asked = answerer.calls;
      const r = await message("messenger", whilePaused, "hello, question two");
      await processed(r.messageId);
      expect((await conversationsOf(whilePaused))[0]).toMatchObject({
        holder: "nobody",
        handoffReason: "paused",
      });
      expect(answerer.calls).toBe(asked);
      // What the agent already held, it keeps answering.
      await message("messenger", held, "and a follow-up");
      await answered(held, 2);

      await db.update(schema.agents).set({ status: "active" }).where(eq(schema.agents.id, agentId));
      const afterResume = newThread();
      await message("messenger", afterResume, "hello, question three");
      await answered(afterResume, 1);
      expect((await conversationsOf(afterResume))[0]).toMatchObject({ holder: "agent" });
    });

    it("under the resolution rule, charges when the agent resolved the conversation, and not when it handed off", async () => {
      await startWorkers();
      await db
        .update(schema.creditAccounts)
        .set({ chargeRule: "resolution" })
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      try {
        const resolved = newThread();
        await message("livechat", resolved, "what are your opening hours?");
        await answered(resolved, 1);
        const [conv] = await conversationsOf(resolved);
        expect(await chargesFor(conv!.id)).toHaveLength(0);

        const handedOff = newThread();
        await message("livechat", handedOff, "what are your opening hours?");
        await answered(handedOff, 1);
        const [other] = await conversationsOf(handedOff);
        await db
          .update(schema.conversations)
          .set({ holder: "nobody", handedOffAt: clock.now() })
          .where(eq(schema.conversations.id, other!.id));

        clock.advance(25 * HOUR);
        await sweeper.sweep();
        expect(await chargesFor(conv!.id)).toHaveLength(1);
        expect((await conversationsOf(resolved))[0]!.chargedAt).toEqual(clock.now());
        expect(await chargesFor(other!.id)).toHaveLength(0);
        expect((await conversationsOf(handedOff))[0]).toMatchObject({
          closeReason: "inactivity",
          resolvedBy: null,
        });
      } finally {
        await db
          .update(schema.creditAccounts)
          .set({ chargeRule: "first-agent-reply" })
          .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      }
    });

    it("queues one low-balance event per crossing of the threshold", async () => {
      await startWorkers();
      await setBalance(12);
      await db
        .update(schema.creditAccounts)
        .set({ lowBalanceThreshold: 10 })
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      const lowEvents = () =>
        db
          .select()
          .from(schema.events)
          .where(
            and(eq(schema.events.workspaceId, workspaceId), eq(schema.events.type, "credits.low_balance")),
          );
      const already = (await lowEvents()).length;
      for (let i = 0; i < 4; i++) {
        const t = newThread();
        await message("livechat", t, `a question numbered ${i}`);
        await answered(t, 1);
      }
      // 12 → 8: crossed once, at 9.
      expect(await balance()).toBe(8);
      const crossed = (await lowEvents()).slice(already);
      expect(crossed).toHaveLength(1);
      expect(crossed[0]!.data).toMatchObject({ balance: 9, threshold: 10 });

      await setBalance(20);
      for (let i = 0; i < 11; i++) {
        const t = newThread();
        await message("livechat", t, `another question numbered ${i}`);
        await answered(t, 1);
      }
      expect((await lowEvents()).slice(already)).toHaveLength(2);
      await db
        .update(schema.creditAccounts)
        .set({ lowBalanceThreshold: null })
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      await setBalance(1000);
    });

    it("applies ledger entries without ever scanning the ledger, however small it was when the trigger first ran", async () => {
      // Statistics taken while the ledger is a handful of rows make a full scan the cheapest way
      // to find one of them, and a fresh connection has the trigger plan its statements now.
      // Were such a plan kept, every later entry would read the whole ledger as it grows.
      await db.execute(sql`ANALYZE credit_ledger`);
      const fresh = engine === "postgres" ? openPostgres(h.tdb.location, 1) : h.database;
      try {
        const before = await balance();
        const entries = 5;
        const scans = await fresh.db.transaction(async (tx) => {
          // Sequential scans of the ledger counted so far in this transaction (PGlite's count
          // also holds earlier transactions', such as the migrations' index builds).
          const scansSoFar = async () => {
            const [row] = await fresh.rows<{ scans: number | string }>(
              sql`SELECT pg_stat_get_xact_numscans('credit_ledger'::regclass) AS scans`,
              tx,
            );
            return Number(row?.scans);
          };
          const scansBefore = await scansSoFar();
          for (let i = 1; i <= entries; i++) {
            await tx.execute(sql`
              INSERT INTO credit_ledger (workspace_id, kind, amount, reason, actor)
              VALUES (${workspaceId}::uuid, 'grant', ${i}, 'scan check', 'test')`);
          }
          return (await scansSoFar()) - scansBefore;
        });
        expect(scans).toBe(0);

        const applied = await db
          .select({ amount: schema.creditLedger.amount, balanceAfter: schema.creditLedger.balanceAfter })
          .from(schema.creditLedger)
          .where(
            and(
              eq(schema.creditLedger.workspaceId, workspaceId),
              eq(schema.creditLedger.reason, "scan check"),
            ),
          )
          .orderBy(schema.creditLedger.id);
        let running = before;
        expect(applied.map((e) => e.balanceAfter)).toEqual(
          applied.map((e) => {
            running += e.amount;
            return running;
          }),
        );
        expect(await balance()).toBe(before + (entries * (entries + 1)) / 2);
      } finally {
        if (fresh !== h.database) await fresh.close();
        await setBalance(1000);
      }
    });

    it("wakes the event dispatchers when applying charges wrote a low-balance event, and not otherwise", async () => {
      await startWorkers();
      const wakeUps: string[] = [];
      const unlisten = await h.database.listen(EVENTS_CHANNEL, (payload) => wakeUps.push(payload));
      try {
        const chargedConversation = async (text: string) => {
          const t = newThread();
          await message("livechat", t, text);
          await answered(t, 1);
          const [conversation] = await conversationsOf(t);
          expect(await chargesFor(conversation!.id)).toHaveLength(1);
          // Stopping waits for the worker's in-flight thread and the applier's last round, and so
          // for any wake-up they send; local listeners hear one on the next turn of the event loop.
          await stopWorkers();
          await new Promise((resolve) => setImmediate(resolve));
          await startWorkers();
        };
        await setBalance(11);
        await db
          .update(schema.creditAccounts)
          .set({ lowBalanceThreshold: 10 })
          .where(eq(schema.creditAccounts.workspaceId, workspaceId));
        // 11 → 10: not below the threshold, no event, and no dispatcher woken to find nothing.
        await chargedConversation("a question that leaves the balance at the threshold");
        expect(await balance()).toBe(10);
        expect(wakeUps).toEqual([]);
        // 10 → 9: crossed.
        await chargedConversation("a question that takes the balance below it");
        expect(wakeUps).toEqual(["credits"]);
      } finally {
        await unlisten();
        await db
          .update(schema.creditAccounts)
          .set({ lowBalanceThreshold: null })
          .where(eq(schema.creditAccounts.workspaceId, workspaceId));
        await setBalance(1000);
      }
    });

    it("forgets events that are done with once they are older than the retention, and keeps the rest", async () => {
      const day = 24 * HOUR;
      const at = (daysAgo: number) => new Date(clock.now().getTime() - daysAgo * day);
      const inserted = await db
        .insert(schema.events)
        .values([
          { workspaceId, type: "conversation.closed", createdAt: at(31), webhookState: "none" },
          { workspaceId, type: "handoff.requested", createdAt: at(31), webhookState: "delivered" },
          { workspaceId, type: "handoff.requested", createdAt: at(31), webhookState: "pending" },
          { workspaceId, type: "handoff.requested", createdAt: at(29), webhookState: "delivered" },
        ])
        .returning({ id: schema.events.id, state: schema.events.webhookState });
      await sweeper.sweep();
      const left = await db.select({ id: schema.events.id }).from(schema.events);
      const kept = new Set(left.map((e) => e.id));
      expect(inserted.map((e) => kept.has(e.id))).toEqual([false, false, true, true]);
      await db.delete(schema.events).where(eq(schema.events.id, inserted[2]!.id));
    });

    it("two sweepers running at once close each conversation exactly once", async () => {
      const second = engine === "postgres" ? openPostgres(h.tdb.location, 4) : h.database;
      try {
        const [thread] = await db
          .insert(schema.channelThreads)
          .values(
            Array.from({ length: 300 }, (_, i) => ({
              workspaceId,
              channelAccountId: accounts.messenger,
              threadKey: `idle-${engine}-${i}`,
              contactExternalId: `idle-${i}`,
            })),
          )
          .returning();
        expect(thread).toBeDefined();
        const threads = await db
          .select()
          .from(schema.channelThreads)
          .where(sql`${schema.channelThreads.threadKey} LIKE ${`idle-${engine}-%`}`);
        const contacts = await db
          .insert(schema.contacts)
          .values(
            threads.map((t) => ({
              workspaceId,
              channelAccountId: accounts.messenger,
              externalId: t.contactExternalId,
            })),
          )
          .returning();
        const idleSince = new Date(clock.now().getTime() - 30 * HOUR);
        await db.insert(schema.conversations).values(
          threads.map((t, i) => ({
            workspaceId,
            channelAccountId: accounts.messenger,
            threadId: t.id,
            contactId: contacts[i]!.id,
            agentId,
            holder: "agent" as const,
            lastActivityAt: idleSince,
          })),
        );
        const [a, b] = await Promise.all([sweeper.sweep(), sweeperFor(second).sweep()]);
        expect(a + b).toBeGreaterThanOrEqual(300);
        const closedEvents = await h.database.rows<{ conversation_id: string; n: number }>(sql`
          SELECT e.conversation_id, count(*)::int AS n FROM events e
          JOIN conversations c ON c.id = e.conversation_id
          JOIN channel_threads t ON t.id = c.thread_id
          WHERE e.type = 'conversation.closed' AND t.thread_key LIKE ${`idle-${engine}-%`}
          GROUP BY e.conversation_id`);
        expect(closedEvents).toHaveLength(300);
        expect(closedEvents.every((e) => Number(e.n) === 1)).toBe(true);
        const stillOpen = await h.database.rows(sql`
          SELECT 1 FROM conversations c JOIN channel_threads t ON t.id = c.thread_id
          WHERE c.status = 'open' AND t.thread_key LIKE ${`idle-${engine}-%`}`);
        expect(stillOpen).toHaveLength(0);
      } finally {
        if (second !== h.database) await second.close();
      }
    });
  });
}
