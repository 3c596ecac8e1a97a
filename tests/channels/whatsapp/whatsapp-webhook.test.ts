import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../../src/channels/meta/signature.js";
import { HOUR_MS } from "../../../src/core/channel.js";
import { ManualClock } from "../../../src/core/clock.js";
import { engines } from "../../helpers/db.js";
import { type GraphReply, type GraphRequest, GraphStub } from "../../helpers/graph-stub.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import {
  APP_SECRET,
  conversationOf,
  createDemoAccount,
  fixture,
  postWebhook,
  threadMessages,
} from "../meta/meta-test-kit.js";

const PHONE_NUMBER_ID = "1122334455667";
const TEMPLATE_PHONE_NUMBER_ID = "2233445566778";
const FIXTURE_WA_ID = "972987654321";

function textMessage(waId: string, wamid: string, body: string, phoneNumberId = PHONE_NUMBER_ID): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1234567890987654321",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "46701234567", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: "Kund" }, wa_id: waId }],
              messages: [{ from: waId, id: wamid, timestamp: "1700000000", type: "text", text: { body } }],
            },
          },
        ],
      },
    ],
  });
}

function statusUpdate(waId: string, wamid: string, status: string): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1234567890987654321",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "46701234567", phone_number_id: PHONE_NUMBER_ID },
              statuses: [{ id: wamid, status, timestamp: "1700000000", recipient_id: waId }],
            },
          },
        ],
      },
    ],
  });
}

/**
 * A temporary Graph failure held open until released: the clock moves past the window while
 * the first attempt is still in flight, so the retry is the one that meets the closed window.
 */
function heldServiceUnavailable(): { reply: GraphReply; release: () => void } {
  let release = () => {};
  const heldUntil = new Promise<void>((resolve) => {
    release = resolve;
  });
  const body = { error: { message: "Service temporarily unavailable", code: 2 } };
  return { reply: { status: 503, body, heldUntil }, release };
}

/** The text of a recorded WhatsApp text send. */
function sentText(request: GraphRequest | undefined): string | undefined {
  return (request?.body.text as { body?: string } | undefined)?.body;
}

/** A fixture on its own thread (wa_id) with its own wamids, so fixtures do not collide. */
function isolated(name: string, n: number): { body: string; waId: string } {
  const waId = `${FIXTURE_WA_ID}${n}`;
  const body = fixture("whatsapp", name)
    .replaceAll(FIXTURE_WA_ID, waId)
    .replaceAll('"wamid.', `"wamid.${n}.`);
  return { body, waId };
}

for (const engine of engines) {
  describe(`WhatsApp Cloud API webhook and sending (${engine})`, () => {
    let graph: GraphStub;
    let gw: TestParley;
    let accountId: string;
    let templateAccountId: string;
    const clock = new ManualClock(new Date());

    beforeAll(async () => {
      graph = await GraphStub.start();
      gw = await startTestParley(engine, { env: { GRAPH_API_URL: graph.url }, clock });
      accountId = await createDemoAccount(gw.parley.database, {
        kind: "whatsapp",
        externalId: PHONE_NUMBER_ID,
      });
      templateAccountId = await createDemoAccount(gw.parley.database, {
        kind: "whatsapp",
        externalId: TEMPLATE_PHONE_NUMBER_ID,
        settings: { fallbackTemplate: { name: "hello_world", language: "en_US" } },
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await graph?.stop();
    });

    it("refuses a missing, a wrong and a re-serialised signature, and stores nothing", async () => {
      const body = textMessage("46700000001", "wamid.forged", "Hej");
      expect((await postWebhook(gw.url, "whatsapp", body, "")).status).toBe(401);
      expect((await postWebhook(gw.url, "whatsapp", body, signatureHeader(body, "wrong"))).status).toBe(403);
      const reserialised = JSON.stringify(JSON.parse(body), null, 1);
      const resigned = signatureHeader(body, APP_SECRET);
      expect((await postWebhook(gw.url, "whatsapp", reserialised, resigned)).status).toBe(403);
      expect(await threadMessages(gw.parley.database, accountId, "46700000001")).toHaveLength(0);
      const handshake = await fetch(
        `${gw.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=42`,
      );
      expect(handshake.status).toBe(403);
    });

    it("answers a Swedish message in Swedish, with the contact's name, and marks it read", async () => {
      const res = await postWebhook(
        gw.url,
        "whatsapp",
        textMessage("46700000002", "wamid.sv", "Vilka öppettider har ni?"),
      );
      expect(res.status).toBe(200);
      await waitFor(() => graph.sendsTo("46700000002").length === 1, { message: "the Swedish reply" });
      const [send] = graph.sendsTo("46700000002");
      expect(send?.path).toBe(`/${PHONE_NUMBER_ID}/messages`);
      expect(send?.authorization).toBe("Bearer wa-token");
      expect(sentText(send)).toContain("öppet måndag till fredag");
      expect(graph.actionsFor("wamid.sv")).toEqual(["read"]);
      const conversation = await conversationOf(gw.parley.database, accountId, "46700000002");
      expect(conversation?.language).toBe("sv");
    });

    const answered = [
      "pywa_message__text.json",
      "pywa_message__forwarded.json",
      "pywa_message__reply.json",
      "pywa_message__referral.json",
      "pywa_message__image.json",
      "pywa_message__media_with_url.json",
      "pywa_message__document.json",
      "pywa_message__video.json",
      "pywa_message__audio.json",
      "pywa_message__voice.json",
      "pywa_message__static_sticker.json",
      "pywa_message__chosen_location.json",
      "pywa_message__current_location.json",
      "pywa_message__contacts.json",
      "pywa_message__order.json",
      "pywa_message__unsupported.json",
      "pywa_message__interactive_message_with_err.json",
      "pywa_callback_button__button.json",
      "pywa_callback_button__quick_reply.json",
      "pywa_callback_selection__callback.json",
    ];
    const unreadable = new Set([
      "pywa_message__image.json",
      "pywa_message__media_with_url.json",
      "pywa_message__audio.json",
      "pywa_message__voice.json",
      "pywa_message__static_sticker.json",
      "pywa_message__contacts.json",
      "pywa_message__order.json",
      "pywa_message__unsupported.json",
      "pywa_message__interactive_message_with_err.json",
    ]);
    const ignored = [
      "pywa_message__reaction.json",
      "pywa_system__identity_change.json",
      "pywa_system__phone_number_change.json",
      "pywa_edited_message__image.json",
      "pywa_deleted_message__revoke.json",
    ];

    it("answers every customer-message fixture; media kept with Graph's metadata", async () => {
      const threads = answered.map((name, i) => ({ name, ...isolated(name, 100 + i) }));
      for (const t of threads)
        expect((await postWebhook(gw.url, "whatsapp", t.body)).status, t.name).toBe(200);
      for (const t of threads) {
        await waitFor(() => graph.sendsTo(t.waId).length === 1, { message: `the reply to ${t.name}` });
        const body = sentText(graph.sendsTo(t.waId)[0]);
        if (unreadable.has(t.name)) expect(body, t.name).toMatch(/only read text/);
        else expect(body, t.name).not.toMatch(/only read text/);
      }
      const image = threads.find((t) => t.name === "pywa_message__image.json");
      const [stored] = await threadMessages(gw.parley.database, accountId, image?.waId ?? "");
      expect(stored?.attachments).toEqual([
        expect.objectContaining({ contentType: "image/jpeg", url: expect.stringContaining("mid=65463453") }),
      ]);
      expect(graph.requests.some((r) => r.method === "GET" && r.path === "/65463453")).toBe(true);
      const button = threads.find((t) => t.name === "pywa_callback_button__button.json");
      expect((await threadMessages(gw.parley.database, accountId, button?.waId ?? ""))[0]?.text).toBe(
        "title",
      );
    });

    it("stores nothing for reactions, system messages, edits and deletions", async () => {
      for (const [i, name] of ignored.entries()) {
        const t = isolated(name, 300 + i);
        expect((await postWebhook(gw.url, "whatsapp", t.body)).status, name).toBe(200);
        expect(await threadMessages(gw.parley.database, accountId, t.waId), name).toHaveLength(0);
      }
    });

    it("stores and answers a webhook delivered 5 times at once exactly once", async () => {
      const body = textMessage("46700000005", "wamid.five", "How long does delivery take?");
      const results = await Promise.all(
        Array.from({ length: 5 }, () => postWebhook(gw.url, "whatsapp", body)),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      await waitFor(() => graph.sendsTo("46700000005").length === 1);
      await waitFor(
        async () => (await threadMessages(gw.parley.database, accountId, "46700000005")).length === 2,
      );
      expect(graph.actionsFor("wamid.five")).toEqual(["read"]);
      expect(graph.sendsTo("46700000005")).toHaveLength(1);
    });

    it("moves a reply forward through statuses in any order, never backwards", async () => {
      await postWebhook(gw.url, "whatsapp", textMessage("46700000006", "wamid.order", "Can I return shoes?"));
      const reply = async () => (await threadMessages(gw.parley.database, accountId, "46700000006"))[1];
      await waitFor(async () => (await reply())?.state === "sent");
      const wamid = (await reply())?.channelMessageId ?? "";
      for (const [status, expected] of [
        ["read", "read"],
        ["delivered", "read"],
        ["sent", "read"],
        ["failed", "read"],
      ] as const) {
        expect(
          (await postWebhook(gw.url, "whatsapp", statusUpdate("46700000006", wamid, status))).status,
        ).toBe(200);
        expect((await reply())?.state, `after ${status}`).toBe(expected);
      }
    });

    it("keeps a status that overtakes the send's own response, and applies it once the send is recorded", async () => {
      let release = () => {};
      const heldUntil = new Promise<void>((resolve) => {
        release = resolve;
      });
      graph.script({
        status: 200,
        body: {
          messaging_product: "whatsapp",
          contacts: [{ input: "46700000016", wa_id: "46700000016" }],
          messages: [{ id: "wamid.overtaken" }],
        },
        heldUntil,
      });
      await postWebhook(
        gw.url,
        "whatsapp",
        textMessage("46700000016", "wamid.q-early", "Do you ship abroad?"),
      );
      await waitFor(() => graph.sendsTo("46700000016").length === 1, { message: "the send in flight" });
      // WhatsApp reports the message delivered before its API call has even answered.
      const early = await postWebhook(
        gw.url,
        "whatsapp",
        statusUpdate("46700000016", "wamid.overtaken", "delivered"),
      );
      expect(early.status).toBe(200);
      release();
      const reply = async () => (await threadMessages(gw.parley.database, accountId, "46700000016"))[1];
      await waitFor(async () => (await reply())?.state === "delivered", {
        message: "the early status applied",
      });
      expect(await reply()).toMatchObject({ channelMessageId: "wamid.overtaken", state: "delivered" });
    });

    it("applies the status fixtures: delivered, read, played, failed with the platform's reason", async () => {
      await postWebhook(gw.url, "whatsapp", textMessage("46700000007", "wamid.st", "Hello"));
      const reply = async () => (await threadMessages(gw.parley.database, accountId, "46700000007"))[1];
      await waitFor(async () => (await reply())?.state === "sent");
      const wamid = (await reply())?.channelMessageId ?? "";
      const send = (name: string) =>
        postWebhook(gw.url, "whatsapp", fixture("whatsapp", name).replaceAll('"wamid.xyzxyz"', `"${wamid}"`));
      await send("pywa_message_status__failed.json");
      expect(await reply()).toMatchObject({ state: "failed" });
      expect((await reply())?.error).toContain("130472");
      for (const name of ["pywa_message_status__sent.json", "pywa_message_status__delivered.json"]) {
        await send(name);
        expect((await reply())?.state, name).toBe("failed");
      }
    });

    it("131047 in a status marks the reply failed, closes the window and flags the conversation", async () => {
      await postWebhook(gw.url, "whatsapp", textMessage("46700000008", "wamid.late", "Are you there?"));
      const reply = async () => (await threadMessages(gw.parley.database, accountId, "46700000008"))[1];
      await waitFor(async () => (await reply())?.state === "sent");
      const wamid = (await reply())?.channelMessageId ?? "";
      const failed = fixture("whatsapp", "derived_status_failed_131047.json")
        .replaceAll('"wamid.xyzxyz"', `"${wamid}"`)
        .replaceAll(FIXTURE_WA_ID, "46700000008");
      expect((await postWebhook(gw.url, "whatsapp", failed)).status).toBe(200);
      expect((await reply())?.state).toBe("failed");
      expect((await reply())?.error).toMatch(/^reply_window_closed: Re-engagement message .*131047/);
      const conversation = await conversationOf(gw.parley.database, accountId, "46700000008");
      expect(conversation).toMatchObject({ holder: "nobody", handoffReason: "reply_window_closed" });
    });

    it("outside the 24-hour window: undeliverable and flagged without a template", async () => {
      const { reply: unavailable, release } = heldServiceUnavailable();
      graph.script(unavailable);
      await postWebhook(
        gw.url,
        "whatsapp",
        textMessage("46700000009", "wamid.old", "Do you sell gift cards?"),
      );
      await waitFor(() => graph.sendsTo("46700000009").length === 1, {
        message: "the first, failing attempt",
      });
      clock.advance(25 * HOUR_MS);
      release();
      const reply = async () => (await threadMessages(gw.parley.database, accountId, "46700000009"))[1];
      await waitFor(async () => (await reply())?.state === "failed", { message: "the undeliverable reply" });
      expect((await reply())?.error).toMatch(/^reply_window_closed:/);
      expect(graph.sendsTo("46700000009")).toHaveLength(1);
      const conversation = await conversationOf(gw.parley.database, accountId, "46700000009");
      expect(conversation).toMatchObject({ holder: "nobody", handoffReason: "reply_window_closed" });
    });

    it("outside the 24-hour window: the configured template is sent instead of free text", async () => {
      const { reply: unavailable, release } = heldServiceUnavailable();
      graph.script(unavailable);
      const body = textMessage(
        "46700000010",
        "wamid.tpl",
        "Do you sell gift cards?",
        TEMPLATE_PHONE_NUMBER_ID,
      );
      await postWebhook(gw.url, "whatsapp", body);
      await waitFor(() => graph.sendsTo("46700000010").length === 1, {
        message: "the first, failing attempt",
      });
      clock.advance(25 * HOUR_MS);
      release();
      await waitFor(() => graph.sendsTo("46700000010").length === 2, { message: "the template" });
      expect(graph.sendsTo("46700000010")[1]?.body).toMatchObject({
        type: "template",
        template: { name: "hello_world", language: { code: "en_US" } },
      });
      const reply = async () =>
        (await threadMessages(gw.parley.database, templateAccountId, "46700000010"))[1];
      await waitFor(async () => (await reply())?.state === "sent", {
        message: "the template recorded as sent",
      });
    });
  });
}
