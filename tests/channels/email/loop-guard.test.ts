import { describe, expect, it } from "vitest";
import { loopGuardReason } from "../../../src/channels/email/loop-guard.js";
import { parseMail } from "../../../src/channels/email/parse-mail.js";
import { emailFixture } from "./fixtures.js";

const OWN = new Set(["support@shop.example"]);

async function reasonFor(raw: Buffer | string) {
  return loopGuardReason(await parseMail(typeof raw === "string" ? Buffer.from(raw) : raw), OWN);
}

function mailWith(headers: string): string {
  return `From: Customer <c@example.com>\r\nTo: support@shop.example\r\nSubject: Hello\r\n${headers}\r\n\r\nHi\r\n`;
}

describe("loop guard", () => {
  it.each([
    ["flanker_bounce_delayed.eml", "delivery_report"],
    ["flanker_bounce_mailbox-full.eml", "delivery_report"],
    ["flanker_bounce_no-mx.eml", "delivery_report"],
    ["mail_gem_multi_address_bounce1.eml", "delivery_report"],
    ["mail_gem_report_530.eml", "delivery_report"],
    ["mailparser_delivery-status.eml", "delivery_report"],
    ["flanker_disposition-notification.eml", "delivery_report"],
    ["flanker_bounce_gmail-invalid-address.eml", "empty_return_path"],
  ])("skips %s (%s)", async (name, code) => {
    expect((await reasonFor(emailFixture(name)))?.code).toBe(code);
  });

  it.each([
    ["Auto-Submitted: auto-replied", "auto_submitted"],
    ["Auto-Submitted: auto-generated", "auto_submitted"],
    ["Precedence: bulk", "precedence"],
    ["Precedence: auto_reply", "precedence"],
    ["X-Autoreply: yes", "autoreply_header"],
    ["X-Autorespond: on", "autoreply_header"],
    ["X-Auto-Response-Suppress: All", "autoreply_header"],
    ["List-Id: <news.example.com>", "mailing_list"],
    ["List-Unsubscribe: <mailto:u@example.com>", "mailing_list"],
    ["Return-Path: <>", "empty_return_path"],
  ])("skips a mail with %s", async (header, code) => {
    expect((await reasonFor(mailWith(header)))?.code).toBe(code);
  });

  it("skips system senders, our own address and out-of-office subjects", async () => {
    const from = (address: string) => `From: ${address}\r\nSubject: Hi\r\n\r\nHi\r\n`;
    expect((await reasonFor(from("postmaster@example.com")))?.code).toBe("mailer_daemon");
    expect((await reasonFor(from("Support <Support@Shop.example>")))?.code).toBe("own_address");
    const subject = (s: string) => `From: c@example.com\r\nSubject: ${s}\r\n\r\nHi\r\n`;
    expect((await reasonFor(subject("Automatic reply: Your order")))?.code).toBe("auto_reply_subject");
    expect((await reasonFor(subject("Abwesenheitsnotiz: Bestellung")))?.code).toBe("auto_reply_subject");
    expect((await reasonFor(subject("Out of office hours delivery?")))?.code).toBeUndefined();
  });

  it.each([
    "talon_reply_apple_mail.eml",
    "talon_reply_hotmail.eml",
    "mailparser_spam.eml",
    "mail_gem_attachment_pdf.eml",
    "mailparser_nodemailer.eml",
  ])("answers %s", async (name) => {
    expect(await reasonFor(emailFixture(name))).toBeUndefined();
  });

  it("answers Auto-Submitted: no", async () => {
    expect(await reasonFor(mailWith("Auto-Submitted: no"))).toBeUndefined();
  });
});
