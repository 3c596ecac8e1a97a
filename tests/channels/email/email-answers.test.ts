import { eq } from "drizzle-orm";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMail } from "../../../src/channels/email/parse-mail.js";
import { recognizeSmallTalk, smallTalkReply } from "../../../src/core/agent/small-talk.js";
import { DEMO_SHORT_ANSWERS } from "../../../src/core/demo-content.js";
import { channelAccounts, messages } from "../../../src/db/schema.js";
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
import { emailFixture } from "./fixtures.js";

/** Fixtures a person wrote: each must get one threaded answer to its new text. */
const ANSWERED = [
  "talon_reply_apple_mail.eml",
  "talon_reply_apple_mail_2.eml",
  "talon_reply_iphone.eml",
  "talon_reply_android.eml",
  "talon_reply_aol.eml",
  "talon_reply_yahoo.eml",
  "talon_reply_hotmail.eml",
  "talon_reply_comcast.eml",
  "talon_reply_sparrow.eml",
  "mail_gem_raw_email_reply.eml",
  "mailparser_spam.eml",
  "mailparser_decoderended.eml",
  "flanker_8bitmime.eml",
  "mailparser_nested.eml",
  "mail_gem_attachment_pdf.eml",
  "mailparser_nodemailer.eml",
];

/** Auto-replies, bounces and read receipts: stored as skipped, never answered. */
const SKIPPED: [string, string][] = [
  ["flanker_bounce_delayed.eml", "delivery_report"],
  ["flanker_bounce_gmail-invalid-address.eml", "empty_return_path"],
  ["flanker_bounce_mailbox-full.eml", "delivery_report"],
  ["flanker_bounce_no-mx.eml", "delivery_report"],
  ["mail_gem_multi_address_bounce1.eml", "delivery_report"],
  ["mail_gem_report_530.eml", "delivery_report"],
  ["mailparser_delivery-status.eml", "delivery_report"],
  ["flanker_disposition-notification.eml", "delivery_report"],
];

const answerOf = (language: string, question: string) =>
  DEMO_SHORT_ANSWERS.find((a) => a.language === language && a.question === question)?.answer ?? "";

describe.skipIf(!dovecotInstalled())("email answers against a real Dovecot", () => {
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

      it("stores the mailbox passwords encrypted", async () => {
        const [account] = await gateway.testParley.testDb.database.db
          .select()
          .from(channelAccounts)
          .where(eq(channelAccounts.id, gateway.accountId));
        expect(JSON.stringify(account?.credentials)).not.toContain(MAIL_PASSWORD);
      });

      it("answers every customer fixture once, in its thread, addressing only the new text", async () => {
        for (const name of ANSWERED) await dovecot.deliver(gateway.address, emailFixture(name));
        for (const name of ANSWERED) {
          const mail = await parseMail(emailFixture(name));
          const [answer, ...more] = await gateway.answersTo(mail.messageId);
          expect(more, name).toEqual([]);
          const headers = answer!.headers;
          expect(answer!.inReplyTo, name).toBe(mail.messageId);
          expect(answer!.references, name).toContain(mail.messageId);
          expect(answer!.subject, name).toMatch(/^Re: (?!(re|aw|sv):)/i);
          expect(headers.get("auto-submitted"), name).toBe("auto-replied");
          expect(answer!.from?.value[0]).toEqual({ address: gateway.address, name: "Ava" });
          expect(answer!.to && !Array.isArray(answer!.to) ? answer!.to.value[0]?.address : "").toBe(
            mail.replyTo,
          );
          expect(answer!.text?.trim(), name).not.toBe("");
          expect(answer!.html, name).toContain("<p>");
          const stored = await gateway.stored(mail.messageId);
          expect(stored?.text, name).toBe(mail.text);
          expect(stored?.attachments, name).toEqual(mail.attachments);
        }
        // The replies' new text is a greeting ("Hello"); their quoted history must not change that.
        const hello = await parseMail(emailFixture("talon_reply_hotmail.eml"));
        const [answer] = await gateway.answersTo(hello.messageId);
        const greeting = smallTalkReply(recognizeSmallTalk("Hello") ?? "greeting", "en").text;
        expect(answer!.text?.trim()).toBe(greeting.trim());
      });

      it("answers the question written now, not the one quoted, and keeps the thread's conversation", async () => {
        const first = uniqueMessageId("hours");
        await dovecot.deliver(
          gateway.address,
          customerMail({
            from: "kunde@example.de",
            to: gateway.address,
            subject: "AW: Frage",
            messageId: first,
            body:
              "Wie sind Ihre Öffnungszeiten?\n\nAm 01.02.2024 um 10:00 schrieb Shop <shop@example.de>:\n" +
              "> Wie lange dauert die Lieferung?",
          }),
        );
        const [answer] = await gateway.answersTo(first);
        expect(answer!.text).toContain(answerOf("de", "Wie sind Ihre Öffnungszeiten?"));
        expect(answer!.text).not.toContain(answerOf("de", "Wie lange dauert die Lieferung?"));
        expect(answer!.subject).toBe("Re: Frage");

        const followUp = uniqueMessageId("delivery");
        await dovecot.deliver(
          gateway.address,
          customerMail({
            from: "kunde@example.de",
            to: gateway.address,
            subject: "Re: Frage",
            messageId: followUp,
            inReplyTo: answer!.messageId!,
            references: [first, answer!.messageId!],
            body:
              "Wie lange dauert die Lieferung?\n\nVon: Ava <shop@example.de>\nGesendet: heute\nAn: Kunde\n" +
              "Betreff: Re: Frage\n\nWie sind Ihre Öffnungszeiten?",
          }),
        );
        const [second] = await gateway.answersTo(followUp);
        expect(second!.text).toContain(answerOf("de", "Wie lange dauert die Lieferung?"));
        expect(second!.references).toEqual([first, answer!.messageId, followUp]);
        const [a, b] = [await gateway.stored(first), await gateway.stored(followUp)];
        expect(b?.threadId).toBe(a?.threadId);
        expect(b?.conversationId).toBe(a?.conversationId);
      });

      it("never answers auto-replies, bounces or read receipts, and records why", async () => {
        const autoReply = uniqueMessageId("ooo");
        const raws = [
          ...SKIPPED.map(([name]) => emailFixture(name)),
          Buffer.from(
            customerMail({
              from: "away@example.com",
              to: gateway.address,
              subject: "Automatic reply: Your order",
              messageId: autoReply,
              body: "I am out of the office until Monday.",
            }).replace("MIME-Version", "Auto-Submitted: auto-replied\r\nMIME-Version"),
          ),
        ];
        for (const raw of raws) await dovecot.deliver(gateway.address, raw);
        const expected = [...SKIPPED, [autoReply, "auto_submitted"] as [string, string]];
        for (const [index, [, code]] of expected.entries()) {
          const { messageId } = await parseMail(raws[index]!);
          await waitFor(async () => (await gateway.stored(messageId)) !== undefined, {
            timeoutMs: 20_000,
            message: `${messageId} to be stored`,
          });
          const stored = await gateway.stored(messageId);
          expect(stored?.deliveryState, messageId).toBe("skipped");
          expect(stored?.deliveryError, messageId).toMatch(new RegExp(`^${code}: `));
          const replies = await gateway.testParley.testDb.database.db
            .select()
            .from(messages)
            .where(eq(messages.inReplyToId, stored!.id));
          expect(replies).toEqual([]);
          const answered = receiver.delivered.some((d) =>
            d.raw.toString("utf8").includes(`In-Reply-To: ${messageId}`),
          );
          expect(answered, messageId).toBe(false);
        }
      });

      it("files the answer into the customer's own mailbox", async () => {
        const customer = `reader-${engine}@customer.example`;
        dovecot.addUser(customer);
        const id = uniqueMessageId("mailbox");
        await dovecot.deliver(
          gateway.address,
          customerMail({
            from: customer,
            to: gateway.address,
            subject: "Returns",
            messageId: id,
            body: "Hello!",
          }),
        );
        await gateway.answersTo(id);
        const client = new ImapFlow({
          host: "127.0.0.1",
          port: dovecot.port,
          secure: false,
          auth: { user: customer, pass: MAIL_PASSWORD },
          logger: false,
        });
        client.on("error", () => {});
        await client.connect();
        try {
          await client.mailboxOpen("INBOX");
          const found = await client.fetchAll("1:*", { envelope: true });
          expect(found.map((m) => m.envelope?.inReplyTo)).toContain(id);
          expect(found.map((m) => m.envelope?.subject)).toContain("Re: Returns");
        } finally {
          await client.logout();
        }
      });
    });
  }
});
