import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../../src/channels/meta/signature.js";
import { ManualClock } from "../../../src/core/clock.js";
import { engines } from "../../helpers/db.js";
import { GraphStub } from "../../helpers/graph-stub.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import {
  APP_SECRET,
  conversationOf,
  createDemoAccount,
  fixture,
  postWebhook,
  threadMessages,
  VERIFY_TOKEN,
} from "../meta/meta-test-kit.js";

const PAGE_ID = "1895382890692545";
const OTHER_PAGE_ID = "682498302938465";
const FIXTURE_PSID = "1412611362105802";

/** A customer text event for our page, as Messenger sends it. */
function textEvent(psid: string, mid: string, text: string): string {
  return JSON.stringify({
    object: "page",
    entry: [
      {
        id: PAGE_ID,
        time: Date.now(),
        messaging: [
          { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid, text } },
        ],
      },
    ],
  });
}

/** A fixture moved onto its own thread (PSID) and with its own mids, so fixtures do not collide. */
function isolated(name: string, n: number): { body: string; psid: string } {
  const psid = `${FIXTURE_PSID}${n}`;
  const body = fixture("messenger", name)
    .replaceAll(FIXTURE_PSID, psid)
    .replaceAll('"mid": "', `"mid": "${n}-`);
  return { body, psid };
}

for (const engine of engines) {
  describe(`Messenger webhook and Send API (${engine})`, () => {
    let graph: GraphStub;
    let gw: TestParley;
    let accountId: string;
    const clock = new ManualClock(new Date());

    beforeAll(async () => {
      graph = await GraphStub.start();
      gw = await startTestParley(engine, {
        env: { GRAPH_API_URL: graph.url, DELIVERY_MAX_ATTEMPTS: "5" },
        clock,
      });
      accountId = await createDemoAccount(gw.parley.database, { kind: "messenger", externalId: PAGE_ID });
      await createDemoAccount(gw.parley.database, { kind: "messenger", externalId: OTHER_PAGE_ID });
    });
    afterAll(async () => {
      await gw?.stop();
      await graph?.stop();
    });

    it("answers the verification handshake only for a known verify token", async () => {
      const query = (token: string) =>
        `${gw.url}/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
      const ok = await fetch(query(VERIFY_TOKEN));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe("1158201444");
      const wrong = await fetch(query("not-the-token"));
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toMatchObject({ error: { code: "verify_token_mismatch" } });
    });

    it("refuses a missing, a wrong and a re-serialised signature, and stores nothing", async () => {
      const body = textEvent("psid-forged", "m-forged", "I am not Meta");
      expect((await postWebhook(gw.url, "messenger", body, "")).status).toBe(401);
      expect(
        (await postWebhook(gw.url, "messenger", body, signatureHeader(body, "wrong secret"))).status,
      ).toBe(403);
      const reserialised = JSON.stringify(JSON.parse(body), null, 2);
      expect(
        (await postWebhook(gw.url, "messenger", reserialised, signatureHeader(body, APP_SECRET))).status,
      ).toBe(403);
      expect(await threadMessages(gw.parley.database, accountId, "psid-forged")).toHaveLength(0);
    });

    it("answers a text message with RESPONSE, marks it seen and shows typing", async () => {
      const res = await postWebhook(gw.url, "messenger", fixture("messenger", "message_text.json"));
      expect(res.status).toBe(200);
      await waitFor(() => graph.sendsTo(FIXTURE_PSID).length === 1, { message: "the reply" });
      const [send] = graph.sendsTo(FIXTURE_PSID);
      expect(send?.path).toBe("/me/messages");
      expect(send?.authorization).toBe("Bearer page-token");
      expect(send?.body).toMatchObject({ messaging_type: "RESPONSE", recipient: { id: FIXTURE_PSID } });
      expect(graph.actionsFor(FIXTURE_PSID)).toEqual(expect.arrayContaining(["mark_seen", "typing_on"]));
      await waitFor(async () => {
        const out = (await threadMessages(gw.parley.database, accountId, FIXTURE_PSID)).filter(
          (m) => m.direction === "out",
        );
        return out[0]?.state === "sent" && out[0].channelMessageId?.startsWith("m_stub_") === true;
      });
    });

    const answered = [
      "bottender_text_request.json",
      "message_quick_reply.json",
      "message_reply_to.json",
      "postback.json",
      "postback_with_referral.json",
      "message_attachment_fallback_link_share.json",
      "message_attachments_file_and_image_with_text.json",
    ];
    const ignored = [
      "message_echo_text.json",
      "standby_echo_template.json",
      "standby_message_text.json",
      "referral_mme_link.json",
      "handover_pass_thread_control.json",
      "handover_request_thread_control.json",
      "handover_take_thread_control.json",
      "delivery.json",
      "read.json",
    ];

    it("answers every customer-message fixture, attachments kept and unreadable ones told so", async () => {
      const threads = answered.map((name, i) => ({ name, ...isolated(name, 100 + i) }));
      for (const t of threads)
        expect((await postWebhook(gw.url, "messenger", t.body)).status, t.name).toBe(200);
      for (const t of threads) {
        await waitFor(() => graph.sendsTo(t.psid).length === 1, { message: `the reply to ${t.name}` });
        const [inbound] = await threadMessages(gw.parley.database, accountId, t.psid);
        expect(inbound?.direction, t.name).toBe("in");
      }
      const text = (name: string) => {
        const t = threads.find((x) => x.name === name);
        return graph.sendsTo(t?.psid ?? "")[0]?.body.message as { text: string };
      };
      expect(text("message_attachment_fallback_link_share.json").text).toMatch(/only read text/);
      const withFiles = threads.find((t) => t.name === "message_attachments_file_and_image_with_text.json");
      const [stored] = await threadMessages(gw.parley.database, accountId, withFiles?.psid ?? "");
      expect(stored?.attachments.length).toBe(2);
      const postback = threads.find((t) => t.name === "postback.json");
      expect((await threadMessages(gw.parley.database, accountId, postback?.psid ?? ""))[0]?.text).toBe(
        "Get Started",
      );
    });

    it("answers an image on another page's account, and both entries of a batch for known pages", async () => {
      const image = isolated("message_attachment_image.json", 200);
      expect((await postWebhook(gw.url, "messenger", image.body)).status).toBe(200);
      await waitFor(() => graph.sendsTo(image.psid).length === 1);
      const batch = isolated("bottender_batch_two_entries_request.json", 201);
      expect((await postWebhook(gw.url, "messenger", batch.body)).status).toBe(200);
      // The second entry is for a page no account has: ignored, the first one answered.
      await waitFor(
        async () => (await threadMessages(gw.parley.database, accountId, batch.psid)).length === 2,
      );
      expect((await threadMessages(gw.parley.database, accountId, batch.psid))[0]?.text).toBe("test 1");
    });

    it("stores nothing for echoes, standby, referrals, handovers and receipts", async () => {
      for (const [i, name] of ignored.entries()) {
        const t = isolated(name, 300 + i);
        expect((await postWebhook(gw.url, "messenger", t.body)).status, name).toBe(200);
        expect(await threadMessages(gw.parley.database, accountId, t.psid), name).toHaveLength(0);
      }
    });

    it("stores and answers a webhook delivered 5 times at once exactly once", async () => {
      const body = textEvent("psid-five", "m-five", "What are your opening hours?");
      const results = await Promise.all(
        Array.from({ length: 5 }, () => postWebhook(gw.url, "messenger", body)),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      await waitFor(() => graph.sendsTo("psid-five").length === 1);
      await waitFor(
        async () => (await threadMessages(gw.parley.database, accountId, "psid-five")).length === 2,
      );
      expect(graph.actionsFor("psid-five").filter((a) => a === "mark_seen")).toHaveLength(1);
      expect(await threadMessages(gw.parley.database, accountId, "psid-five")).toHaveLength(2);
      expect(graph.sendsTo("psid-five")).toHaveLength(1);
    });

    it("delivers exactly once after a Graph 500", async () => {
      graph.script({ status: 500, body: { error: { message: "An unknown error occurred", code: 1 } } });
      await postWebhook(gw.url, "messenger", textEvent("psid-retry", "m-retry", "Do you ship abroad?"));
      await waitFor(
        async () => (await threadMessages(gw.parley.database, accountId, "psid-retry"))[1]?.state === "sent",
      );
      expect(graph.sendsTo("psid-retry")).toHaveLength(2);
    });

    it("records 10/2018278 as failed with Meta's reason, without retrying", async () => {
      graph.script({
        status: 400,
        body: JSON.parse(fixture("messenger", "send_api_error_outside_window_10_2018278.json")),
      });
      await postWebhook(gw.url, "messenger", textEvent("psid-window", "m-window", "Hello?"));
      await waitFor(
        async () =>
          (await threadMessages(gw.parley.database, accountId, "psid-window"))[1]?.state === "failed",
      );
      const [, reply] = await threadMessages(gw.parley.database, accountId, "psid-window");
      expect(reply?.error).toContain("outside of allowed window");
      expect(reply?.error).toContain("10/2018278");
      expect(graph.sendsTo("psid-window")).toHaveLength(1);
    });

    it("moves replies to delivered and read by watermark, never backwards", async () => {
      await postWebhook(gw.url, "messenger", textEvent("psid-receipts", "m-receipts", "Where is my parcel?"));
      await waitFor(
        async () =>
          (await threadMessages(gw.parley.database, accountId, "psid-receipts"))[1]?.state === "sent",
      );
      const receipt = (kind: "read" | "delivery") =>
        JSON.stringify({
          object: "page",
          entry: [
            {
              id: PAGE_ID,
              messaging: [
                {
                  sender: { id: "psid-receipts" },
                  recipient: { id: PAGE_ID },
                  [kind]: { watermark: Date.now() + 1000 },
                },
              ],
            },
          ],
        });
      await postWebhook(gw.url, "messenger", receipt("read"));
      expect((await threadMessages(gw.parley.database, accountId, "psid-receipts"))[1]?.state).toBe("read");
      await postWebhook(gw.url, "messenger", receipt("delivery"));
      expect((await threadMessages(gw.parley.database, accountId, "psid-receipts"))[1]?.state).toBe("read");
    });

    it("steps back when a person answers from the Page inbox (an echo without app_id)", async () => {
      const t = isolated("message_echo_from_page_inbox_no_app.json", 400);
      await postWebhook(gw.url, "messenger", textEvent(t.psid, "m-before-person", "I want a refund"));
      await waitFor(() => graph.sendsTo(t.psid).length === 1);
      expect((await postWebhook(gw.url, "messenger", t.body)).status).toBe(200);
      const conversation = await conversationOf(gw.parley.database, accountId, t.psid);
      expect(conversation).toMatchObject({ holder: "user", handoffReason: "person_replied_in_page_inbox" });
      await postWebhook(gw.url, "messenger", textEvent(t.psid, "m-after-person", "Thanks Anna"));
      await waitFor(async () => {
        const rows = await threadMessages(gw.parley.database, accountId, t.psid);
        return rows.length === 3;
      });
      expect(graph.sendsTo(t.psid)).toHaveLength(1);
    });
  });
}
