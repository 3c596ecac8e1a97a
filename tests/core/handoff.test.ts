import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer, AnswerRequest } from "../../src/core/agent/types.js";
import { availabilityMessage } from "../../src/core/availability/availability-texts.js";
import type { HandoffSettings } from "../../src/core/handoff/settings.js";
import { handoffSettingsSchema } from "../../src/core/handoff/settings.js";
import { claimConversation, replyAsPerson } from "../../src/core/inbox.js";
import { systemText } from "../../src/core/texts.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Answers questions about opening hours; anything else it cannot answer (as the built-in
 * answerer says when its content has nothing). Can be held, to act while "the LLM" is busy.
 */
class ShopAnswerer implements Answerer {
  readonly name = "shop";
  calls = 0;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  #started: (() => void) | undefined;

  hold(): Promise<void> {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
    return new Promise((resolve) => {
      this.#started = resolve;
    });
  }
  release(): void {
    this.#release?.();
    this.#held = undefined;
  }
  async answer(req: AnswerRequest): Promise<AgentReply> {
    this.calls += 1;
    this.#started?.();
    await this.#held;
    if (/hours|open/i.test(req.question)) {
      return { action: "answer", text: "We are open Monday to Friday, 9:00 to 17:00.", citations: [] };
    }
    return {
      action: "clarify",
      text: systemText("notFound", req.language),
      citations: [],
      reason: "no_match",
    };
  }
}

for (const engine of engines) {
  describe(`hand-off to people (${engine})`, () => {
    let h: CoreHarness;
    const answerer = new ShopAnswerer();

    beforeAll(async () => {
      h = await startCoreHarness(engine, new Date("2026-03-02T10:00:00Z")); // a Monday, 11:00 in Amsterdam
      await h.startWorkers(answerer);
    });
    afterEach(async () => {
      answerer.release();
      await h.db
        .update(schema.workspaces)
        .set({ businessHours: null })
        .where(eq(schema.workspaces.id, h.workspaceId));
      await h.db.delete(schema.users);
      await setHandoff({});
    });
    afterAll(async () => h?.drop());

    async function setHandoff(input: Record<string, unknown>): Promise<HandoffSettings> {
      const settings = handoffSettingsSchema.parse(input);
      await h.db.update(schema.agents).set({ handoff: settings }).where(eq(schema.agents.id, h.agentId));
      return settings;
    }

    async function user(name: string, fields: Partial<typeof schema.users.$inferInsert> = {}) {
      const [row] = await h.db
        .insert(schema.users)
        .values({ workspaceId: h.workspaceId, name, email: `${name.toLowerCase()}@shop.example`, ...fields })
        .returning();
      return row!;
    }

    /** A conversation held by `userId`, so capacity counts have something to count. */
    async function occupy(userId: string) {
      const thread = h.newThread();
      const r = await h.message("messenger", thread, "what are your opening hours?");
      await h.processed(r.messageId);
      const [conv] = await h.conversationsOf(thread);
      await h.db
        .update(schema.conversations)
        .set({ holder: "user", holderId: userId })
        .where(eq(schema.conversations.id, conv!.id));
    }

    /** Sends `text` on a new thread and returns what the customer was told and who holds it now. */
    async function handOffWith(text: string, kind: schema.ChannelKind = "messenger", locale = "en-US") {
      const thread = h.newThread();
      const r = await h.message(kind, thread, text, { locale });
      await h.processed(r.messageId);
      await h.waitForOutbound(thread, 1);
      const [conv] = await h.conversationsOf(thread);
      return { thread, conv: conv!, told: (await h.outboundOf(thread)).map((m) => m.text) };
    }

    it("hands off at once on a trigger word, in Dutch, Swedish and German, inflected; a word that merely contains it does not", async () => {
      await setHandoff({
        triggers: [
          {
            phrase: "refund",
            translations: { nl: ["terugbetaling"], sv: ["återbetalning"], de: ["Rückerstattung"] },
          },
        ],
      });
      const cases = [
        ["Ik wil graag een terugbetaling voor mijn bestelling", "nl-NL"],
        ["Jag vill ha återbetalningen för min order", "sv-SE"],
        ["Ich möchte Rückerstattungen für zwei Bestellungen", "de-DE"],
        ["I was refunded twice, what now?", "en-US"],
      ] as const;
      for (const [text, locale] of cases) {
        const { conv, told } = await handOffWith(text, "whatsapp", locale);
        expect(conv).toMatchObject({ holder: "nobody", handoffReason: "trigger" });
        expect(told).toHaveLength(1);
      }
      const thread = h.newThread();
      await h.message("whatsapp", thread, "Are your opening hours refundable?");
      await h.waitForOutbound(thread, 1);
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "agent" });
      expect((await h.outboundOf(thread))[0]).toMatchObject({ author: "agent" });
    });

    it("hands off when the customer asks for a person, whatever the setting for unanswerable questions", async () => {
      await setHandoff({ whenAgentCannotAnswer: "stay_assigned" });
      const { conv } = await handOffWith("Kan ik een medewerker spreken?", "livechat", "nl-NL");
      expect(conv).toMatchObject({ holder: "nobody", handoffReason: "customer_asked" });
    });

    it("transfer: asks to rephrase once, then hands off", async () => {
      const thread = h.newThread();
      await h.message("livechat", thread, "Do you sell bicycles?");
      await h.waitForOutbound(thread, 1);
      expect((await h.outboundOf(thread))[0]).toMatchObject({
        author: "agent",
        text: systemText("notFound", "en"),
      });
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "agent" });

      await h.message("livechat", thread, "Bicycles, the ones with two wheels?");
      await h.waitForOutbound(thread, 2);
      const [conv] = await h.conversationsOf(thread);
      expect(conv).toMatchObject({ holder: "nobody", handoffReason: "agent_cannot_answer" });
      expect((await h.outboundOf(thread))[1]).toMatchObject({
        author: "system",
        text: availabilityMessage({ state: "available", language: "en" }),
      });
    });

    it("stay assigned: says a hand-off is not available and keeps the conversation", async () => {
      await setHandoff({
        whenAgentCannotAnswer: "stay_assigned",
        handoffUnavailableMessage: { en: "No humans here, sorry!" },
      });
      const thread = h.newThread();
      for (const [i, text] of ["Do you sell bicycles?", "And scooters?"].entries()) {
        await h.message("messenger", thread, text);
        await h.waitForOutbound(thread, i + 1);
      }
      expect((await h.outboundOf(thread)).map((m) => m.text)).toEqual([
        "No humans here, sorry!",
        "No humans here, sorry!",
      ]);
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "agent", handedOffAt: null });
    });

    it("custom message: sends the configured message instead of handing off", async () => {
      await setHandoff({
        whenAgentCannotAnswer: "custom_message",
        customMessage: { en: "See https://help.shop.example for answers." },
      });
      const { conv, told } = await handOffWith("I want to talk to a human");
      expect(told).toEqual(["See https://help.shop.example for answers."]);
      expect(conv).toMatchObject({ holder: "agent" });
    });

    describe("availability, computed once at the hand-off", () => {
      const amsterdam = {
        timeZone: "Europe/Amsterdam",
        weekly: [
          { day: "mon", start: "09:00", end: "17:00" },
          { day: "mon", start: "22:00", end: "06:00" },
          { day: "tue", start: "09:00", end: "17:00" },
        ],
        holidays: ["2026-03-03"],
      };
      const hoursNow = async () =>
        h.db
          .update(schema.workspaces)
          .set({ businessHours: amsterdam })
          .where(eq(schema.workspaces.id, h.workspaceId));

      it("available: a member is in and has room", async () => {
        await hoursNow();
        const sam = await user("Sam");
        await setHandoff({ assignTo: { kind: "users_and_teams", userIds: [sam.id] } });
        const { conv, told } = await handOffWith("I want to talk to a person");
        expect(told).toEqual([availabilityMessage({ state: "available", language: "en" })]);
        expect(conv).toMatchObject({ holder: "user", holderId: sam.id });
      });

      it("away: nobody of the team is available", async () => {
        await hoursNow();
        const sam = await user("Sam", { status: "away" });
        await setHandoff({ assignTo: { kind: "users_and_teams", userIds: [sam.id] } });
        const { conv, told } = await handOffWith("I want to talk to a person");
        expect(told).toEqual([availabilityMessage({ state: "away", language: "en" })]);
        expect(conv).toMatchObject({ holder: "nobody" });
      });

      it("at maximum capacity: everyone available is full", async () => {
        await hoursNow();
        const sam = await user("Sam", { maxOpenConversations: 1 });
        await occupy(sam.id);
        await setHandoff({ assignTo: { kind: "users_and_teams", userIds: [sam.id] } });
        const { conv, told } = await handOffWith("I want to talk to a person");
        expect(told).toEqual([availabilityMessage({ state: "at_capacity", language: "en" })]);
        expect(conv).toMatchObject({ holder: "nobody" });
      });

      it("outside business hours, and open again on the overnight shift but not on the holiday", async () => {
        await hoursNow();
        await user("Sam");
        const at = (iso: string) => h.clock.set(new Date(iso));
        try {
          at("2026-03-02T18:00:00Z"); // Monday 19:00 in Amsterdam: between the shifts
          const evening = await handOffWith("Ik wil een medewerker spreken", "messenger", "nl-NL");
          expect(evening.told[0]).toContain(
            availabilityMessage({
              state: "outside_hours",
              language: "nl",
              nextOpening: new Date("2026-03-02T21:00:00Z"),
              timeZone: "Europe/Amsterdam",
            }),
          );
          at("2026-03-03T02:00:00Z"); // Tuesday 03:00: Monday's overnight shift still runs
          expect((await handOffWith("I want to talk to a person")).told).toEqual([
            availabilityMessage({ state: "available", language: "en" }),
          ]);
          at("2026-03-03T10:00:00Z"); // Tuesday 11:00, but Tuesday is a holiday
          const holiday = await handOffWith("I want to talk to a person");
          expect(holiday.told[0]).toBe(
            availabilityMessage({
              state: "outside_hours",
              language: "en",
              nextOpening: new Date("2026-03-09T08:00:00Z"),
              timeZone: "Europe/Amsterdam",
            }),
          );
        } finally {
          at("2026-03-02T10:00:00Z");
        }
      });
    });

    it("routes round robin over available members with room, skipping the away and the full", async () => {
      const [ann, bob, cat, dan] = [
        await user("Ann"),
        await user("Bob"),
        await user("Cat", { status: "away" }),
        await user("Dan", { maxOpenConversations: 1 }),
      ];
      await occupy(dan.id);
      const team = (
        await h.db.insert(schema.teams).values({ workspaceId: h.workspaceId, name: "Support" }).returning()
      )[0]!;
      await h.db
        .insert(schema.teamMembers)
        .values([ann, bob, cat, dan].map((u) => ({ teamId: team.id, userId: u.id })));
      await setHandoff({ assignTo: { kind: "users_and_teams", teamIds: [team.id] } });
      const holders: (string | null)[] = [];
      for (let i = 0; i < 4; i++)
        holders.push((await handOffWith("Please connect me with a person")).conv.holderId);
      // Where the cursor starts depends on earlier hand-offs; from there it alternates over Ann and Bob.
      expect(new Set(holders)).toEqual(new Set([ann.id, bob.id]));
      expect(holders[0]).not.toBe(holders[1]);
      expect(holders.slice(2)).toEqual(holders.slice(0, 2));
    });

    it("routes to the contact's owner, and to the queue when the route finds nobody", async () => {
      const owner = await user("Olga");
      await setHandoff({ assignTo: { kind: "owner" } });
      const thread = h.newThread();
      const first = await h.message("email", thread, "What are your opening hours?");
      await h.processed(first.messageId);
      const [conv] = await h.conversationsOf(thread);
      await h.db
        .update(schema.contacts)
        .set({ ownerUserId: owner.id })
        .where(eq(schema.contacts.id, conv!.contactId));
      await h.message("email", thread, "I want to talk to a person please");
      await waitFor(async () => (await h.conversationsOf(thread))[0]?.holder !== "agent");
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "user", holderId: owner.id });

      await setHandoff({ assignTo: { kind: "nobody" } });
      const { conv: queued } = await handOffWith("I want to talk to a person");
      expect(queued).toMatchObject({ holder: "nobody", holderId: null });
      const events = await h.db
        .select()
        .from(schema.events)
        .where(eq(schema.events.conversationId, queued.id));
      expect(events.map((e) => e.type)).toEqual(["handoff.requested"]);
    });

    it("a person's reply reaches the customer on the channel they wrote from, and the agent stays silent", async () => {
      const sam = await user("Sam");
      const { thread, conv } = await handOffWith("I want to talk to a person", "whatsapp");
      await replyAsPerson(
        { database: h.database, clock: h.clock, adapters: h.adapters },
        {
          workspaceId: h.workspaceId,
          conversationId: conv.id,
          userId: sam.id,
          text: "Hi, Sam here. How can I help?",
        },
      );
      const whatsapp = h.adapters.get("whatsapp")!;
      await waitFor(() => whatsapp.sent.some((m) => m.text === "Hi, Sam here. How can I help?"));
      expect(whatsapp.sent.find((m) => m.text.startsWith("Hi, Sam"))).toMatchObject({
        authorKind: "user",
        threadKey: thread,
      });
      const calls = answerer.calls;
      const r = await h.message("whatsapp", thread, "What are your opening hours?");
      await h.processed(r.messageId);
      expect(answerer.calls).toBe(calls);
      expect((await h.outboundOf(thread)).map((m) => m.author)).toEqual(["system", "user"]);
    });

    it("the race: a person claims while the LLM call is in flight, and the agent's reply is never delivered", async () => {
      const sam = await user("Sam");
      const started = answerer.hold();
      const thread = h.newThread();
      const r = await h.message("messenger", thread, "What are your opening hours?");
      await started;
      // A new conversation is started while the answerer works (ThreadWorker.#startLater): the
      // person claims it once it shows, with the LLM call still in flight.
      await waitFor(async () => (await h.conversationsOf(thread)).length === 1);
      const [conv] = await h.conversationsOf(thread);
      await claimConversation(
        { database: h.database, clock: h.clock, adapters: h.adapters },
        { workspaceId: h.workspaceId, conversationId: conv!.id, userId: sam.id },
      );
      answerer.release();
      await h.processed(r.messageId);
      expect(await h.outboundOf(thread)).toEqual([]);
      const messenger = h.adapters.get("messenger")!;
      expect(messenger.sent.some((m) => m.threadKey === thread)).toBe(false);
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "user", holderId: sam.id });
    });
  });
}
