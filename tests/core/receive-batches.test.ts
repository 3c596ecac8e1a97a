import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundMessage } from "../../src/core/channel.js";
import { receiveInbound } from "../../src/core/receive.js";
import { createWorkspace } from "../../src/core/workspaces.js";
import type { Database } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { engines, freshDatabase, type TestDatabase } from "../helpers/db.js";

/**
 * Acknowledgements that arrive together are stored together (group commit): these send bursts
 * far bigger than the ingest lane (one connection), so most messages share a statement with others.
 */
for (const engine of engines) {
  describe(`storing inbound messages in batches (${engine})`, () => {
    let tdb: TestDatabase;
    let workspaceId: string;
    let accountId: string;

    beforeAll(async () => {
      tdb = await freshDatabase(engine);
      const { db } = tdb.database;
      ({ workspaceId } = await createWorkspace(db, "Shop"));
      const [account] = await db
        .insert(schema.channelAccounts)
        .values({ workspaceId, kind: "livechat", name: "site", externalId: `w-${engine}` })
        .returning();
      accountId = account!.id;
    });
    afterAll(async () => tdb.drop());

    const inbound = (threadKey: string, id: string, text = id): InboundMessage => ({
      channelAccountId: accountId,
      workspaceId,
      threadKey,
      contact: { externalId: `user-${threadKey}` },
      channelMessageId: id,
      text,
    });

    const storedIn = async (threadKey: string) => {
      const [thread] = await tdb.database.db
        .select()
        .from(schema.channelThreads)
        .where(eq(schema.channelThreads.threadKey, threadKey));
      const rows = await tdb.database.db
        .select({ seq: schema.messages.seq, text: schema.messages.text })
        .from(schema.messages)
        .where(eq(schema.messages.threadId, thread!.id));
      return { thread: thread!, seqs: rows.map((r) => r.seq).sort((a, b) => a - b), count: rows.length };
    };

    it("gives every message of a burst its own place in its thread, with no gaps", async () => {
      const threads = ["b-1", "b-2", "b-3", "b-4", "b-5"];
      const burst = Array.from({ length: 300 }, (_, i) => inbound(threads[i % 5]!, `burst-${i}`));
      const received = await Promise.all(burst.map((m) => receiveInbound(tdb.database, m)));
      expect(received.every((r) => !r.duplicate)).toBe(true);
      expect(new Set(received.map((r) => r.messageId)).size).toBe(300);
      for (const key of threads) {
        const { thread, seqs } = await storedIn(key);
        expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        expect(thread.lastSeq).toBe(60);
      }
      // Within a thread, the seq each caller was told is the one stored, and all are distinct.
      for (const key of threads) {
        const told = received.filter((_, i) => burst[i]!.threadKey === key).map((r) => r.seq);
        expect(new Set(told).size).toBe(60);
      }
      const work = await tdb.database.db.select().from(schema.threadWork);
      const queuedThreads = new Set(work.map((w) => w.threadId));
      for (const key of threads) expect(queuedThreads.has((await storedIn(key)).thread.id)).toBe(true);
    });

    it("runs one storing statement at a time, each taking everything that arrived while the last ran", async () => {
      // The same database, with its statements on the ingest lane watched.
      let running = 0;
      let mostAtOnce = 0;
      let statements = 0;
      const watched: Database = Object.create(tdb.database, {
        query: {
          value: async (text: string, params: readonly unknown[], options?: { lane?: "ingest" }) => {
            if (options?.lane !== "ingest") return tdb.database.query(text, params, options);
            statements += 1;
            mostAtOnce = Math.max(mostAtOnce, ++running);
            try {
              return await tdb.database.query(text, params, options);
            } finally {
              running -= 1;
            }
          },
        },
      });
      const burst = Array.from({ length: 300 }, (_, i) => inbound(`one-${i % 7}`, `one-at-a-time-${i}`));
      const received = await Promise.all(burst.map((m) => receiveInbound(watched, m)));
      expect(new Set(received.map((r) => r.messageId)).size).toBe(300);
      expect(mostAtOnce).toBe(1);
      // The first message goes alone (nothing is held back on purpose); the other 299 wait for
      // it and go in statements of at most 64: five.
      expect(statements).toBe(6);
    });

    it("stores concurrent copies of one message once, and tells every other copy it is a duplicate", async () => {
      const copies = Array.from({ length: 12 }, () => inbound("d-1", "same-message", "hello"));
      const others = Array.from({ length: 20 }, (_, i) => inbound(`d-${i % 3}`, `other-${i}`));
      // The others go first and take every free slot, so the copies wait and share one batch.
      const received = await Promise.all([...others, ...copies].map((m) => receiveInbound(tdb.database, m)));
      const forCopies = received.slice(others.length);
      expect(forCopies.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(forCopies.map((r) => r.messageId)).size).toBe(1);
      expect(new Set(forCopies.map((r) => r.seq)).size).toBe(1);
      const rows = await tdb.database.db
        .select()
        .from(schema.messages)
        .where(eq(schema.messages.channelMessageId, "same-message"));
      expect(rows).toHaveLength(1);
      // A later redelivery finds it too.
      const again = await receiveInbound(tdb.database, inbound("d-1", "same-message", "hello"));
      expect(again).toMatchObject({ duplicate: true, messageId: rows[0]!.id, seq: rows[0]!.seq });
    });

    it("fails only the message that cannot be stored; the rest of its batch is stored", async () => {
      const good = Array.from({ length: 30 }, (_, i) => inbound(`g-${i % 4}`, `good-${i}`));
      const bad: InboundMessage = { ...inbound("g-bad", "bad-1"), channelAccountId: randomUUID() };
      const all = [...good.slice(0, 15), bad, ...good.slice(15)];
      const outcomes = await Promise.allSettled(all.map((m) => receiveInbound(tdb.database, m)));
      expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(1);
      expect(outcomes[15]!.status).toBe("rejected");
      for (let i = 0; i < 4; i++) {
        const { count } = await storedIn(`g-${i}`);
        expect(count).toBeGreaterThanOrEqual(7);
      }
      const stored = await tdb.database.db
        .select({ id: schema.messages.channelMessageId })
        .from(schema.messages);
      const ids = new Set(stored.map((s) => s.id));
      for (const m of good) expect(ids.has(m.channelMessageId)).toBe(true);
    });
  });
}
