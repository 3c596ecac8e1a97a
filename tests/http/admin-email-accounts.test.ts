import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { emailAccess } from "../../src/channels/email/account.js";
import { SecretBox } from "../../src/channels/meta/secret-box.js";
import { receiveSkippedInbound } from "../../src/core/receive-skipped.js";
import { channelAccounts } from "../../src/db/schema.js";
import { channelAccountSchema } from "../../src/http/admin/schemas/channel-accounts.js";
import { skippedMessagePageSchema } from "../../src/http/admin/schemas/skipped-messages.js";
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

/**
 * Email channel accounts through the admin API, on a gateway with PARLEY_SECRET_KEY: settings
 * checked with the channel's own rules, passwords sealed so the channel opens them, never shown;
 * and the mail the loop guard skipped, listed with its reason.
 */

type Account = z.output<typeof channelAccountSchema>;
type EmailAccount = Extract<Account, { kind: "email" }>;
type SkippedPage = z.output<typeof skippedMessagePageSchema>;

const SECRET_KEY = randomBytes(32);

/** Port 1 refuses at once, so the gateway's reader for these accounts just backs off quietly. */
const settingsFor = (address: string) => ({
  imap: { host: "127.0.0.1", port: 1, tls: "none", user: address },
  smtp: { host: "127.0.0.1", port: 1, tls: "starttls", user: address },
  fromAddress: address,
  displayName: "Shop support",
});

for (const engine of engines) {
  describe(`admin API: email channel accounts (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let serial = 0;
    const freshAddress = () => `support-${Date.now()}-${serial++}@shop.example`;
    /** Every password a test sends; none may ever come back in any response. */
    const sent: string[] = [];
    const password = (name: string) => {
      const value = `${name} ${randomBytes(12).toString("hex")}`;
      sent.push(value);
      return value;
    };
    const stored = async (id: string) => {
      const [row] = await gateway.testDb.database.db
        .select()
        .from(channelAccounts)
        .where(eq(channelAccounts.id, id));
      if (!row) throw new Error(`no channel account ${id}`);
      return row;
    };
    const create = (address: string, credentials: Record<string, string>) =>
      api.create<EmailAccount>("/channel-accounts", {
        kind: "email",
        name: "Support mailbox",
        externalId: address,
        settings: settingsFor(address),
        credentials,
      });

    beforeAll(async () => {
      gateway = await startTestParley(engine, { env: { PARLEY_SECRET_KEY: SECRET_KEY.toString("hex") } });
      api = new AdminClient(gateway.url, gateway.adminToken);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("creates, updates and deletes an email account whose sealed passwords the channel opens", async () => {
      const address = freshAddress();
      const imapPassword = password("imap");
      const smtpPassword = password("smtp");
      const created = await api.post<EmailAccount>("/channel-accounts", {
        kind: "email",
        name: "Support mailbox",
        externalId: address.toUpperCase(),
        settings: settingsFor(address),
        credentials: { imapPassword, smtpPassword },
      });
      expect(created.status).toBe(201);
      expectShape(channelAccountSchema, created.body);
      expect(created.body).toMatchObject({
        kind: "email",
        externalId: address,
        credentialsConfigured: ["imapPassword", "smtpPassword"],
        settings: {
          imap: { host: "127.0.0.1", port: 1, tls: "none", user: address, mailbox: "INBOX" },
          smtp: { host: "127.0.0.1", port: 1, tls: "starttls", user: address },
          fromAddress: address,
          displayName: "Shop support",
          backfill: false,
          pollIntervalSeconds: 60,
          maxAnswersPerSenderPerHour: 20,
        },
      });
      const path = `/channel-accounts/${created.body.id}`;
      const row = await stored(created.body.id);
      for (const value of Object.values(row.credentials)) expect(String(value)).toMatch(/^sealed:v1:/);
      // What the mailbox reader will use: the same box opens what the API sealed.
      const box = new SecretBox(SECRET_KEY);
      expect(emailAccess(box, row)).toMatchObject({ address, credentials: { imapPassword, smtpPassword } });

      const rotated = password("rotated");
      const patched = await api.patch<EmailAccount>(path, {
        name: "Renamed",
        credentials: { smtpPassword: rotated },
        settings: { ...settingsFor(address), pollIntervalSeconds: 5 },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: "Renamed",
        credentialsConfigured: ["imapPassword", "smtpPassword"],
        settings: { pollIntervalSeconds: 5, imap: { mailbox: "INBOX" } },
      });
      const after = await stored(created.body.id);
      expect(String(after.credentials.imapPassword)).toMatch(/^sealed:v1:/);
      expect(emailAccess(box, after).credentials).toEqual({ imapPassword, smtpPassword: rotated });

      expect((await api.get<EmailAccount>(path)).body).toEqual(patched.body);
      await api.walk("/channel-accounts?kind=email", 1);
      expect((await api.delete(path)).status).toBe(204);
      expect((await api.get(path)).status).toBe(404);

      const everything = api.received.join("\n");
      for (const secret of sent) expect(everything).not.toContain(secret);
    });

    it("refuses invalid settings, addresses and credentials with 400 naming the field", async () => {
      const address = freshAddress();
      const credentials = { imapPassword: "a", smtpPassword: "b" };
      const post = (body: Record<string, unknown>) =>
        api.post("/channel-accounts", {
          kind: "email",
          name: "Mailbox",
          externalId: address,
          settings: settingsFor(address),
          credentials,
          ...body,
        });
      const withSettings = (changes: Record<string, unknown>) =>
        post({ settings: { ...settingsFor(address), ...changes } });
      expectError(await post({ settings: undefined }), 400, "invalid_request", "settings");
      expectError(
        await withSettings({ imap: { host: "127.0.0.1", port: 70000, user: address } }),
        400,
        "invalid_request",
        "settings.imap.port",
      );
      expectError(
        await withSettings({ smtp: { host: "h", user: "u", tls: "ssl" } }),
        400,
        "invalid_request",
        "settings.smtp.tls",
      );
      expectError(
        await withSettings({ fromAddress: "nobody" }),
        400,
        "invalid_request",
        "settings.fromAddress",
      );
      expectError(await withSettings({ imapHost: "typo" }), 400, "invalid_request", "imapHost");
      expectError(await post({ externalId: "not-an-address" }), 400, "invalid_request", "externalId");
      expectError(
        await post({ credentials: { imapPassword: "a" } }),
        400,
        "invalid_request",
        "credentials.smtpPassword",
      );
      expectError(await post({ credentials: undefined }), 400, "invalid_request", "credentials");

      const account = await create(address, credentials);
      const path = `/channel-accounts/${account.id}`;
      expectError(
        await api.patch(path, { settings: { fromAddress: address } }),
        400,
        "invalid_request",
        "settings.imap",
      );
      expectError(await api.patch(path, { externalId: "nope" }), 400, "invalid_request", "externalId");
      expectError(
        await api.patch(path, { credentials: { imapPassword: "" } }),
        400,
        "invalid_request",
        "credentials.imapPassword",
      );
      // Mailbox addresses are compared lowercased, so another casing is the same mailbox.
      expectError(
        await api.post("/channel-accounts", {
          kind: "email",
          name: "Again",
          externalId: address.toUpperCase(),
          settings: settingsFor(address),
          credentials,
        }),
        409,
        "conflict",
      );
      expect((await api.get<EmailAccount>(path)).body).toEqual(account);
    });

    it("lists an account's skipped mail newest first, with reasons; not another workspace's", async () => {
      const address = freshAddress();
      const account = await create(address, { imapPassword: "a", smtpPassword: "b" });
      const { database } = gateway.testDb;
      const [row] = await database.db
        .select()
        .from(channelAccounts)
        .where(eq(channelAccounts.id, account.id));
      if (!row) throw new Error("the account is missing");
      const skip = (n: number, reason: string) =>
        receiveSkippedInbound(
          database,
          {
            channelAccountId: row.id,
            workspaceId: row.workspaceId,
            threadKey: `<thread-${n}@customer.example>`,
            contact: { externalId: `customer${n}@customer.example`, email: `customer${n}@customer.example` },
            channelMessageId: `<skipped-${n}@customer.example>`,
            text: "I am out of the office.",
            channelData: { email: { messageId: `<skipped-${n}@customer.example>`, subject: `Away ${n}` } },
          },
          reason,
          new Date(),
        );
      await skip(1, "auto_submitted: Auto-Submitted: auto-replied");
      await skip(2, "mailing_list: List-Id: <news.example>");
      await skip(3, "delivery_report: multipart/report; report-type=delivery-status");

      const path = `/channel-accounts/${account.id}/skipped-messages`;
      const first = await api.get<SkippedPage>(`${path}?limit=2`);
      expect(first.status).toBe(200);
      expectShape(skippedMessagePageSchema, first.body);
      expect(first.body.data[0]).toEqual({
        id: expect.any(String),
        receivedAt: expect.any(String),
        from: "customer3@customer.example",
        subject: "Away 3",
        reasonCode: "delivery_report",
        reason: "multipart/report; report-type=delivery-status",
      });
      const { items, pageSizes } = await api.walk<SkippedPage["data"][number]>(path, 2);
      expect(pageSizes).toEqual([2, 1]);
      expect(items.map((m) => [m.reasonCode, m.reason, m.subject])).toEqual([
        ["delivery_report", "multipart/report; report-type=delivery-status", "Away 3"],
        ["mailing_list", "List-Id: <news.example>", "Away 2"],
        ["auto_submitted", "Auto-Submitted: auto-replied", "Away 1"],
      ]);

      const other = await otherWorkspace(gateway);
      expectError(await other.api.get(path), 404, "not_found", "channel account");
      expectError(await api.get(`/channel-accounts/${MISSING_ID}/skipped-messages`), 404, "not_found");
      const theirs = await other.api.create<Account>("/channel-accounts", {
        kind: "livechat",
        name: "Their chat",
        externalId: `chat-${Date.now()}-${serial++}`,
      });
      expect(
        (await other.api.get<Page<unknown>>(`/channel-accounts/${theirs.id}/skipped-messages`)).body,
      ).toEqual({
        data: [],
        nextCursor: null,
      });
      expectError(await api.get(`${path}?cursor=bogus`), 400, "invalid_cursor");
    });
  });
}
