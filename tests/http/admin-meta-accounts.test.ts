import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { SecretBox } from "../../src/channels/meta/secret-box.js";
import { signatureHeader } from "../../src/channels/meta/signature.js";
import { agents, channelAccounts } from "../../src/db/schema.js";
import type { agentSchema } from "../../src/http/admin/schemas/agents.js";
import { channelAccountSchema } from "../../src/http/admin/schemas/channel-accounts.js";
import { fixture, postWebhook, threadMessages } from "../channels/meta/meta-test-kit.js";
import { engines } from "../helpers/db.js";
import { GraphStub } from "../helpers/graph-stub.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";
import { AdminClient, expectError, expectShape, type Page } from "./admin-client.js";

/**
 * Messenger and WhatsApp channel accounts through the admin API, on a gateway with
 * PARLEY_SECRET_KEY: secrets sealed at rest and never shown, the callback URL and verify token
 * shown, and what was stored good enough for the real webhooks and Graph calls.
 */

type Agent = z.output<typeof agentSchema>;
type Account = z.output<typeof channelAccountSchema>;
type MessengerAccount = Extract<Account, { kind: "messenger" }>;
type WhatsappAccount = Extract<Account, { kind: "whatsapp" }>;

const SECRET_KEY = randomBytes(32);
/** The ids the fixtures are addressed to. */
const FIXTURE_PAGE_ID = "1895382890692545";
const FIXTURE_PSID = "1412611362105802";
const FIXTURE_PHONE_NUMBER_ID = "1122334455667";

/** A customer's WhatsApp text as the Cloud API sends it, written now so the reply window is open. */
function whatsappText(phoneNumberId: string, waId: string, wamid: string, body: string): string {
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
              messages: [
                {
                  from: waId,
                  id: wamid,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

for (const engine of engines) {
  describe(`admin API: Messenger and WhatsApp channel accounts (${engine})`, () => {
    let graph: GraphStub;
    let gateway: TestParley;
    let api: AdminClient;
    let agent: Agent;
    let serial = 0;
    /** Numeric, as Meta's ids are, and unique across the installation. */
    const freshId = () => `${Date.now()}${serial++}`;
    /** Every secret a test sends; none may ever come back in any response. */
    const sent: string[] = [];
    const secret = (name: string) => {
      const value = `${name}-${randomBytes(12).toString("hex")}`;
      sent.push(value);
      return value;
    };
    const handshake = (callbackUrl: string, verifyToken: string) =>
      fetch(
        `${callbackUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken)}` +
          "&hub.challenge=1158201444",
      );
    const stored = async (id: string) => {
      const [row] = await gateway.testDb.database.db
        .select({ credentials: channelAccounts.credentials, settings: channelAccounts.settings })
        .from(channelAccounts)
        .where(eq(channelAccounts.id, id));
      if (!row) throw new Error(`no channel account ${id}`);
      return row;
    };
    /** Every stored secret is sealed, and opens, with the gateway's key, to `plain`. */
    const expectSealed = async (id: string, plain: Record<string, string>) => {
      const { credentials } = await stored(id);
      const values = Object.values(credentials).map(String);
      expect(Object.keys(credentials).sort()).toEqual(Object.keys(plain).sort());
      for (const value of values) expect(value).toMatch(/^sealed:v1:/);
      for (const value of Object.values(plain)) expect(values.join(" ")).not.toContain(value);
      expect(new SecretBox(SECRET_KEY).openAll(credentials as Record<string, string>)).toEqual(plain);
    };

    beforeAll(async () => {
      graph = await GraphStub.start();
      gateway = await startTestParley(engine, {
        env: { PARLEY_SECRET_KEY: SECRET_KEY.toString("hex"), GRAPH_API_URL: graph.url },
      });
      api = new AdminClient(gateway.url, gateway.adminToken);
      const { items } = await api.walk<Agent>("/agents", 50);
      const ava = items.find((a) => a.name === "Ava");
      if (!ava) throw new Error("the demo agent is missing");
      agent = ava;
    });
    afterAll(async () => {
      await gateway?.stop();
      await graph?.stop();
    });

    it("creates a Messenger account whose sealed secrets still check webhooks and send", async () => {
      const appSecret = secret("app");
      const pageAccessToken = secret("page");
      const created = await api.post<MessengerAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Facebook page",
        externalId: FIXTURE_PAGE_ID,
        credentials: { pageAccessToken: ` ${pageAccessToken}\n`, appSecret },
        settings: { humanAgentTag: true },
        agentId: agent.id,
      });
      expect(created.status).toBe(201);
      expectShape(channelAccountSchema, created.body);
      const { verifyToken } = created.body.settings;
      expect(verifyToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(created.body).toMatchObject({
        kind: "messenger",
        externalId: FIXTURE_PAGE_ID,
        settings: { verifyToken, humanAgentTag: true },
        credentialsConfigured: ["appSecret", "pageAccessToken"],
        webhook: { callbackUrl: `${gateway.url}/webhooks/messenger`, verifyToken },
      });
      // Trimmed: a pasted token often ends with a newline.
      await expectSealed(created.body.id, { pageAccessToken, appSecret });

      const challenge = await handshake(created.body.webhook.callbackUrl, verifyToken);
      expect(challenge.status).toBe(200);
      expect(await challenge.text()).toBe("1158201444");

      const body = fixture("messenger", "message_text.json");
      const forged = await postWebhook(
        gateway.url,
        "messenger",
        body,
        signatureHeader(body, "not-the-secret"),
      );
      expect(forged.status).toBe(403);
      const signed = await postWebhook(gateway.url, "messenger", body, signatureHeader(body, appSecret));
      expect(signed.status).toBe(200);
      const [inbound] = await threadMessages(gateway.parley.database, created.body.id, FIXTURE_PSID);
      expect(inbound).toMatchObject({ direction: "in", text: "hello, world!" });
      await waitFor(() => graph.sendsTo(FIXTURE_PSID).length === 1, { message: "the reply" });
      expect(graph.sendsTo(FIXTURE_PSID)[0]?.authorization).toBe(`Bearer ${pageAccessToken}`);

      const read = await api.get<MessengerAccount>(`/channel-accounts/${created.body.id}`);
      expect(read.body).toEqual(created.body);
    });

    it("creates a WhatsApp account with the verify token, template and business account given", async () => {
      const appSecret = secret("app");
      const accessToken = secret("wa");
      const verifyToken = "my-own-verify-token-42";
      const created = await api.post<WhatsappAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "WhatsApp number",
        externalId: FIXTURE_PHONE_NUMBER_ID,
        credentials: { accessToken, appSecret },
        settings: {
          verifyToken,
          businessAccountId: "102290129340398",
          fallbackTemplate: { name: "reply_to_continue", language: "en_US" },
        },
        agentId: agent.id,
      });
      expect(created.status).toBe(201);
      expectShape(channelAccountSchema, created.body);
      expect(created.body).toMatchObject({
        kind: "whatsapp",
        settings: {
          verifyToken,
          businessAccountId: "102290129340398",
          fallbackTemplate: { name: "reply_to_continue", language: "en_US" },
          transport: "cloud_api",
        },
        credentialsConfigured: ["accessToken", "appSecret"],
        webhook: { callbackUrl: `${gateway.url}/webhooks/whatsapp`, verifyToken },
      });
      await expectSealed(created.body.id, { accessToken, appSecret });

      const challenge = await handshake(created.body.webhook.callbackUrl, verifyToken);
      expect(await challenge.text()).toBe("1158201444");
      expect((await handshake(created.body.webhook.callbackUrl, "another-token-123")).status).toBe(403);

      const body = whatsappText(FIXTURE_PHONE_NUMBER_ID, "46700000101", "wamid.admin.1", "Hello there");
      expect(
        (await postWebhook(gateway.url, "whatsapp", body, signatureHeader(body, appSecret))).status,
      ).toBe(200);
      const [inbound] = await threadMessages(gateway.parley.database, created.body.id, "46700000101");
      expect(inbound).toMatchObject({ direction: "in", text: "Hello there" });
      await waitFor(() => graph.sendsTo("46700000101").length === 1, { message: "the reply" });
      expect(graph.sendsTo("46700000101")[0]).toMatchObject({
        path: `/${FIXTURE_PHONE_NUMBER_ID}/messages`,
        authorization: `Bearer ${accessToken}`,
      });
    });

    it("replaces the secrets named, keeps the others, and checks webhooks with the new secret at once", async () => {
      const pageId = freshId();
      const pageAccessToken = secret("page");
      const oldAppSecret = secret("app");
      const created = await api.create<MessengerAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Page",
        externalId: pageId,
        credentials: { pageAccessToken, appSecret: oldAppSecret },
      });
      const path = `/channel-accounts/${created.id}`;
      // Accepted once with the old secret, so the gateway has the account in its lookup cache.
      const before = fixture("messenger", "message_text.json")
        .replaceAll(FIXTURE_PAGE_ID, pageId)
        .replaceAll('"mid": "', '"mid": "before-rotation-');
      expect(
        (await postWebhook(gateway.url, "messenger", before, signatureHeader(before, oldAppSecret))).status,
      ).toBe(200);
      const newAppSecret = secret("app");
      const rotated = await api.patch<MessengerAccount>(path, { credentials: { appSecret: newAppSecret } });
      expect(rotated.status).toBe(200);
      expect(rotated.body.credentialsConfigured).toEqual(["appSecret", "pageAccessToken"]);
      await expectSealed(created.id, { pageAccessToken, appSecret: newAppSecret });

      const event = fixture("messenger", "message_text.json")
        .replaceAll(FIXTURE_PAGE_ID, pageId)
        .replaceAll('"mid": "', '"mid": "rotated-');
      const withOld = await postWebhook(
        gateway.url,
        "messenger",
        event,
        signatureHeader(event, oldAppSecret),
      );
      expect(withOld.status).toBe(403);
      const withNew = await postWebhook(
        gateway.url,
        "messenger",
        event,
        signatureHeader(event, newAppSecret),
      );
      expect(withNew.status).toBe(200);
      expect(await threadMessages(gateway.parley.database, created.id, FIXTURE_PSID)).toHaveLength(2);

      expectError(
        await api.patch(path, { credentials: { pageAccessToken: null } }),
        400,
        "invalid_request",
        "credentials.pageAccessToken",
        "replaced, not removed",
      );
      expectError(
        await api.patch(path, { credentials: { accessToken: secret("wa") } }),
        400,
        "invalid_request",
        "accessToken",
      );
      await expectSealed(created.id, { pageAccessToken, appSecret: newAppSecret });
    });

    it("replaces settings but keeps the verify token Meta was given when it is left out", async () => {
      const created = await api.create<WhatsappAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "Number",
        externalId: freshId(),
        credentials: { accessToken: secret("wa"), appSecret: secret("app") },
        settings: { fallbackTemplate: { name: "hello_world", language: "sv" } },
      });
      const { verifyToken } = created.settings;
      const path = `/channel-accounts/${created.id}`;
      const replaced = await api.patch<WhatsappAccount>(path, { settings: { businessAccountId: "42" } });
      expect(replaced.body.settings).toEqual({
        verifyToken,
        businessAccountId: "42",
        transport: "cloud_api",
      });
      expect(replaced.body.webhook.verifyToken).toBe(verifyToken);
      expect(replaced.body.credentialsConfigured).toEqual(["accessToken", "appSecret"]);

      const retokened = await api.patch<WhatsappAccount>(path, {
        settings: { verifyToken: "a-new-token-1" },
      });
      expect(retokened.body.webhook).toEqual({
        callbackUrl: `${gateway.url}/webhooks/whatsapp`,
        verifyToken: "a-new-token-1",
      });
      expect((await stored(created.id)).settings).toEqual({
        verifyToken: "a-new-token-1",
        transport: "cloud_api",
      });
      expect((await handshake(`${gateway.url}/webhooks/whatsapp`, "a-new-token-1")).status).toBe(200);

      const page = await api.create<MessengerAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Page",
        externalId: freshId(),
        credentials: { pageAccessToken: secret("page"), appSecret: secret("app") },
        settings: { humanAgentTag: true },
      });
      const off = await api.patch<MessengerAccount>(`/channel-accounts/${page.id}`, {
        settings: { humanAgentTag: false },
      });
      expect(off.body.settings).toEqual({ verifyToken: page.settings.verifyToken, humanAgentTag: false });
    });

    /** A Messenger account written straight to the database, as an older gateway would have left it. */
    const storedEarlier = async (credentials: Record<string, string>): Promise<string> => {
      const [owner] = await gateway.testDb.database.db
        .select({ workspaceId: agents.workspaceId })
        .from(agents)
        .where(eq(agents.id, agent.id));
      const [row] = await gateway.testDb.database.db
        .insert(channelAccounts)
        .values({
          workspaceId: owner?.workspaceId ?? "",
          kind: "messenger",
          name: "Stored earlier",
          externalId: freshId(),
          credentials,
          settings: { verifyToken: "an-older-token" },
        })
        .returning({ id: channelAccounts.id });
      if (!row) throw new Error("channel account insert returned nothing");
      return row.id;
    };

    it("seals on their next save the secrets stored in plain before PARLEY_SECRET_KEY was set", async () => {
      const appSecret = secret("app");
      const id = await storedEarlier({ pageAccessToken: secret("page"), appSecret });
      const pageAccessToken = secret("page");
      const saved = await api.patch<MessengerAccount>(`/channel-accounts/${id}`, {
        credentials: { pageAccessToken },
      });
      expect(saved.status).toBe(200);
      await expectSealed(id, { pageAccessToken, appSecret });
    });

    it("asks for every secret again when those stored were sealed under another key (409)", async () => {
      const otherKey = new SecretBox(randomBytes(32));
      const id = await storedEarlier(
        otherKey.sealAll({ pageAccessToken: secret("page"), appSecret: secret("a") }),
      );
      const path = `/channel-accounts/${id}`;
      expect((await api.get(path)).status).toBe(200);
      expectError(
        await api.patch(path, { credentials: { pageAccessToken: secret("page") } }),
        409,
        "conflict",
        "credentials.appSecret",
        "PARLEY_SECRET_KEY",
      );
      const both = { pageAccessToken: secret("page"), appSecret: secret("app") };
      expect((await api.patch(path, { credentials: both })).status).toBe(200);
      await expectSealed(id, both);
    });

    it("refuses invalid secrets, ids and settings with 400 naming the field; stores nothing", async () => {
      const before = (await api.walk<Account>("/channel-accounts", 200)).items.length;
      const page = (changes: Record<string, unknown>) => ({
        kind: "messenger",
        name: "Page",
        externalId: freshId(),
        credentials: { pageAccessToken: secret("page"), appSecret: secret("app") },
        ...changes,
      });
      const number = (changes: Record<string, unknown>) => ({
        ...page({ kind: "whatsapp", credentials: { accessToken: secret("wa"), appSecret: secret("app") } }),
        ...changes,
      });
      const refused: [unknown, ...string[]][] = [
        [page({ credentials: undefined }), "credentials"],
        [page({ credentials: { pageAccessToken: secret("page") } }), "credentials.appSecret"],
        [
          page({ credentials: { pageAccessToken: "", appSecret: secret("app") } }),
          "credentials.pageAccessToken",
        ],
        [
          page({ credentials: { pageAccessToken: "a b", appSecret: secret("a") } }),
          "credentials.pageAccessToken",
        ],
        [page({ credentials: { pageAccessToken: "t", appSecret: 42 } }), "credentials.appSecret"],
        [page({ credentials: { pageAccessToken: "t", appSecret: "s", verifyToken: "x" } }), "verifyToken"],
        [page({ externalId: "My Shop Page" }), "externalId", "digits"],
        [page({ settings: { verifyToken: "short" } }), "settings.verifyToken"],
        [page({ settings: { humanAgentTag: "yes" } }), "settings.humanAgentTag"],
        [page({ settings: { transport: "cloud_api" } }), "transport"],
        [number({ externalId: "+46 70 123 45 67" }), "externalId"],
        [number({ credentials: { pageAccessToken: "t", appSecret: "s" } }), "credentials.accessToken"],
        [number({ settings: { transport: "sms" } }), "settings.transport"],
        [
          number({ settings: { fallbackTemplate: { name: "Bad Name", language: "en" } } }),
          "fallbackTemplate.name",
        ],
        [number({ settings: { fallbackTemplate: { name: "ok" } } }), "settings.fallbackTemplate.language"],
        [number({ settings: { businessAccountId: "waba" } }), "settings.businessAccountId"],
      ];
      for (const [body, ...mentions] of refused) {
        expectError(await api.post("/channel-accounts", body), 400, "invalid_request", ...mentions);
      }
      expect((await api.walk<Account>("/channel-accounts", 200)).items).toHaveLength(before);

      const created = await api.create<WhatsappAccount>("/channel-accounts", number({}));
      const path = `/channel-accounts/${created.id}`;
      expectError(
        await api.patch(path, { settings: { transport: "carrier_pigeon" } }),
        400,
        "invalid_request",
        "settings.transport",
      );
      expectError(await api.patch(path, { externalId: "12 34" }), 400, "invalid_request", "externalId");
      expectError(
        await api.patch(path, { credentials: { appSecret: "" } }),
        400,
        "invalid_request",
        "credentials.appSecret",
      );
      expect((await api.get<WhatsappAccount>(path)).body).toEqual(created);
    });

    it("deletes an account: its verify token and its webhooks are no longer accepted", async () => {
      const appSecret = secret("app");
      const pageId = freshId();
      const created = await api.create<MessengerAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Closing page",
        externalId: pageId,
        credentials: { pageAccessToken: secret("page"), appSecret },
        settings: { verifyToken: "closing-page-token" },
      });
      const path = `/channel-accounts/${created.id}`;
      expect((await handshake(created.webhook.callbackUrl, "closing-page-token")).status).toBe(200);
      expect((await api.delete(path)).status).toBe(204);
      expectError(await api.get(path), 404, "not_found");
      expect((await handshake(created.webhook.callbackUrl, "closing-page-token")).status).toBe(403);
      const listed = await api.get<Page<Account>>("/channel-accounts?kind=messenger");
      expect(listed.body.data.map((a) => a.id)).not.toContain(created.id);
      expect(await stored(created.id).catch(() => undefined)).toBeUndefined();
    });

    // Last, so that it sees what every test above received.
    it("never returned a secret, or a sealed one, in any response", async () => {
      await api.walk("/channel-accounts", 3);
      const everything = api.received.join("\n");
      expect(api.received.length).toBeGreaterThan(30);
      expect(sent.length).toBeGreaterThan(20);
      for (const value of sent) expect(everything).not.toContain(value);
      expect(everything).not.toContain("sealed:v1:");
    });
  });
}
