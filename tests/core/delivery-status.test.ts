import { eq } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceDeliveryState, applyEarlyReports } from "../../src/core/delivery-status.js";
import type { Database } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { overriding } from "../helpers/database-override.js";
import { engines } from "../helpers/db.js";

const dialect = new PgDialect();

/**
 * The database, except that `before` runs just before the first statement whose text contains
 * `marker`: what another process commits at that moment, in the middle of the code under test.
 */
function interleaving(database: Database, marker: string, before: () => Promise<void>): Database {
  let done = false;
  return overriding(database, {
    async rows(query, tx) {
      if (!done && dialect.sqlToQuery(query).sql.includes(marker)) {
        done = true;
        await before();
      }
      return database.rows(query, tx);
    },
  });
}

for (const engine of engines) {
  describe(`delivery reports that race the send's own record (${engine})`, () => {
    let h: CoreHarness;
    let n = 0;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterAll(async () => h?.drop());

    /** A reply handed to WhatsApp whose send has not been recorded yet (no platform id). */
    async function replyInFlight(): Promise<{ replyId: string; wamid: string }> {
      const thread = h.newThread();
      const { messageId } = await h.message("whatsapp", thread, "Do you ship abroad?");
      const [inbound] = await h.db.select().from(schema.messages).where(eq(schema.messages.id, messageId));
      const [reply] = await h.db
        .insert(schema.messages)
        .values({
          workspaceId: h.workspaceId,
          channelAccountId: h.accounts.whatsapp,
          threadId: inbound!.threadId,
          seq: inbound!.seq + 1,
          direction: "out",
          authorKind: "agent",
          text: "Yes, to 30 countries.",
          inReplyToId: messageId,
          deliveryState: "pending",
        })
        .returning();
      return { replyId: reply!.id, wamid: `wamid.race-${engine}-${++n}` };
    }

    /** What the delivery worker records once WhatsApp answered the send. */
    const recordSend = (replyId: string, wamid: string) => async () => {
      await h.db
        .update(schema.messages)
        .set({ channelMessageId: wamid, deliveryState: "sent" })
        .where(eq(schema.messages.id, replyId));
    };

    const stateOf = async (replyId: string) =>
      (await h.db.select().from(schema.messages).where(eq(schema.messages.id, replyId)))[0]?.deliveryState;
    const keptReports = async (wamid: string) =>
      h.db
        .select()
        .from(schema.earlyDeliveryReports)
        .where(eq(schema.earlyDeliveryReports.channelMessageId, wamid));

    it("applies a report whose send is recorded while the report is being handled, and keeps nothing", async () => {
      const { replyId, wamid } = await replyInFlight();
      // The send's record commits just as the report is about to be kept for later.
      const database = interleaving(h.database, "early_delivery_reports", recordSend(replyId, wamid));
      const moved = await advanceDeliveryState(database, {
        channelAccountId: h.accounts.whatsapp,
        channelMessageId: wamid,
        state: "delivered",
      });
      expect(moved?.messageId).toBe(replyId);
      expect(await stateOf(replyId)).toBe("delivered");
      expect(await keptReports(wamid)).toEqual([]);
    });

    it("applies a kept report once the send is recorded after it, and forgets it", async () => {
      const { replyId, wamid } = await replyInFlight();
      const report = {
        channelAccountId: h.accounts.whatsapp,
        channelMessageId: wamid,
        state: "read" as const,
      };
      expect(await advanceDeliveryState(h.database, report)).toBeUndefined();
      expect(await keptReports(wamid)).toHaveLength(1);
      // A redelivery of the same report keeps nothing more.
      expect(await advanceDeliveryState(h.database, report)).toBeUndefined();
      expect(await keptReports(wamid)).toHaveLength(1);
      await recordSend(replyId, wamid)();
      const applied = await applyEarlyReports(h.database, h.accounts.whatsapp, wamid);
      expect(applied.map((a) => [a.report.state, a.moved.messageId])).toEqual([["read", replyId]]);
      expect(await stateOf(replyId)).toBe("read");
      expect(await keptReports(wamid)).toEqual([]);
    });

    it("never moves a message backwards, and keeps no report for a message it knows", async () => {
      const { replyId, wamid } = await replyInFlight();
      await recordSend(replyId, wamid)();
      const report = (state: "sent" | "delivered") => ({
        channelAccountId: h.accounts.whatsapp,
        channelMessageId: wamid,
        state,
      });
      expect((await advanceDeliveryState(h.database, report("delivered")))?.messageId).toBe(replyId);
      expect(await advanceDeliveryState(h.database, report("sent"))).toBeUndefined();
      expect(await stateOf(replyId)).toBe("delivered");
      expect(await keptReports(wamid)).toEqual([]);
    });
  });
}
