import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { channelAccounts } from "../../src/db/schema.js";
import type { agentSchema } from "../../src/http/admin/schemas/agents.js";
import {
  channelAccountCreatedSchema,
  channelAccountSchema,
} from "../../src/http/admin/schemas/channel-accounts.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  expectError,
  expectShape,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

type Agent = z.output<typeof agentSchema>;
type ChannelAccount = z.output<typeof channelAccountSchema>;
type CreatedLivechat = Extract<z.output<typeof channelAccountCreatedSchema>, { kind: "livechat" }>;

/** Messenger and WhatsApp accounts cannot be created without the secrets they work with. */
const messengerSecrets = { pageAccessToken: "page-token-for-tests", appSecret: "app-secret-for-tests" };
const whatsappSecrets = { accessToken: "wa-token-for-tests", appSecret: "app-secret-for-tests" };
/** An email account cannot be created without where its mailbox is. */
const emailSettings = (address: string) => ({
  imap: { host: "imap.shop.example", user: address },
  smtp: { host: "smtp.shop.example", user: address },
  fromAddress: address,
});

for (const engine of engines) {
  describe(`admin API: channel accounts (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let agent: Agent;
    let serial = 0;
    /** externalId is unique across the installation, so every test takes fresh ones. */
    const fresh = (prefix: string) => `${prefix}${Date.now()}${serial++}`;

    const storedCredentials = async (id: string) => {
      const [row] = await gateway.testDb.database.db
        .select({ credentials: channelAccounts.credentials })
        .from(channelAccounts)
        .where(eq(channelAccounts.id, id));
      return row?.credentials;
    };

    beforeAll(async () => {
      // No PARLEY_SECRET_KEY here: admin-meta-accounts.test.ts covers the sealed secrets.
      gateway = await startTestParley(engine, { env: { PUBLIC_URL: "https://parley.example/" } });
      api = new AdminClient(gateway.url, gateway.adminToken);
      agent = await api.create<Agent>("/agents", { name: "Inbox agent" });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("creates a live chat with a generated secret, shown once, that Direct Line accepts", async () => {
      const widgetId = fresh("shop-");
      const created = await api.post<CreatedLivechat>("/channel-accounts", {
        kind: "livechat",
        name: "Shop chat",
        externalId: widgetId,
      });
      expect(created.status).toBe(201);
      expectShape(channelAccountCreatedSchema, created.body);
      const secret = created.body.directLineSecret ?? "";
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({
        kind: "livechat",
        name: "Shop chat",
        externalId: widgetId,
        settings: { allowedOrigins: [] },
        credentialsConfigured: ["directLineSecret"],
        agentId: null,
      });
      expect(await storedCredentials(created.body.id)).toEqual({ directLineSecret: secret });

      const path = `/channel-accounts/${created.body.id}`;
      const read = await api.get<ChannelAccount>(path);
      expectShape(channelAccountSchema, read.body);
      const { directLineSecret: _, ...withoutSecret } = created.body;
      expect(read.body).toEqual(withoutSecret);
      const listed = await api.get<Page<ChannelAccount>>("/channel-accounts?kind=livechat");
      expect(listed.body.data).toContainEqual(withoutSecret);
      expect(api.received.filter((text) => text.includes(secret))).toHaveLength(1);

      const directLine = await fetch(`${gateway.url}/v3/directline/tokens/generate`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: "{}",
      });
      expect(directLine.status).toBe(200);
      expect(await directLine.json()).toMatchObject({
        token: expect.any(String),
        conversationId: expect.any(String),
      });
    });

    it("never returns credentials, only their names, and merges them key by key", async () => {
      const client = new AdminClient(gateway.url, gateway.adminToken);
      const secrets = ["imap-password-4f1d1e2b6c", "smtp-password-9a8b7c6d5e", "rotated-77cc88dd"];
      const address = `${fresh("support")}@shop.example`;
      const created = await client.post<ChannelAccount>("/channel-accounts", {
        kind: "email",
        name: "Support mailbox",
        externalId: address,
        settings: emailSettings(address),
        credentials: { imapPassword: secrets[0], smtpPassword: secrets[1] },
      });
      expect(created.status).toBe(201);
      expect(created.body.credentialsConfigured).toEqual(["imapPassword", "smtpPassword"]);
      expect(created.body).not.toHaveProperty("directLineSecret");
      expect(created.body).not.toHaveProperty("credentials");
      const path = `/channel-accounts/${created.body.id}`;

      const changed = await client.patch<ChannelAccount>(path, { credentials: { imapPassword: secrets[2] } });
      expect(changed.body.credentialsConfigured).toEqual(["imapPassword", "smtpPassword"]);
      // No PARLEY_SECRET_KEY on this gateway: kept as given.
      expect(await storedCredentials(created.body.id)).toEqual({
        imapPassword: secrets[2],
        smtpPassword: secrets[1],
      });
      expectError(
        await client.patch(path, { credentials: { smtpPassword: null } }),
        400,
        "invalid_request",
        "credentials.smtpPassword",
        "not removed",
      );
      expectError(
        await client.patch(path, { credentials: { oauthToken: "x" } }),
        400,
        "invalid_request",
        "oauthToken",
      );
      await client.get(path);
      await client.walk("/channel-accounts", 1);

      const everything = client.received.join("\n");
      expect(client.received.length).toBeGreaterThan(4);
      for (const secret of secrets) expect(everything).not.toContain(secret);
    });

    it("shows Meta callback URLs under PUBLIC_URL; without a key, stores secrets as given", async () => {
      const messenger = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Page",
        externalId: fresh("5"),
        credentials: messengerSecrets,
      });
      expect(messenger).toMatchObject({
        webhook: {
          callbackUrl: "https://parley.example/webhooks/messenger",
          verifyToken: expect.any(String),
        },
      });
      const whatsapp = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "Number",
        externalId: fresh("6"),
        credentials: whatsappSecrets,
      });
      expect(whatsapp).toMatchObject({
        webhook: { callbackUrl: "https://parley.example/webhooks/whatsapp", verifyToken: expect.any(String) },
      });
      // The gateway warned at start that PARLEY_SECRET_KEY is unset; the channels read these as they are.
      expect(await storedCredentials(messenger.id)).toEqual(messengerSecrets);
      expect(await storedCredentials(whatsapp.id)).toEqual(whatsappSecrets);
      const listed = await api.get<Page<ChannelAccount>>("/channel-accounts?kind=whatsapp");
      expect(listed.body.data).toContainEqual(whatsapp);
      expect(listed.text).not.toContain(whatsappSecrets.accessToken);
    });

    it("keeps a secret given at creation and does not echo it", async () => {
      const secret = "a-direct-line-secret-chosen-by-the-admin-0001";
      const created = await api.post<CreatedLivechat>("/channel-accounts", {
        kind: "livechat",
        name: "Given secret",
        externalId: fresh("given-"),
        credentials: { directLineSecret: secret },
      });
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty("directLineSecret");
      expect(created.text).not.toContain(secret);
      expect(await storedCredentials(created.body.id)).toEqual({ directLineSecret: secret });
      expectError(
        await api.patch(`/channel-accounts/${created.body.id}`, { credentials: { directLineSecret: null } }),
        400,
        "invalid_request",
        "credentials.directLineSecret",
      );
    });

    it("assigns an agent, unassigns it, and drops the assignment when the agent is deleted", async () => {
      const created = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "WhatsApp number",
        externalId: fresh("1"),
        credentials: whatsappSecrets,
        agentId: agent.id,
      });
      expect(created.agentId).toBe(agent.id);
      const path = `/channel-accounts/${created.id}`;

      const unassigned = await api.patch<ChannelAccount>(path, { agentId: null });
      expect(unassigned.status).toBe(200);
      expect(unassigned.body.agentId).toBeNull();
      expect((await api.get<ChannelAccount>(path)).body.agentId).toBeNull();

      const temporary = await api.create<Agent>("/agents", { name: "Temporary" });
      const assigned = await api.patch<ChannelAccount>(path, { agentId: temporary.id, name: "Renamed" });
      expect(assigned.body).toMatchObject({ agentId: temporary.id, name: "Renamed", kind: "whatsapp" });
      expect(Date.parse(assigned.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

      expect((await api.delete(`/agents/${temporary.id}`)).status).toBe(204);
      expect((await api.get<ChannelAccount>(path)).body.agentId).toBeNull();
    });

    it("refuses to assign an agent of another workspace, or none that exists (404)", async () => {
      const other = await otherWorkspace(gateway);
      const theirAgent = await other.api.create<Agent>("/agents", { name: "Not yours" });
      expectError(
        await api.post("/channel-accounts", {
          kind: "livechat",
          name: "Chat",
          externalId: fresh("chat-"),
          agentId: theirAgent.id,
        }),
        404,
        "not_found",
        "agent",
      );
      const mine = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "livechat",
        name: "Chat",
        externalId: fresh("chat-"),
        // Given, so the response holds no generated secret and equals what a read shows.
        credentials: { directLineSecret: "a-direct-line-secret-of-40-characters-xx" },
        agentId: agent.id,
      });
      const path = `/channel-accounts/${mine.id}`;
      expectError(await api.patch(path, { agentId: theirAgent.id }), 404, "not_found", "agent");
      expectError(await api.patch(path, { agentId: MISSING_ID }), 404, "not_found", "agent");
      expect((await api.get<ChannelAccount>(path)).body).toEqual(mine);
    });

    it("answers 409 when the externalId of that kind is taken, in any workspace", async () => {
      const pageId = fresh("9");
      const page = (name: string, externalId: string) => ({
        kind: "messenger",
        name,
        externalId,
        credentials: messengerSecrets,
      });
      const first = await api.create<ChannelAccount>("/channel-accounts", page("Page", pageId));
      expectError(await api.post("/channel-accounts", page("Again", pageId)), 409, "conflict", pageId);
      const other = await otherWorkspace(gateway);
      expectError(await other.api.post("/channel-accounts", page("Theirs", pageId)), 409, "conflict");
      const sameIdOtherKind = await api.post("/channel-accounts", {
        kind: "whatsapp",
        name: "WA",
        externalId: pageId,
        credentials: whatsappSecrets,
      });
      expect(sameIdOtherKind.status).toBe(201);

      const second = await api.create<ChannelAccount>("/channel-accounts", page("Second page", fresh("8")));
      expectError(
        await api.patch(`/channel-accounts/${second.id}`, { externalId: pageId }),
        409,
        "conflict",
        "externalId",
      );
      expect((await api.get<ChannelAccount>(`/channel-accounts/${first.id}`)).body).toEqual(first);
    });

    it("checks settings against the account's kind and stores origins as browsers send them", async () => {
      const created = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "livechat",
        name: "Chat",
        externalId: fresh("chat-"),
        settings: { allowedOrigins: ["https://Shop.example/", "http://localhost:8080", "*"], title: "Help" },
      });
      expect(created.settings).toEqual({
        allowedOrigins: ["https://shop.example", "http://localhost:8080", "*"],
        title: "Help",
      });
      const path = `/channel-accounts/${created.id}`;
      expectError(
        await api.patch(path, { settings: { allowedOrigins: ["https://shop.example/checkout"] } }),
        400,
        "invalid_request",
        "settings.allowedOrigins.0",
      );
      expectError(
        await api.patch(path, { settings: { allowedOrigins: [], colour: "red" } }),
        400,
        "invalid_request",
        "colour",
      );
      const replaced = await api.patch<ChannelAccount>(path, {
        settings: { allowedOrigins: ["https://b.example"] },
      });
      expect(replaced.body.settings).toEqual({ allowedOrigins: ["https://b.example"] });
      expectError(await api.patch(path, { externalId: "has spaces" }), 400, "invalid_request", "externalId");
      expectError(await api.patch(path, { kind: "email" }), 400, "invalid_request", "kind");
    });

    it("refuses invalid bodies with 400 and a message naming the field", async () => {
      const base = { name: "X", externalId: fresh("x") };
      expectError(
        await api.post("/channel-accounts", { ...base, kind: "telegram" }),
        400,
        "invalid_request",
        "kind",
      );
      expectError(
        await api.post("/channel-accounts", { kind: "livechat", name: "X" }),
        400,
        "invalid_request",
        "externalId",
      );
      expectError(
        await api.post("/channel-accounts", { ...base, kind: "email", externalId: "not-an-address" }),
        400,
        "invalid_request",
        "externalId",
      );
      expectError(
        await api.post("/channel-accounts", {
          ...base,
          kind: "livechat",
          credentials: { directLineSecret: "short" },
        }),
        400,
        "invalid_request",
        "credentials.directLineSecret",
      );
      const page = { kind: "messenger", name: "X", externalId: fresh("4"), credentials: messengerSecrets };
      expectError(
        await api.post("/channel-accounts", { ...page, agentId: "not-a-uuid" }),
        400,
        "invalid_request",
        "agentId",
      );
      expectError(
        await api.post("/channel-accounts", { ...page, credentials: "x" }),
        400,
        "invalid_request",
        "credentials",
      );
    });

    it("hides another workspace's channel accounts: 404 on read, update, delete; not listed", async () => {
      const other = await otherWorkspace(gateway);
      const theirs = await other.api.create<ChannelAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Their page",
        externalId: fresh("7"),
        credentials: messengerSecrets,
      });
      const path = `/channel-accounts/${theirs.id}`;
      expectError(await api.get(path), 404, "not_found", "channel account");
      expectError(await api.patch(path, { agentId: agent.id }), 404, "not_found", "channel account");
      expectError(await api.delete(path), 404, "not_found");
      expect((await api.walk<ChannelAccount>("/channel-accounts", 200)).items.map((c) => c.id)).not.toContain(
        theirs.id,
      );
      expect((await other.api.get<ChannelAccount>(path)).body).toEqual(theirs);
    });

    it("deletes a channel account", async () => {
      const created = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "Old number",
        externalId: fresh("2"),
        credentials: whatsappSecrets,
      });
      const path = `/channel-accounts/${created.id}`;
      expect((await api.delete(path)).status).toBe(204);
      expectError(await api.get(path), 404, "not_found");
      expectError(await api.delete(path), 404, "not_found");
    });

    it("pages through channel accounts without repeats", async () => {
      const other = await otherWorkspace(gateway);
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const created = await other.api.create<ChannelAccount>("/channel-accounts", {
          kind: "livechat",
          name: `Widget ${i}`,
          externalId: fresh("w-"),
        });
        ids.add(created.id);
      }
      const { items, pageSizes } = await other.api.walk<ChannelAccount>("/channel-accounts", 2);
      expect(pageSizes).toEqual([2, 2, 1]);
      expect(items.map((c) => c.id).sort()).toEqual([...ids].sort());
    });
  });
}
