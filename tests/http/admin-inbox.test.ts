import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../src/core/events/webhook-signature.js";
import { handoffSettingsViewSchema } from "../../src/http/admin/schemas/handoff.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { Visitor } from "../helpers/visitor.js";
import { waitFor } from "../helpers/wait.js";
import { AdminClient, expectError, expectShape, MISSING_ID, otherWorkspace } from "./admin-client.js";

interface Conversation {
  id: string;
  status: string;
  holder: string;
  holderId: string | null;
  handoffReason: string | null;
}
for (const engine of engines) {
  describe(`admin API: hand-off settings and the human inbox (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let agentId: string;
    let sam: { id: string; api: AdminClient };
    let kim: { id: string; api: AdminClient };
    let teamId: string;
    let receiver: Server;
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    let failFirst = 1;

    beforeAll(async () => {
      gateway = await startTestParley(engine, { env: { WORK_POLL_MS: "100" } });
      api = new AdminClient(gateway.url, gateway.adminToken);
      agentId = (await api.get<{ data: { id: string }[] }>("/agents")).body.data[0]!.id;
      const person = async (name: string) => {
        const user = await api.create<{ id: string }>("/users", {
          name,
          email: `${name.toLowerCase()}@shop.example`,
        });
        const { token } = await api.create<{ token: string }>(`/users/${user.id}/tokens`, {});
        return { id: user.id, api: new AdminClient(gateway.url, token) };
      };
      sam = await person("Sam");
      kim = await person("Kim");
      teamId = (await api.create<{ id: string }>("/teams", { name: "Support" })).id;
      await api.request("PUT", `/teams/${teamId}/members/${kim.id}`);
      receiver = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => {
          body += c.toString("utf8");
        });
        req.on("end", () => {
          if (failFirst > 0) {
            failFirst -= 1;
            res.writeHead(503).end();
            return;
          }
          received.push({ headers: req.headers, body });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      await gateway?.stop();
      receiver?.close();
    });

    it("stores an agent's hand-off settings whole, sealing help-desk secrets and never showing them", async () => {
      const before = await api.get(`/agents/${agentId}/handoff`);
      expect(before.status).toBe(200);
      expectShape(handoffSettingsViewSchema, before.body);
      expect(before.body).toMatchObject({
        whenAgentCannotAnswer: "transfer",
        assignTo: { kind: "nobody" },
        triggers: [],
      });

      const put = await api.put(`/agents/${agentId}/handoff`, {
        triggers: [{ phrase: "refund", translations: { nl: ["terugbetaling"] } }],
        helpdesk: {
          provider: "zendesk",
          baseUrl: "https://shop.zendesk.example",
          email: "a@shop.example",
          apiToken: "zd-secret",
        },
        updateChatAvatar: true,
      });
      expect(put.status).toBe(200);
      expect(put.text).not.toContain("zd-secret");
      expect(put.body).toMatchObject({ helpdesk: { provider: "zendesk", apiTokenConfigured: true } });
      // Leaving the token out keeps it; a new help desk without one is refused.
      const kept = await api.put(`/agents/${agentId}/handoff`, {
        triggers: [{ phrase: "refund" }],
        helpdesk: { provider: "zendesk", baseUrl: "https://shop.zendesk.example", email: "a@shop.example" },
        updateChatAvatar: true,
      });
      expect(kept.body).toMatchObject({ helpdesk: { apiTokenConfigured: true } });
      expectError(
        await api.put(`/agents/${agentId}/handoff`, {
          helpdesk: { provider: "gorgias", baseUrl: "https://shop.gorgias.example", username: "u" },
        }),
        400,
        "invalid_request",
        "apiKey",
      );
      expectError(
        await api.put(`/agents/${agentId}/handoff`, { whenAgentCannotAnswer: "shrug" }),
        400,
        "invalid_request",
        "whenAgentCannotAnswer",
      );
      expectError(await api.get(`/agents/${MISSING_ID}/handoff`), 404, "not_found", "agent");
      const other = await otherWorkspace(gateway);
      expectError(await other.api.get(`/agents/${agentId}/handoff`), 404, "not_found", "agent");
      // Back to a plain transfer with the trigger, routed to the queue.
      await api.put(`/agents/${agentId}/handoff`, {
        triggers: [{ phrase: "refund" }],
        updateChatAvatar: true,
      });
    });

    it("checks business hours and stores availability messages", async () => {
      expectError(
        await api.put("/availability", {
          businessHours: { timeZone: "Mars/Olympus", weekly: [], holidays: [] },
        }),
        400,
        "invalid_request",
        "timeZone",
      );
      const put = await api.put("/availability", {
        businessHours: null,
        messages: { available: { en: "Hang on, {name}" } },
      });
      expect(put.status).toBe(200);
      expect((await api.get("/availability")).body).toEqual({
        businessHours: null,
        messages: { available: { en: "Hang on, {name}" } },
      });
      await api.put("/availability", { businessHours: null });
    });

    it("a trigger puts the chat in the queue; a person claims it, answers on the live chat, notes, assigns, hands back and closes", async () => {
      await api.put("/webhook", {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      });
      const visitor = await Visitor.arrive(gateway.url);
      await visitor.say("I'd like a refund for order 1234");
      const [told] = await visitor.waitForBotMessages(1);
      expect(told?.channelData?.parley?.poweredByAi).toBe(false);

      const queue = await sam.api.get<{ data: Conversation[] }>("/conversations?view=unassigned");
      const conv = queue.body.data.find((c) => c.handoffReason === "trigger");
      expect(conv).toMatchObject({ status: "open", holder: "nobody" });
      const id = conv!.id;
      expectError(await api.get("/conversations?view=mine"), 400, "invalid_request", "view");

      expect((await sam.api.post(`/conversations/${id}/claim`, {})).status).toBe(204);
      expect(
        (await sam.api.get<{ data: Conversation[] }>("/conversations?view=mine")).body.data.map((c) => c.id),
      ).toEqual([id]);
      expectError(await kim.api.post(`/conversations/${id}/claim`, {}), 409, "conflict", "assign");

      const reply = await sam.api.post<{ messageId: string }>(`/conversations/${id}/messages`, {
        text: "Hi, Sam here. I'll sort out that refund.",
      });
      expect(reply.status).toBe(201);
      const messages = await visitor.waitForBotMessages(2);
      expect(messages[1]).toMatchObject({
        text: "Hi, Sam here. I'll sort out that refund.",
        from: { name: "Sam" },
      });
      expect(messages[1]?.channelData?.parley?.assignee).toMatchObject({ name: "Sam" });

      const note = await sam.api.post<{ id: string }>(`/conversations/${id}/notes`, {
        text: "Refund approved by finance.",
      });
      expect(note.status).toBe(201);
      const notes = await api.get<{ data: { text: string; userId: string }[] }>(`/conversations/${id}/notes`);
      expect(notes.body.data).toMatchObject([{ text: "Refund approved by finance.", userId: sam.id }]);
      expect((await visitor.botMessages()).some((m) => m.text?.includes("finance"))).toBe(false);

      expect(
        (await api.post(`/conversations/${id}/assign`, { to: { kind: "team", id: teamId } })).status,
      ).toBe(204);
      expect(
        (await kim.api.get<{ data: Conversation[] }>("/conversations?view=my_teams")).body.data.map(
          (c) => c.id,
        ),
      ).toContain(id);
      expectError(
        await api.post(`/conversations/${id}/assign`, { to: { kind: "team", id: MISSING_ID } }),
        404,
        "not_found",
        "team",
      );

      expect((await api.post(`/conversations/${id}/hand-back`, {})).status).toBe(204);
      await visitor.say("What are your opening hours?");
      const afterHandBack = await visitor.waitForBotMessages(3);
      expect(afterHandBack[2]?.channelData?.parley?.poweredByAi).toBe(true);

      expect((await kim.api.post(`/conversations/${id}/close`, {})).status).toBe(204);
      expect(
        (await api.get<Conversation & { closeReason: string }>(`/conversations/${id}`)).body,
      ).toMatchObject({
        status: "closed",
        closeReason: "closed_by_person",
      });
      expectError(
        await sam.api.post(`/conversations/${id}/messages`, { text: "hello?" }),
        409,
        "conflict",
        "closed",
      );
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/parley_conversations_closed_total\{reason="closed_by_person"\} 1/);
      expectError(await api.post(`/conversations/${id}/claim`, {}), 400, "invalid_request", "userId");
      expectError(await api.post(`/conversations/${MISSING_ID}/claim`, { userId: sam.id }), 404, "not_found");

      // The hand-off events reached the webhook, signed, although the receiver failed the first try.
      const types = () => new Set(received.map((r) => (JSON.parse(r.body) as { type: string }).type));
      await waitFor(
        () => ["handoff.requested", "handoff.assigned", "handoff.completed"].every((t) => types().has(t)),
        {
          timeoutMs: 20_000,
          message: "the hand-off events at the webhook",
        },
      );
      expect(failFirst).toBe(0);
      const { secret } = (await api.get<{ secret: string }>("/webhook")).body;
      for (const r of received) {
        expect(
          verifyWebhookSignature(
            secret,
            String(r.headers["parley-signature"]),
            r.body,
            Math.floor(Date.now() / 1000),
          ),
        ).toBe(true);
      }
    });
  });
}
