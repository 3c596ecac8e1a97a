import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../../../src/core/channel.js";
import { ManualClock } from "../../../src/core/clock.js";
import { engines } from "../../helpers/db.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { Visitor } from "../../helpers/visitor.js";

/**
 * A visitor who comes back (another page, a reload) gets their chat back while it is open, and a
 * fresh conversation in the same widget once it has closed after 24 h of silence.
 */
for (const engine of engines) {
  describe(`live chat: a returning visitor (${engine})`, () => {
    let gateway: TestParley;
    const clock = new ManualClock(new Date());

    beforeAll(async () => {
      gateway = await startTestParley(engine, { clock, env: { WORK_POLL_MS: "100" } });
    });
    afterAll(async () => gateway?.stop());

    it("sees the open chat again, and a fresh one after the close", async () => {
      const first = await Visitor.arrive(gateway.url);
      expect(first.grant.resumed).toBe(false);
      await first.say("What are your opening hours?");
      await first.waitForBotMessages(1);

      const back = await Visitor.arrive(gateway.url, first.grant.token);
      expect(back.grant).toMatchObject({
        resumed: true,
        conversationId: first.grant.conversationId,
        userId: first.grant.userId,
        header: { poweredByAi: true },
      });
      expect(await back.botMessages()).toHaveLength(1);

      clock.advance(24 * HOUR_MS + 60_000);
      expect(await gateway.parley.sweeper.sweep()).toBeGreaterThanOrEqual(1);
      const later = await Visitor.arrive(gateway.url, back.grant.token);
      expect(later.grant.resumed).toBe(false);
      expect(later.grant.conversationId).not.toBe(first.grant.conversationId);
      expect(later.grant.header.poweredByAi).toBe(true);
      expect(await later.botMessages()).toEqual([]);
      await later.say("Do you ship to Norway?");
      await later.waitForBotMessages(1);
    });

    it("never resumes with a token it did not sign", async () => {
      const visitor = await Visitor.arrive(gateway.url);
      const [head, body] = visitor.grant.token.split(".");
      const forged = `${head}.${body}.${Buffer.alloc(32).toString("base64url")}`;
      const other = await Visitor.arrive(gateway.url, forged);
      expect(other.grant.resumed).toBe(false);
      expect(other.grant.conversationId).not.toBe(visitor.grant.conversationId);
      const garbage = await Visitor.arrive(gateway.url, "not a token");
      expect(garbage.grant.resumed).toBe(false);
    });
  });
}
