import { eq, sql } from "drizzle-orm";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailCheckpoints, messages } from "../../../src/db/schema.js";
import { engines } from "../../helpers/db.js";
import {
  dovecotInstalled,
  MAIL_PASSWORD,
  startDovecot,
  startMailReceiver,
  type TestDovecot,
  type TestMailReceiver,
} from "../../helpers/dovecot.js";
import { waitFor } from "../../helpers/wait.js";
import { customerMail, type EmailGateway, startEmailGateway, uniqueMessageId } from "./email-gateway.js";

describe.skipIf(!dovecotInstalled())("email: nothing missed, nothing answered twice", () => {
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
      let gateway: EmailGateway;
      beforeAll(async () => {
        gateway = await startEmailGateway(engine, dovecot, receiver);
      });
      afterAll(async () => {
        await gateway?.close();
      });

      const question = (label: string, body: string) => {
        const messageId = uniqueMessageId(label);
        const raw = customerMail({
          from: `${label}@customer.example`,
          to: gateway.address,
          subject: "Question",
          messageId,
          body,
        });
        return { messageId, deliver: () => dovecot.deliver(gateway.address, raw) };
      };

      /** Every reply the gateway committed to this inbound mail (the unique key allows one). */
      const repliesTo = async (messageId: string) => {
        const inbound = await gateway.stored(messageId);
        if (!inbound) return [];
        return gateway.testParley.testDb.database.db
          .select()
          .from(messages)
          .where(eq(messages.inReplyToId, inbound.id));
      };

      it("answers mail that arrived while the gateway was down, and nothing twice", async () => {
        const before = question("before", "What are your opening hours?");
        await before.deliver();
        await gateway.answersTo(before.messageId);

        await gateway.stopGateway();
        const during = question("during", "How long does delivery take?");
        await during.deliver();
        await gateway.startGateway();

        await gateway.answersTo(during.messageId);
        const after = question("after", "Hello!");
        await after.deliver();
        await gateway.answersTo(after.messageId);
        // Had the restart re-read the first mail, its second answer would have gone out before these.
        expect(await gateway.answersTo(before.messageId)).toHaveLength(1);
        expect(await gateway.answersTo(during.messageId)).toHaveLength(1);
        expect(await repliesTo(before.messageId)).toHaveLength(1);
      });

      it("resynchronises after a UIDVALIDITY change without answering anything twice", async () => {
        const first = question("resync-first", "What are your opening hours?");
        await first.deliver();
        await gateway.answersTo(first.messageId);
        // As if the server had renumbered the mailbox: the stored UIDVALIDITY no longer matches.
        await gateway.testParley.testDb.database.db
          .update(emailCheckpoints)
          .set({ uidValidity: 1, lastUid: 0 })
          .where(eq(emailCheckpoints.channelAccountId, gateway.accountId));
        const next = question("resync-next", "How long does delivery take?");
        await next.deliver();
        await gateway.answersTo(next.messageId);
        await waitFor(
          async () => {
            const [row] = await gateway.testParley.testDb.database.db
              .select()
              .from(emailCheckpoints)
              .where(eq(emailCheckpoints.channelAccountId, gateway.accountId));
            return row !== undefined && row.uidValidity !== 1;
          },
          { message: "the checkpoint to take the mailbox's UIDVALIDITY again" },
        );
        expect(await gateway.answersTo(first.messageId)).toHaveLength(1);
        expect(await repliesTo(first.messageId)).toHaveLength(1);
      });

      it("reconnects after Dovecot restarts and answers the mail that arrived meanwhile", async () => {
        await dovecot.stop();
        const meanwhile = question("meanwhile", "Hello, what are your opening hours?");
        await meanwhile.deliver();
        await dovecot.start();
        await gateway.answersTo(meanwhile.messageId);
        const later = question("later", "How long does delivery take?");
        await later.deliver();
        await gateway.answersTo(later.messageId);
        expect(await gateway.answersTo(meanwhile.messageId)).toHaveLength(1);
      });

      it("retries a 4xx refusal and records a 5xx one on the message for good", async () => {
        receiver.refuseWith = { code: 451, message: "try again later" };
        const deferred = question("deferred", "What are your opening hours?");
        await deferred.deliver();
        await waitFor(async () => (await repliesTo(deferred.messageId))[0]?.deliveryState === "pending", {
          message: "the answer to wait for a retry",
        });
        receiver.refuseWith = undefined;
        await gateway.answersTo(deferred.messageId);

        receiver.refuseWith = { code: 550, message: "no such user" };
        const refused = question("refused", "How long does delivery take?");
        await refused.deliver();
        await waitFor(async () => (await repliesTo(refused.messageId))[0]?.deliveryState === "failed", {
          message: "the refused answer to be recorded as failed",
        });
        receiver.refuseWith = undefined;
        const [reply] = await repliesTo(refused.messageId);
        expect(reply?.deliveryError).toMatch(/^smtp_550: .*no such user/);
      });

      it("marks handled mail \\Seen and stores each Message-ID once", async () => {
        const duplicates = await gateway.testParley.testDb.database.rows(sql`
          SELECT channel_message_id FROM messages
          WHERE channel_account_id = ${gateway.accountId} AND direction = 'in'
          GROUP BY channel_message_id HAVING count(*) > 1`);
        expect(duplicates).toEqual([]);
        const client = new ImapFlow({
          host: "127.0.0.1",
          port: dovecot.port,
          secure: false,
          auth: { user: gateway.address, pass: MAIL_PASSWORD },
          logger: false,
        });
        client.on("error", () => {});
        await client.connect();
        try {
          const status = await client.status("INBOX", { messages: true, unseen: true });
          expect(status).toMatchObject({ unseen: 0 });
          expect(status ? status.messages : 0).toBeGreaterThanOrEqual(7);
        } finally {
          await client.logout();
        }
      });
    });
  }
});
