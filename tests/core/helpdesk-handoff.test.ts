import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/channels/meta/secret-box.js";
import { BuiltinAnswerer } from "../../src/core/agent/builtin-answerer.js";
import { handoffSettingsSchema } from "../../src/core/handoff/settings.js";
import { TicketWorker } from "../../src/core/helpdesk/ticket-worker.js";
import { systemText } from "../../src/core/texts.js";
import * as schema from "../../src/db/schema.js";
import { type CoreHarness, log, startCoreHarness } from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { GorgiasStub } from "../helpers/gorgias-stub.js";
import { waitFor } from "../helpers/wait.js";
import { ZendeskStub } from "../helpers/zendesk-stub.js";

/**
 * Help-desk mode end to end: the agent offers a person, asks an anonymous visitor for their
 * email (again, if it is not one), and the ticket reaches local Zendesk and Gorgias servers with
 * the timestamped transcript, the email and the contact's id; failures are retried, and when they
 * do not heal the customer is told and the conversation waits in the built-in queue.
 */
for (const engine of engines) {
  describe(`help-desk tickets (${engine})`, () => {
    let h: CoreHarness;
    let zendesk: ZendeskStub;
    let gorgias: GorgiasStub;
    let tickets: TicketWorker;
    const secrets = new SecretBox(randomBytes(32));
    let urls: { zendesk: string; gorgias: string };

    beforeAll(async () => {
      h = await startCoreHarness(engine);
      zendesk = new ZendeskStub();
      gorgias = new GorgiasStub();
      urls = { zendesk: (await zendesk.start()).url, gorgias: (await gorgias.start()).url };
      await h.startWorkers(new BuiltinAnswerer());
      tickets = new TicketWorker({
        database: h.database,
        clock: h.clock,
        log,
        secrets,
        adapters: h.adapters,
        pollMs: 50,
        leaseMs: 5_000,
        maxAttempts: 3,
        retryDelayMs: () => 10,
      });
      await tickets.start();
    });
    afterAll(async () => {
      await tickets?.stop(5_000);
      await zendesk?.stop();
      await gorgias?.stop();
      await h?.drop();
    });

    async function useHelpdesk(helpdesk: Record<string, unknown>) {
      const settings = handoffSettingsSchema.parse({ whenAgentCannotAnswer: "helpdesk_ticket", helpdesk });
      await h.db.update(schema.agents).set({ handoff: settings }).where(eq(schema.agents.id, h.agentId));
    }

    const zendeskSettings = () => ({
      provider: "zendesk",
      baseUrl: urls.zendesk,
      email: zendesk.credentials.email,
      apiToken: secrets.seal(zendesk.credentials.apiToken),
    });

    /** Says `texts` one by one on `thread`, waiting for each answer. */
    async function say(thread: string, texts: string[], kind: schema.ChannelKind = "livechat") {
      for (const text of texts) {
        const before = (await h.outboundOf(thread)).length;
        const r = await h.message(kind, thread, text);
        await h.processed(r.messageId);
        await h.waitForOutbound(thread, before + 1).catch(() => {});
      }
      return (await h.outboundOf(thread)).map((m) => m.text);
    }

    it("asks an anonymous visitor for an email, again when it is not one, and files the Zendesk ticket with the transcript", async () => {
      await useHelpdesk(zendeskSettings());
      const thread = h.newThread();
      const told = await say(thread, [
        "Do you sell bicycles?",
        "yes please",
        "it is jane at example",
        "jane.doe@example.com",
      ]);
      expect(told.slice(0, 3)).toEqual([
        systemText("helpdeskOffer", "en"),
        systemText("helpdeskAskEmail", "en"),
        systemText("helpdeskEmailInvalid", "en"),
      ]);
      await waitFor(() => zendesk.tickets.length === 1, { message: "the Zendesk ticket" });
      const ticket = zendesk.tickets[0]!.input;
      const [conv] = await h.conversationsOf(thread);
      expect(ticket.requester?.email).toBe("jane.doe@example.com");
      expect(ticket.external_id).toBe(conv!.id);
      expect(ticket.comment.body).toContain(conv!.contactId);
      expect(ticket.comment.body).toMatch(
        /\[\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\] Customer: Do you sell bicycles\?/,
      );
      expect(ticket.comment.body).toContain("jane.doe@example.com");

      await waitFor(async () => (await h.conversationsOf(thread))[0]?.status === "closed", {
        message: "the chat to end",
      });
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ closeReason: "helpdesk_ticket" });
      expect((await h.outboundOf(thread)).at(-1)?.text).toBe(
        systemText("ticketCreatedByEmail", "en", { email: "jane.doe@example.com" }),
      );
      const [contact] = await h.db
        .select()
        .from(schema.contacts)
        .where(eq(schema.contacts.id, conv!.contactId));
      expect(contact?.email).toBe("jane.doe@example.com");
      const events = await h.db
        .select()
        .from(schema.events)
        .where(eq(schema.events.conversationId, conv!.id));
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["handoff.requested", "handoff.completed", "conversation.closed"]),
      );
    });

    it("files a Gorgias ticket for a customer who asks for a person and whose email is known", async () => {
      await useHelpdesk({
        provider: "gorgias",
        baseUrl: urls.gorgias,
        username: gorgias.credentials.username,
        apiKey: secrets.seal(gorgias.credentials.apiKey),
      });
      const thread = h.newThread();
      await say(thread, ["What are your opening hours?"], "email");
      const [conv] = await h.conversationsOf(thread);
      await h.db
        .update(schema.contacts)
        .set({ email: "kim@example.org" })
        .where(eq(schema.contacts.id, conv!.contactId));
      await say(thread, ["I would like to talk to a person"], "email");
      await waitFor(() => gorgias.tickets.length === 1, { message: "the Gorgias ticket" });
      const ticket = gorgias.tickets[0]!.input;
      expect(ticket.customer?.email).toBe("kim@example.org");
      const body = ticket.messages.map((m) => m.body_text ?? "").join("\n");
      expect(body).toContain("What are your opening hours?");
      expect(body).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      expect(JSON.stringify(ticket)).toContain(conv!.contactId);
    });

    it("retries a failing help desk, then tells the customer honestly and leaves the conversation in the queue", async () => {
      await useHelpdesk(zendeskSettings());
      zendesk.failNext(3, { status: 500 });
      const thread = h.newThread();
      await h.db.insert(schema.contacts).values({
        workspaceId: h.workspaceId,
        channelAccountId: h.accounts.messenger,
        externalId: `contact-${thread}`,
        email: "lee@example.net",
      });
      await say(thread, ["I want to speak to a human"], "messenger");
      await waitFor(
        async () => (await h.outboundOf(thread)).some((m) => m.text === systemText("ticketFailed", "en")),
        {
          message: "the honest failure message",
        },
      );
      expect(zendesk.requestCount).toBeGreaterThanOrEqual(3);
      expect(zendesk.tickets.filter((t) => t.input.requester?.email === "lee@example.net")).toHaveLength(0);
      const [conv] = await h.conversationsOf(thread);
      expect(conv).toMatchObject({ status: "open", holder: "nobody", handoffReason: "helpdesk_ticket" });
      const [ticketRow] = await h.db
        .select()
        .from(schema.helpdeskTickets)
        .where(eq(schema.helpdeskTickets.conversationId, conv!.id));
      expect(ticketRow).toMatchObject({ state: "failed", attempts: 3 });
      const events = await h.db
        .select()
        .from(schema.events)
        .where(eq(schema.events.conversationId, conv!.id));
      expect(events.map((e) => e.type)).toContain("handoff.failed");
    });

    it("the built-in inbox: on yes, the conversation goes to people, who can pick the chat up live", async () => {
      await useHelpdesk({ provider: "builtin" });
      const thread = h.newThread();
      await h.db.insert(schema.contacts).values({
        workspaceId: h.workspaceId,
        channelAccountId: h.accounts.livechat,
        externalId: `contact-${thread}`,
        email: "ali@example.com",
      });
      const told = await say(thread, ["Do you repair scooters?", "yes please"]);
      expect(told[0]).toBe(systemText("helpdeskOffer", "en"));
      const [conv] = await h.conversationsOf(thread);
      expect(conv).toMatchObject({ status: "open", holder: "nobody", handoffReason: "helpdesk_ticket" });
      const [ticketRow] = await h.db
        .select()
        .from(schema.helpdeskTickets)
        .where(eq(schema.helpdeskTickets.conversationId, conv!.id));
      expect(ticketRow).toMatchObject({
        provider: "builtin",
        state: "created",
        requesterEmail: "ali@example.com",
      });
    });

    it("drops the offer when the customer says no, and answers what they ask next", async () => {
      await useHelpdesk({ provider: "builtin" });
      const thread = h.newThread();
      const told = await say(thread, ["Do you repair scooters?", "no thanks"]);
      expect(told).toEqual([systemText("helpdeskOffer", "en"), systemText("helpdeskDeclined", "en")]);
      expect((await h.conversationsOf(thread))[0]).toMatchObject({ holder: "agent", handoffStep: null });
    });
  });
}
