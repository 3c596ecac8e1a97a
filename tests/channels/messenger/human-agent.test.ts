import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../../../src/core/channel.js";
import { ManualClock } from "../../../src/core/clock.js";
import { engines } from "../../helpers/db.js";
import { GraphStub } from "../../helpers/graph-stub.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import { AdminClient } from "../../http/admin-client.js";
import { conversationOf, createDemoAccount, postWebhook } from "../meta/meta-test-kit.js";

const PAGE_ID = "1895382890692545";
const PSID = "5512345678901234";

function textEvent(mid: string, text: string): string {
  return JSON.stringify({
    object: "page",
    entry: [
      {
        id: PAGE_ID,
        time: Date.now(),
        messaging: [
          { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid, text } },
        ],
      },
    ],
  });
}

/**
 * A person answering from Parley's inbox on Messenger: inside the 24-hour window as a RESPONSE,
 * and after it — while the conversation is still alive — tagged HUMAN_AGENT, which Meta allows
 * people (never the AI) for seven days.
 */
for (const engine of engines) {
  describe(`Messenger: a person's reply after the 24-hour window (${engine})`, () => {
    let graph: GraphStub;
    let gw: TestParley;
    let accountId: string;
    const clock = new ManualClock(new Date());

    beforeAll(async () => {
      graph = await GraphStub.start();
      gw = await startTestParley(engine, { env: { GRAPH_API_URL: graph.url }, clock });
      accountId = await createDemoAccount(gw.parley.database, {
        kind: "messenger",
        externalId: PAGE_ID,
        settings: { humanAgentTag: true },
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await graph?.stop();
    });

    it("goes out as RESPONSE in the window and as HUMAN_AGENT after it", async () => {
      const api = new AdminClient(gw.url, gw.adminToken);
      const sam = await api.create<{ id: string }>("/users", { name: "Sam", email: "sam@shop.example" });
      expect(
        (await postWebhook(gw.url, "messenger", textEvent("m-1", "I want to talk to a person"))).status,
      ).toBe(200);
      await waitFor(
        async () => (await conversationOf(gw.parley.database, accountId, PSID))?.holder === "nobody",
      );
      const conversation = await conversationOf(gw.parley.database, accountId, PSID);

      // Each reply is sent before the clock moves on: the window is judged when Graph is called.
      const reply = async (text: string) => {
        const res = await api.post<{ messageId: string }>(`/conversations/${conversation!.id}/messages`, {
          text,
          userId: sam.id,
        });
        await waitFor(
          () => graph.sendsTo(PSID).some((r) => (r.body.message as { text?: string }).text === text),
          {
            message: `the send of "${text}"`,
          },
        );
        return res;
      };
      await waitFor(() => graph.sendsTo(PSID).length === 1, { message: "the team's message" });
      clock.advance(HOUR_MS);
      expect((await reply("Hi, Sam here. Let me look into it.")).status).toBe(201);
      clock.advance(22 * HOUR_MS);
      expect((await reply("Still checking with the warehouse.")).status).toBe(201);
      clock.advance(2 * HOUR_MS); // 25 h after the customer's message; 2 h after Sam's last reply
      expect((await reply("Found it: it ships tomorrow.")).status).toBe(201);

      await waitFor(() => graph.sendsTo(PSID).length === 4, { message: "the four sends" });
      const sends = graph.sendsTo(PSID).map((r) => ({
        type: r.body.messaging_type,
        tag: r.body.tag,
        text: (r.body.message as { text: string }).text,
      }));
      expect(sends.slice(1)).toEqual([
        { type: "RESPONSE", tag: undefined, text: "Hi, Sam here. Let me look into it." },
        { type: "RESPONSE", tag: undefined, text: "Still checking with the warehouse." },
        { type: "MESSAGE_TAG", tag: "HUMAN_AGENT", text: "Found it: it ships tomorrow." },
      ]);
    });

    it("a long reply that fails half-way resumes with the part that failed, never repeating one", async () => {
      const api = new AdminClient(gw.url, gw.adminToken);
      const kim = await api.create<{ id: string }>("/users", { name: "Kim", email: "kim@shop.example" });
      await postWebhook(gw.url, "messenger", textEvent("m-2", "Can you send me the full return policy?"));
      await waitFor(async () => (await conversationOf(gw.parley.database, accountId, PSID)) !== undefined);
      const conversation = await conversationOf(gw.parley.database, accountId, PSID);
      await api.post(`/conversations/${conversation!.id}/assign`, { to: { kind: "user", id: kim.id } });
      const first = "First part of the policy. ".repeat(60).trim();
      const second = "Second part of the policy. ".repeat(20).trim();
      graph.script(
        { status: 200, body: { recipient_id: PSID, message_id: "m_part_1" } },
        { status: 500, body: { error: { message: "An unexpected error has occurred.", code: 2 } } },
      );
      const before = graph.sendsTo(PSID).length;
      const res = await api.post(`/conversations/${conversation!.id}/messages`, {
        text: `${first}\n\n${second}`,
        userId: kim.id,
      });
      expect(res.status).toBe(201);
      await waitFor(() => graph.sendsTo(PSID).length >= before + 3, {
        timeoutMs: 20_000,
        message: "the retry",
      });
      const texts = graph
        .sendsTo(PSID)
        .slice(before)
        .map((r) => (r.body.message as { text: string }).text);
      // Part 1 went out once; part 2 failed and was sent again, alone.
      expect(texts).toHaveLength(3);
      expect(texts[2]).toBe(texts[1]);
      expect(texts[0]).not.toBe(texts[1]);
      expect(`${texts[0]} ${texts[1]}`.replace(/\s+/g, " ")).toBe(`${first} ${second}`);
    });
  });
}
