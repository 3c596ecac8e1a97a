import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../src/core/events/webhook-signature.js";
import * as schema from "../../src/db/schema.js";
import {
  auditEntrySchema,
  conversationChargeSchema,
  creditAccountSchema,
  ledgerEntrySchema,
} from "../../src/http/admin/schemas/credits.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";
import { AdminClient, expectError, expectShape, MISSING_ID, otherWorkspace } from "./admin-client.js";

interface Credits {
  balance: number;
  pricePerConversation: number;
  chargeRule: string;
  lowBalanceThreshold: number | null;
  agentsTakeNewConversations: boolean;
}
interface LedgerEntry {
  id: number;
  kind: string;
  amount: number;
  balanceAfter: number;
  reason: string;
  conversationId: string | null;
  actor: string;
}
interface AuditEntry {
  action: string;
  actor: string;
  subjectId: string | null;
  details: Record<string, unknown>;
}

/** A visitor on a live chat: a Direct Line conversation reached with `token`. */
async function chat(
  url: string,
  grant: { token: string; conversationId: string; userId: string },
  text: string,
) {
  const headers = { authorization: `Bearer ${grant.token}`, "content-type": "application/json" };
  await fetch(`${url}/v3/directline/conversations`, {
    method: "POST",
    headers,
    body: JSON.stringify({ user: { id: grant.userId } }),
  });
  const posted = await fetch(`${url}/v3/directline/conversations/${grant.conversationId}/activities`, {
    method: "POST",
    headers,
    body: JSON.stringify({ type: "message", from: { id: grant.userId, role: "user" }, text }),
  });
  expect(posted.status).toBe(200);
  const botTexts = async () => {
    const res = await fetch(`${url}/v3/directline/conversations/${grant.conversationId}/activities`, {
      headers: { authorization: `Bearer ${grant.token}` },
    });
    const body = (await res.json()) as {
      activities: { type: string; id: string; text?: string; from: { role?: string } }[];
    };
    return body.activities
      .filter((a) => a.type === "message" && a.from.role === "bot" && !a.id.endsWith("|greeting"))
      .map((a) => a.text ?? "");
  };
  await waitFor(async () => (await botTexts()).length > 0, { message: "the agent's reply" });
  return botTexts();
}

async function widgetGrant(url: string) {
  const res = await fetch(`${url}/livechat/demo/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ locale: "en-US" }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    token: string;
    conversationId: string;
    userId: string;
    header: { poweredByAi: boolean };
  };
}

for (const engine of engines) {
  describe(`admin API: credits, pause, preview and events (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let agentId: string;
    let receiver: Server;
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

    beforeAll(async () => {
      gateway = await startTestParley(engine, { env: { WORK_POLL_MS: "100" } });
      api = new AdminClient(gateway.url, gateway.adminToken);
      const agents = await api.get<{ data: { id: string; name: string }[] }>("/agents");
      agentId = agents.body.data.find((a) => a.name === "Ava")!.id;
      receiver = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => {
          body += c.toString("utf8");
        });
        req.on("end", () => {
          received.push({ headers: req.headers, body });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      await gateway?.stop();
      receiver?.close();
    });

    const credits = async () => (await api.get<Credits>("/credits")).body;
    const audit = async () => (await api.walk<AuditEntry>("/audit-log", 50)).items;

    it("shows the balance, price and rule, and changes them with an audit entry", async () => {
      const before = await api.get<Credits>("/credits");
      expect(before.status).toBe(200);
      expectShape(creditAccountSchema, before.body);
      expect(before.body).toMatchObject({
        balance: 1000,
        pricePerConversation: 1,
        chargeRule: "first-agent-reply",
        lowBalanceThreshold: null,
        agentsTakeNewConversations: true,
      });

      const changed = await api.patch<Credits>("/credits", {
        pricePerConversation: 2,
        lowBalanceThreshold: 50,
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ pricePerConversation: 2, lowBalanceThreshold: 50 });
      const [entry] = await audit();
      expectShape(auditEntrySchema, entry);
      expect(entry).toMatchObject({
        action: "credits.settings_changed",
        actor: "token:admin",
        details: { pricePerConversation: { from: 1, to: 2 }, lowBalanceThreshold: { from: null, to: 50 } },
      });

      expectError(
        await api.patch("/credits", { pricePerConversation: -1 }),
        400,
        "invalid_request",
        "pricePerConversation",
      );
      expectError(
        await api.patch("/credits", { chargeRule: "per-message" }),
        400,
        "invalid_request",
        "chargeRule",
      );
      await api.patch("/credits", { pricePerConversation: 1, lowBalanceThreshold: null });
    });

    it("grants and adjusts through the ledger, which explains every change, newest first and per workspace", async () => {
      const grant = await api.post<LedgerEntry>("/credits/grants", { amount: 100, reason: "monthly plan" });
      expect(grant.status).toBe(201);
      expectShape(ledgerEntrySchema, grant.body);
      const start = grant.body.balanceAfter - 100;
      expect(grant.body).toMatchObject({
        kind: "grant",
        amount: 100,
        actor: "token:admin",
        reason: "monthly plan",
      });
      const adjustment = await api.post<LedgerEntry>("/credits/adjustments", {
        amount: -30,
        reason: "double grant",
      });
      expect(adjustment.body).toMatchObject({ kind: "adjustment", amount: -30, balanceAfter: start + 70 });
      expect((await credits()).balance).toBe(start + 70);

      expectError(
        await api.post("/credits/adjustments", { amount: 0, reason: "nothing" }),
        400,
        "invalid_request",
        "amount",
      );
      expectError(
        await api.post("/credits/grants", { amount: -5, reason: "x" }),
        400,
        "invalid_request",
        "amount",
      );
      expectError(await api.post("/credits/grants", { amount: 5 }), 400, "invalid_request", "reason");

      const { items, pageSizes } = await api.walk<LedgerEntry>("/credits/ledger", 2);
      expect(pageSizes.length).toBeGreaterThan(1);
      expect(items[0]).toMatchObject({ id: adjustment.body.id });
      expect(items.at(-1)).toMatchObject({ kind: "grant", reason: "welcome grant", amount: 1000 });
      // The balance is the sum of the ledger, entry by entry.
      const oldestFirst = [...items].reverse();
      let running = 0;
      for (const e of oldestFirst) {
        running += e.amount;
        expect(e.balanceAfter).toBe(running);
      }
      const grants = await api.walk<LedgerEntry>("/credits/ledger?kind=grant", 50);
      expect(grants.items.every((e) => e.kind === "grant")).toBe(true);
      expect((await audit()).slice(0, 2).map((e) => e.action)).toEqual([
        "credits.adjusted",
        "credits.granted",
      ]);

      const other = await otherWorkspace(gateway);
      const theirs = await other.api.walk<LedgerEntry>("/credits/ledger", 50);
      expect(theirs.items.map((e) => e.reason)).toEqual(["welcome grant"]);
      expect((await other.api.get<Credits>("/credits")).body.balance).toBe(1000);
    });

    it("charges a customer's conversation once, and shows it; a preview never charges, even while paused", async () => {
      const before = (await credits()).balance;
      const customer = await widgetGrant(gateway.url);
      await chat(gateway.url, customer, "What are your opening hours?");
      await chat(gateway.url, customer, "And on Sundays?");
      const [conv] = await gateway.parley.database.db
        .select({ id: schema.conversations.id })
        .from(schema.conversations)
        .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.conversations.threadId))
        .where(eq(schema.channelThreads.threadKey, customer.conversationId));
      const charge = await api.get<{ charged: boolean; amount: number }>(`/conversations/${conv!.id}/charge`);
      expectShape(conversationChargeSchema, charge.body);
      expect(charge.body).toMatchObject({ charged: true, amount: 1, preview: false });
      expect((await credits()).balance).toBe(before - 1);

      await api.post(`/agents/${agentId}/pause`, {});
      try {
        const preview = await api.post<{
          token: string;
          conversationId: string;
          userId: string;
          directLineUrl: string;
        }>(`/agents/${agentId}/preview`, { locale: "nl-NL" });
        expect(preview.status).toBe(201);
        expect(preview.body.directLineUrl).toBe(`${gateway.url}/v3/directline`);
        const replies = await chat(gateway.url, preview.body, "Wat zijn jullie openingstijden?");
        expect(replies[0]).toBeTruthy();
        const [previewConv] = await gateway.parley.database.db
          .select({ id: schema.conversations.id, holder: schema.conversations.holder })
          .from(schema.conversations)
          .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.conversations.threadId))
          .where(eq(schema.channelThreads.threadKey, preview.body.conversationId));
        expect(previewConv!.holder).toBe("agent");
        expect((await api.get(`/conversations/${previewConv!.id}/charge`)).body).toMatchObject({
          charged: false,
          preview: true,
          amount: null,
        });
        expect((await credits()).balance).toBe(before - 1);
      } finally {
        await api.post(`/agents/${agentId}/resume`, {});
      }
      // The preview inbox is the agent's, not a channel to manage, nor one a public page can reach.
      const accounts = await api.walk<{ name: string }>("/channel-accounts", 50);
      expect(accounts.items.some((a) => a.name.includes("preview"))).toBe(false);
      const publicToken = await fetch(`${gateway.url}/livechat/preview-${agentId}/token`, { method: "POST" });
      expect(publicToken.status).toBe(404);

      expectError(await api.post(`/agents/${MISSING_ID}/preview`, {}), 404, "not_found", "agent");
      expectError(await api.get(`/conversations/${MISSING_ID}/charge`), 404, "not_found", "conversation");
    });

    it("pauses and resumes at once, each change audited, and new chats lose and regain “Powered by AI”", async () => {
      expect((await widgetGrant(gateway.url)).header.poweredByAi).toBe(true);
      const paused = await api.post<{ status: string }>(`/agents/${agentId}/pause`, {});
      expect(paused.body.status).toBe("paused");
      await api.post(`/agents/${agentId}/pause`, {});
      expect((await widgetGrant(gateway.url)).header.poweredByAi).toBe(false);
      await api.post(`/agents/${agentId}/resume`, {});
      expect((await widgetGrant(gateway.url)).header.poweredByAi).toBe(true);
      const actions = (await audit()).slice(0, 3).map((e) => [e.action, e.actor, e.subjectId]);
      // Pausing a paused agent changes nothing, so it is not a second entry.
      expect(actions.slice(0, 2)).toEqual([
        ["agent.resumed", "token:admin", agentId],
        ["agent.paused", "token:admin", agentId],
      ]);
      expect(actions[2]?.[0]).not.toBe("agent.paused");
      expectError(await api.post(`/agents/${MISSING_ID}/pause`, {}), 404, "not_found", "agent");
    });

    it("out of credits, new chats go to people without “Powered by AI”; a grant brings the agent back, no restart", async () => {
      const balance = (await credits()).balance;
      await api.post("/credits/adjustments", { amount: -balance, reason: "used up" });
      expect(await credits()).toMatchObject({ balance: 0, agentsTakeNewConversations: false });
      const visitor = await widgetGrant(gateway.url);
      expect(visitor.header.poweredByAi).toBe(false);
      const told = await chat(gateway.url, visitor, "Hello, is anybody there?");
      expect(told[0]).toMatch(/team/i);

      await api.post("/credits/grants", { amount: 500, reason: "top-up" });
      const next = await widgetGrant(gateway.url);
      expect(next.header.poweredByAi).toBe(true);
      const answered = await chat(gateway.url, next, "What are your opening hours?");
      expect(answered[0]).not.toMatch(/person from our team/i);
    });

    it("sends a signed low-balance event to the configured webhook once per crossing", async () => {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley-events`;
      const set = await api.put<{ url: string; secret: string }>("/webhook", { url });
      expect(set.status).toBe(200);
      expect(set.body.secret.length).toBeGreaterThanOrEqual(16);
      expectError(await api.put("/webhook", { url: "ftp://example.com" }), 400, "invalid_request", "url");

      const balance = (await credits()).balance;
      await api.patch("/credits", { lowBalanceThreshold: balance - 5 });
      await api.post("/credits/adjustments", { amount: -10, reason: "below the line" });
      await api.post("/credits/adjustments", { amount: -1, reason: "still below" });
      await waitFor(() => received.some((r) => r.body.includes("credits.low_balance")), {
        message: "the low-balance webhook",
      });
      // The second adjustment stayed below the line: no second event was even written.
      const written = await gateway.parley.database.db
        .select()
        .from(schema.events)
        .where(eq(schema.events.type, "credits.low_balance"));
      expect(written).toHaveLength(1);
      const low = received.filter((r) => r.body.includes("credits.low_balance"));
      expect(low).toHaveLength(1);
      const event = JSON.parse(low[0]!.body) as {
        type: string;
        data: { balance: number; threshold: number };
      };
      expect(event).toMatchObject({
        type: "credits.low_balance",
        data: { balance: balance - 10, threshold: balance - 5 },
      });
      const signature = String(low[0]!.headers["parley-signature"]);
      expect(
        verifyWebhookSignature(set.body.secret, signature, low[0]!.body, Math.floor(Date.now() / 1000)),
      ).toBe(true);
      expect(
        verifyWebhookSignature("another secret", signature, low[0]!.body, Math.floor(Date.now() / 1000)),
      ).toBe(false);
      await api.put("/webhook", { url: null });
      await api.patch("/credits", { lowBalanceThreshold: null });
    });
  });
}
