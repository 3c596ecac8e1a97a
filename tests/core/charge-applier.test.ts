import { randomUUID } from "node:crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer } from "../../src/core/agent/types.js";
import { applyPendingCharges, CHARGES_CHANNEL, ChargeApplier } from "../../src/core/charge-applier.js";
import { addLedgerEntry, agentGate } from "../../src/core/credits.js";
import { createWorkspace } from "../../src/core/workspaces.js";
import { openPostgres } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, log, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

const answerer: Answerer = {
  name: "fixed",
  async answer(): Promise<AgentReply> {
    return { action: "answer", text: "We are open from nine.", citations: [] };
  },
};

for (const engine of engines) {
  describe(`charges applied in batches (${engine})`, () => {
    let h: CoreHarness;
    let workspaceId: string;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
      workspaceId = h.workspaceId;
    });
    afterEach(async () => {
      await h.stopWorkers();
      await setBalance(1000);
    });
    afterAll(async () => h?.drop());

    /** A charge as the reply commit and the sweeper write it: pending, for a conversation of its own. */
    async function writeCharge(amount = 1, reason = "test charge") {
      const [row] = await h.db
        .insert(schema.creditLedger)
        .values({
          workspaceId,
          kind: "charge",
          amount: -amount,
          reason,
          conversationId: randomUUID(),
          actor: "system",
        })
        .returning();
      return row!;
    }

    async function storedBalance() {
      const [row] = await h.db
        .select({ balance: schema.creditAccounts.balance })
        .from(schema.creditAccounts)
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      return row!.balance;
    }

    async function pendingCount() {
      const rows = await h.db
        .select({ id: schema.creditLedger.id })
        .from(schema.creditLedger)
        .where(
          and(eq(schema.creditLedger.workspaceId, workspaceId), isNull(schema.creditLedger.balanceAfter)),
        );
      return rows.length;
    }

    async function setBalance(to: number) {
      await applyPendingCharges(h.database);
      await addLedgerEntry(h.db, {
        workspaceId,
        kind: "adjustment",
        amount: to - (await storedBalance()),
        reason: "test",
        actor: "test",
        now: h.clock.now(),
      });
    }

    /** Every entry since `fromId`, in the order written, with the balance each left. */
    async function entriesFrom(fromId: number) {
      return h.db
        .select({
          id: schema.creditLedger.id,
          amount: schema.creditLedger.amount,
          after: schema.creditLedger.balanceAfter,
        })
        .from(schema.creditLedger)
        .where(
          and(eq(schema.creditLedger.workspaceId, workspaceId), sql`${schema.creditLedger.id} >= ${fromId}`),
        )
        .orderBy(asc(schema.creditLedger.id));
    }

    it("a charge waits, unapplied, until it is applied with the others in the order they were written", async () => {
      const before = await storedBalance();
      const first = await writeCharge(1);
      await writeCharge(2);
      await writeCharge(3);
      expect(await storedBalance()).toBe(before);
      expect(await pendingCount()).toBe(3);

      expect(await applyPendingCharges(h.database)).toEqual({ applied: 3, lowBalanceEvents: 0 });
      expect(await storedBalance()).toBe(before - 6);
      expect((await entriesFrom(first.id)).map((e) => e.after)).toEqual([before - 1, before - 3, before - 6]);
      // Nothing is applied twice.
      expect(await applyPendingCharges(h.database)).toEqual({ applied: 0, lowBalanceEvents: 0 });
      expect(await storedBalance()).toBe(before - 6);
    });

    it("a grant applies the charges waiting before it, so the running balance follows the ledger's order", async () => {
      const before = await storedBalance();
      const first = await writeCharge(5);
      const grant = await addLedgerEntry(h.db, {
        workspaceId,
        kind: "grant",
        amount: 20,
        reason: "top-up",
        actor: "test",
        now: h.clock.now(),
      });
      expect(grant.balanceAfter).toBe(before + 15);
      expect(await pendingCount()).toBe(0);
      expect((await entriesFrom(first.id)).map((e) => e.after)).toEqual([before - 5, before + 15]);
    });

    it("one low-balance event for the charge that crosses the threshold, however many are applied together", async () => {
      await setBalance(12);
      await h.db
        .update(schema.creditAccounts)
        .set({ lowBalanceThreshold: 10 })
        .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      try {
        const charges = [];
        for (let i = 0; i < 4; i++) charges.push(await writeCharge(1));
        expect(await applyPendingCharges(h.database)).toEqual({ applied: 4, lowBalanceEvents: 1 });
        const events = await h.db
          .select()
          .from(schema.events)
          .where(
            and(eq(schema.events.workspaceId, workspaceId), eq(schema.events.type, "credits.low_balance")),
          );
        expect(events.map((e) => e.data)).toEqual([
          { balance: 9, threshold: 10, ledgerEntryId: charges[2]!.id },
        ]);
        expect(events[0]!.conversationId).toBe(charges[2]!.conversationId);
      } finally {
        await h.db
          .update(schema.creditAccounts)
          .set({ lowBalanceThreshold: null })
          .where(eq(schema.creditAccounts.workspaceId, workspaceId));
      }
    });

    it("a charge still waiting counts against the credits a new conversation needs", async () => {
      await setBalance(1);
      expect(await agentGate(h.db, h.agentId)).toBe("takes");
      await writeCharge(1);
      expect(await storedBalance()).toBe(1);
      expect(await agentGate(h.db, h.agentId)).toBe("out_of_credits");

      // The message path's own gate (one statement) counts it too: the new conversation goes to people.
      const thread = h.newThread();
      const { messageId } = await h.message("livechat", thread, "hello, can you help me?");
      // No applier runs: the charge is still waiting when the worker decides.
      await h.startWorkers(answerer, 1, { charges: false });
      await h.processed(messageId);
      expect((await h.conversationsOf(thread))[0]).toMatchObject({
        holder: "nobody",
        handoffReason: "out_of_credits",
      });
    });

    it("the applier applies a reply's charge when signalled, and what nobody signalled when it stops", async () => {
      const before = await storedBalance();
      // Polling once an hour: anything applied before that was applied because of a signal.
      const applier = new ChargeApplier({ database: h.database, log, pollMs: 3_600_000 });
      await applier.start();
      try {
        await writeCharge(1);
        await h.database.notify(CHARGES_CHANNEL, workspaceId);
        await waitFor(async () => (await pendingCount()) === 0, { message: "the signalled charge applied" });
        expect(await storedBalance()).toBe(before - 1);

        // A reply's charge: the worker signals it (to this applier: the workers run none of their own).
        await h.startWorkers(answerer, 1, { charges: false });
        const thread = h.newThread();
        await h.message("livechat", thread, "what are your opening hours?");
        await h.waitForOutbound(thread, 1);
        await waitFor(async () => (await storedBalance()) === before - 2, {
          message: "the reply's charge applied",
        });
        await h.stopWorkers();

        // Unsignalled (as from another replica, or written just before a crash): stop applies it.
        await writeCharge(1);
        expect(await pendingCount()).toBe(1);
      } finally {
        await applier.stop();
      }
      expect(await pendingCount()).toBe(0);
      expect(await storedBalance()).toBe(before - 3);
    });

    it("the applier's poll finds charges nobody signalled (another replica's, or written just before a crash)", async () => {
      const before = await storedBalance();
      const applier = new ChargeApplier({ database: h.database, log, pollMs: 50 });
      await applier.start();
      try {
        await writeCharge(1);
        await waitFor(async () => (await pendingCount()) === 0, {
          message: "the unsignalled charge applied",
        });
        expect(await storedBalance()).toBe(before - 1);
      } finally {
        await applier.stop();
      }
    });

    it("a workspace whose charges cannot be applied holds up nobody else's, and its charges wait", async () => {
      const other = await createWorkspace(h.db, "Other shop", undefined, 10, h.clock.now());
      // Something that makes applying fail for one workspace: here a rule its balance would break.
      await h.db.execute(
        sql.raw(`ALTER TABLE credit_accounts ADD CONSTRAINT test_floor
                 CHECK (workspace_id <> '${other.workspaceId}'::uuid OR balance >= 0) NOT VALID`),
      );
      try {
        const before = await storedBalance();
        await h.db.insert(schema.creditLedger).values({
          workspaceId: other.workspaceId,
          kind: "charge",
          amount: -11,
          reason: "test charge",
          conversationId: randomUUID(),
          actor: "system",
        });
        await writeCharge(1);
        const failures: string[] = [];
        const result = await applyPendingCharges(h.database, undefined, (workspace) =>
          failures.push(workspace),
        );
        expect(result.applied).toBe(1);
        expect(failures).toEqual([other.workspaceId]);
        expect(await storedBalance()).toBe(before - 1);
        // Without a handler, the failure is the caller's (the admin API answers with an error).
        await expect(applyPendingCharges(h.database, other.workspaceId)).rejects.toThrow();
      } finally {
        await h.db.execute(sql`ALTER TABLE credit_accounts DROP CONSTRAINT test_floor`);
        await h.db.delete(schema.workspaces).where(eq(schema.workspaces.id, other.workspaceId));
      }
    });

    if (engine === "postgres") {
      it("appliers on several connections at once apply every charge exactly once", async () => {
        const before = await storedBalance();
        const firstId = (await writeCharge(0)).id;
        const others = Array.from({ length: 4 }, () => openPostgres(h.tdb.location, 2));
        try {
          const written = Array.from({ length: 200 }, () => writeCharge(1));
          const applying = Array.from({ length: 40 }, (_, i) =>
            applyPendingCharges(others[i % others.length]!),
          );
          await Promise.all([...written, ...applying]);
          await applyPendingCharges(h.database);
        } finally {
          await Promise.all(others.map((o) => o.close()));
        }
        expect(await storedBalance()).toBe(before - 200);
        const entries = await h.db
          .select({ after: schema.creditLedger.balanceAfter })
          .from(schema.creditLedger)
          .where(
            and(
              eq(schema.creditLedger.workspaceId, workspaceId),
              sql`${schema.creditLedger.id} > ${firstId}`,
            ),
          )
          .orderBy(asc(schema.creditLedger.balanceAfter));
        // Each charge left one credit less than the one applied before it: none was applied twice
        // or skipped. (Their order is the order they committed in, which concurrent writers decide.)
        expect(entries.map((e) => e.after)).toEqual(entries.map((_, i) => before - 200 + i));
      });
    }
  });
}
