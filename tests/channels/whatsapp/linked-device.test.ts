import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type {
  ClientLike,
  LinkedClientOptions,
  LinkedMessage,
} from "../../../src/channels/whatsapp/linked-device/client.js";
import { loadConfig } from "../../../src/config.js";
import * as schema from "../../../src/db/schema.js";
import { type Parley, startParley } from "../../../src/server.js";
import { engines, freshDatabase, type TestDatabase } from "../../helpers/db.js";
import { waitFor } from "../../helpers/wait.js";
import { conversationOf, threadMessages } from "../meta/meta-test-kit.js";

/**
 * WhatsApp Web cannot be reached from CI, so these tests drive the linked-device transport
 * through a stand-in with the same events and methods as whatsapp-web.js's Client (the one
 * place a stand-in is accepted); everything else (admin API, core, workers, database) is real.
 */
class StandInClient extends EventEmitter implements ClientLike {
  readonly sent: { chatId: string; content: string }[] = [];
  readonly seen: string[] = [];
  /** Chats WhatsApp does not know: sendMessage answers nothing, as whatsapp-web.js does. */
  readonly missingChats = new Set<string>();
  initialized = false;
  destroyed = false;

  constructor(readonly options: LinkedClientOptions) {
    super();
  }

  async initialize(): Promise<void> {
    this.initialized = true;
  }

  async sendMessage(chatId: string, content: string) {
    if (this.missingChats.has(chatId)) return undefined;
    this.sent.push({ chatId, content });
    return { id: { _serialized: `true_${chatId}_${randomUUID()}` } };
  }

  async sendSeen(chatId: string): Promise<boolean> {
    this.seen.push(chatId);
    return true;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }

  sentTo(chatId: string): string[] {
    return this.sent.filter((s) => s.chatId === chatId).map((s) => s.content);
  }
}

function customerMessage(from: string, body: string, changes: Partial<LinkedMessage> = {}): LinkedMessage {
  return {
    id: { _serialized: `false_${from}_${randomUUID().replaceAll("-", "").toUpperCase()}` },
    from,
    body,
    type: "chat",
    timestamp: Math.floor(Date.now() / 1000),
    fromMe: false,
    _data: { notifyName: "Kim" },
    ...changes,
  };
}

const PHONE_NUMBER = "46701234567";

for (const engine of engines) {
  describe(`WhatsApp linked-device transport (${engine})`, () => {
    const clients: StandInClient[] = [];
    const factory = vi.fn((options: LinkedClientOptions) => {
      const client = new StandInClient(options);
      clients.push(client);
      return client;
    });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "parley-data-"));
    let testDb: TestDatabase;
    let parley: Parley;
    let accountId: string;
    let callsBeforeAnyAccount = -1;

    const api = (route: string, init: RequestInit = {}) =>
      fetch(`${parley.url}/api/v1${route}`, {
        ...init,
        headers: {
          authorization: `Bearer ${parley.adminToken}`,
          "content-type": "application/json",
          ...init.headers,
        },
      });
    const linkedDevice = async () => {
      const res = await api(`/channel-accounts/${accountId}/linked-device`);
      expect(res.status).toBe(200);
      return (await res.json()) as { state: string; qr?: string; error?: string };
    };
    const client = () => {
      const last = clients.at(-1);
      if (!last) throw new Error("no WhatsApp Web client was created");
      return last;
    };
    const outboxOf = (chatId: string) =>
      parley.database.rows<{ last_error: string | null; attempts: number }>(sql`
        SELECT o.last_error, o.attempts FROM outbox o
        JOIN channel_threads t ON t.id = o.thread_id
        WHERE t.channel_account_id = ${accountId} AND t.thread_key = ${chatId}`);

    beforeAll(async () => {
      testDb = await freshDatabase(engine);
      const config = loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        PARLEY_DEMO: "true",
        PARLEY_DATA_DIR: dataDir,
        WORK_POLL_MS: "200",
        SHUTDOWN_TIMEOUT_MS: "2000",
        // Off by default with PostgreSQL, where only one gateway may drive a device.
        WHATSAPP_WEB_ENABLED: "true",
      });
      parley = await startParley(config, {
        database: testDb.database,
        log: pino({ level: config.logLevel }),
        whatsappWebClients: factory,
      });
      // start() has looked the accounts up once: there are none, so no client, no whatsapp-web.js.
      callsBeforeAnyAccount = factory.mock.calls.length;

      const [ava] = await parley.database.db
        .select({ id: schema.agents.id })
        .from(schema.agents)
        .where(eq(schema.agents.name, "Ava"));
      const res = await api("/channel-accounts", {
        method: "POST",
        body: JSON.stringify({
          kind: "whatsapp",
          name: "Shop phone",
          externalId: PHONE_NUMBER,
          settings: { transport: "linked_device" },
          agentId: ava?.id,
        }),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; credentialsConfigured: string[] };
      expect(created.credentialsConfigured).toEqual([]);
      accountId = created.id;
    });
    afterAll(async () => {
      await parley?.stop();
      await testDb?.drop();
    });

    it("creates no client, so never loads whatsapp-web.js, while no account uses linked_device", () => {
      expect(callsBeforeAnyAccount).toBe(0);
    });

    it("starts a client with a persistent session, shows its QR code, then ready", async () => {
      await waitFor(() => clients.length === 1, { message: "the account's client" });
      expect(factory).toHaveBeenCalledTimes(1);
      expect(client().options).toEqual({
        accountId,
        dataPath: path.resolve(dataDir, "whatsapp-web"),
        chromiumPath: "/usr/bin/chromium",
      });
      expect(client().initialized).toBe(true);
      expect((await linkedDevice()).state).toBe("starting");

      client().emit("qr", "2@scan-me,abc=,def=");
      expect(await linkedDevice()).toMatchObject({ state: "qr", qr: "2@scan-me,abc=,def=" });
      client().emit("authenticated");
      expect(await linkedDevice()).not.toHaveProperty("qr");
      client().emit("ready");
      expect((await linkedDevice()).state).toBe("ready");
    });

    it("stores a message once though it is emitted twice, and answers it through sendMessage", async () => {
      const chat = "46700000001@c.us";
      const message = customerMessage(chat, "What are your opening hours?");
      client().emit("message", message);
      client().emit("message", message);
      await waitFor(() => client().sentTo(chat).length === 1, { message: "the reply" });
      expect(client().sentTo(chat)[0]).toContain("open Monday to Friday");
      await waitFor(
        async () => (await threadMessages(parley.database, accountId, chat))[1]?.state === "sent",
        { message: "the reply marked sent" },
      );
      const stored = await threadMessages(parley.database, accountId, chat);
      expect(stored.map((m) => m.direction)).toEqual(["in", "out"]);
      expect(stored[0]?.channelMessageId).toBe(message.id._serialized);
      expect(stored[1]?.channelMessageId).toMatch(/^true_46700000001@c\.us_/);
      expect(client().seen).toEqual([chat]);
    });

    it("answers a Swedish message in Swedish", async () => {
      const chat = "46700000002@c.us";
      client().emit("message", customerMessage(chat, "Vilka öppettider har ni?"));
      await waitFor(() => client().sentTo(chat).length === 1, { message: "the Swedish reply" });
      expect(client().sentTo(chat)[0]).toContain("öppet måndag till fredag");
      expect((await conversationOf(parley.database, accountId, chat))?.language).toBe("sv");
    });

    it("ignores its own, group and status messages, and says what it can read for a voice note", async () => {
      const ignored = [
        customerMessage("46700000004@c.us", "sent from the phone", { fromMe: true }),
        customerMessage("120363000000000001@g.us", "Hello group"),
        customerMessage("status@broadcast", "My status", { isStatus: true }),
      ];
      for (const m of ignored) client().emit("message", m);
      const voice = "46700000005@c.us";
      client().emit("message", customerMessage(voice, "", { type: "ptt" }));
      await waitFor(() => client().sentTo(voice).length === 1, { message: "the voice-note reply" });
      expect(client().sentTo(voice)[0]).toContain("I can only read text");
      for (const m of ignored) {
        expect(await threadMessages(parley.database, accountId, m.from)).toEqual([]);
      }
    });

    it("retries a reply while disconnected and delivers it once a new client is ready", async () => {
      const chat = "46700000003@c.us";
      const first = client();
      // The message arrives just before the connection drops, so its reply meets a device away.
      first.emit("message", customerMessage(chat, "What are your opening hours?"));
      first.emit("disconnected", "NAVIGATION");
      expect(await linkedDevice()).toMatchObject({ state: "disconnected", error: "NAVIGATION" });
      await waitFor(
        async () => (await outboxOf(chat))[0]?.last_error?.startsWith("linked_device_not_ready") === true,
        { message: "a failed attempt queued for retry" },
      );
      await waitFor(() => clients.length === 2, { message: "a new client after the disconnect" });
      expect(first.destroyed).toBe(true);
      expect(first.listenerCount("ready")).toBe(0);
      client().emit("ready");
      await waitFor(() => client().sentTo(chat).length === 1, { message: "the retried reply" });
      expect(first.sentTo(chat)).toEqual([]);
      expect(client().sentTo(chat)[0]).toContain("open Monday to Friday");
      await waitFor(async () => (await outboxOf(chat)).length === 0, { message: "the outbox emptied" });
    });

    it("fails a reply for good when WhatsApp has no such chat", async () => {
      const chat = "46700000006@c.us";
      client().missingChats.add(chat);
      client().emit("message", customerMessage(chat, "Hello?"));
      await waitFor(
        async () => (await threadMessages(parley.database, accountId, chat))[1]?.state === "failed",
        { message: "the failed reply" },
      );
      const [, reply] = await threadMessages(parley.database, accountId, chat);
      expect(reply?.error).toMatch(/^chat_not_found: /);
      expect(await outboxOf(chat)).toEqual([]);
    });

    it("refuses a Cloud API account without credentials and has no linked device for one", async () => {
      const base = { kind: "whatsapp", name: "Cloud", externalId: "99887766554433" };
      const refused = await api("/channel-accounts", { method: "POST", body: JSON.stringify(base) });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("credentials.accessToken");
      const res = await api("/channel-accounts", {
        method: "POST",
        body: JSON.stringify({ ...base, credentials: { accessToken: "token", appSecret: "secret" } }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      expect((await api(`/channel-accounts/${id}/linked-device`)).status).toBe(409);

      // A linked-device account switched to the Cloud API must be given the secrets it never had.
      const linked = await api("/channel-accounts", {
        method: "POST",
        body: JSON.stringify({ ...base, externalId: "4612121212", settings: { transport: "linked_device" } }),
      });
      expect(linked.status).toBe(201);
      const linkedId = ((await linked.json()) as { id: string }).id;
      const patch = (body: unknown) =>
        api(`/channel-accounts/${linkedId}`, { method: "PATCH", body: JSON.stringify(body) });
      const switched = await patch({ settings: { transport: "cloud_api" } });
      expect(switched.status).toBe(400);
      expect(await switched.text()).toContain("credentials.accessToken");
      const withSecrets = await patch({
        settings: { transport: "cloud_api" },
        credentials: { accessToken: "token", appSecret: "secret" },
      });
      expect(withSecrets.status).toBe(200);
      expect(
        ((await withSecrets.json()) as { credentialsConfigured: string[] }).credentialsConfigured,
      ).toEqual(["accessToken", "appSecret"]);
    });
  });
}
