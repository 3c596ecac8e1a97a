import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { emailCheckpoints } from "../../src/db/schema.js";
import type { agentSchema } from "../../src/http/admin/schemas/agents.js";
import type { channelAccountSchema } from "../../src/http/admin/schemas/channel-accounts.js";
import type { skippedMessagePageSchema } from "../../src/http/admin/schemas/skipped-messages.js";
import { customerMail, uniqueMessageId } from "../channels/email/email-gateway.js";
import { engines } from "../helpers/db.js";
import {
  dovecotInstalled,
  MAIL_PASSWORD,
  startDovecot,
  startMailReceiver,
  type TestDovecot,
  type TestMailReceiver,
} from "../helpers/dovecot.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";
import { AdminClient } from "./admin-client.js";

/**
 * An email account created through the admin API, not written into the database by the test:
 * what the API stores (settings, sealed passwords, lowercased address) must be what the gateway's
 * mailbox reader logs in with against a real Dovecot, and what its loop guard skips must show up.
 */

type Agent = z.output<typeof agentSchema>;
type Account = z.output<typeof channelAccountSchema>;
type SkippedPage = z.output<typeof skippedMessagePageSchema>;

describe.skipIf(!dovecotInstalled())("admin API: an email account read by the gateway", () => {
  let dovecot: TestDovecot;
  let receiver: TestMailReceiver;
  beforeAll(async () => {
    dovecot = await startDovecot();
    receiver = await startMailReceiver(dovecot);
  });
  afterAll(async () => {
    await receiver?.close();
    await dovecot?.close();
  });

  for (const engine of engines) {
    describe(engine, () => {
      let gateway: TestParley;
      beforeAll(async () => {
        gateway = await startTestParley(engine, {
          env: { PARLEY_SECRET_KEY: randomBytes(32).toString("hex") },
        });
      });
      afterAll(async () => {
        await gateway?.stop();
      });

      it("answers a mail to the mailbox and lists a skipped auto-reply with its reason", async () => {
        const api = new AdminClient(gateway.url, gateway.adminToken);
        const address = `api-${engine}-${randomBytes(3).toString("hex")}@example.test`;
        dovecot.addUser(address);
        const { items } = await api.walk<Agent>("/agents", 50);
        const ava = items.find((a) => a.name === "Ava");
        if (!ava) throw new Error("the demo agent Ava is missing");
        const account = await api.create<Account>("/channel-accounts", {
          kind: "email",
          name: "Support mailbox",
          // Lowercased when stored: the reader and the loop guard compare addresses so.
          externalId: address.toUpperCase(),
          agentId: ava.id,
          settings: {
            imap: { host: "127.0.0.1", port: dovecot.port, tls: "none", user: address },
            smtp: { host: "127.0.0.1", port: receiver.port, tls: "none", user: "gateway" },
            fromAddress: address,
            pollIntervalSeconds: 2,
          },
          credentials: { imapPassword: MAIL_PASSWORD, smtpPassword: "smtp-secret" },
        });
        // Only mail that arrives after the reader's first connection is answered: wait for it.
        const { db } = gateway.testDb.database;
        await waitFor(
          async () =>
            (
              await db
                .select()
                .from(emailCheckpoints)
                .where(eq(emailCheckpoints.channelAccountId, account.id))
            ).length > 0,
          { timeoutMs: 20_000, message: "the mailbox reader's first checkpoint" },
        );

        const question = uniqueMessageId("api-hello");
        await dovecot.deliver(
          address,
          customerMail({
            from: "kunde@example.com",
            to: address,
            subject: "Hello",
            messageId: question,
            body: "Hello",
          }),
        );
        const autoReply = uniqueMessageId("api-away");
        const away = customerMail({
          from: "away@example.com",
          to: address,
          subject: "Out of office",
          messageId: autoReply,
          body: "I am away until Monday.",
        });
        await dovecot.deliver(address, `Auto-Submitted: auto-replied\r\n${away}`);

        const answers = async () => {
          const parsed = await Promise.all(receiver.delivered.map((d) => simpleParser(d.raw)));
          return parsed.filter((m) => m.inReplyTo === question);
        };
        await waitFor(async () => (await answers()).length > 0, {
          timeoutMs: 30_000,
          message: "the gateway's answer to the mail",
        });
        const [answer] = await answers();
        expect(answer?.from?.value[0]?.address).toBe(address);
        expect(answer?.subject).toBe("Re: Hello");

        const skipped = async () =>
          (await api.get<SkippedPage>(`/channel-accounts/${account.id}/skipped-messages`)).body.data;
        await waitFor(async () => (await skipped()).length > 0, {
          timeoutMs: 20_000,
          message: "the auto-reply stored as skipped",
        });
        expect(await skipped()).toEqual([
          {
            id: expect.any(String),
            receivedAt: expect.any(String),
            from: "away@example.com",
            subject: "Out of office",
            reasonCode: "auto_submitted",
            reason: "Auto-Submitted: auto-replied",
          },
        ]);
        // Nothing answers the auto-reply.
        const all = await Promise.all(receiver.delivered.map((d) => simpleParser(d.raw)));
        expect(all.filter((m) => m.inReplyTo === autoReply)).toEqual([]);
        expect(api.received.join("\n")).not.toContain("smtp-secret");
      });
    });
  }
});
