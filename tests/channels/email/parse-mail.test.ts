import { describe, expect, it } from "vitest";
import { parseMail, repairWindows1252 } from "../../../src/channels/email/parse-mail.js";
import { emailFixture } from "./fixtures.js";

describe("parsing mail", () => {
  it.each([
    ["talon_reply_apple_mail.eml", "Hello"],
    ["talon_reply_apple_mail_2.eml", "Hello"],
    ["talon_reply_iphone.eml", "Hello"],
    ["talon_reply_android.eml", "Hello"],
    ["talon_reply_aol.eml", "Hello"],
    ["talon_reply_yahoo.eml", "Hello"],
    ["talon_reply_hotmail.eml", "Hello"],
    ["talon_reply_comcast.eml", "Hello"],
    ["talon_reply_sparrow.eml", "Hello"],
    ["mail_gem_raw_email_reply.eml", "Message body"],
  ])("reads only the new text of %s", async (name, text) => {
    expect((await parseMail(emailFixture(name))).text).toBe(text);
  });

  it.each([
    ["mail_gem_japanese_shift_jis.eml", "このメールはテスト用のメールです。"],
    ["mail_gem_ks_c_5601_1987.eml", "스티해"],
    ["talon_reply_android.eml", "Hello"],
    ["flanker_bilingual-simple.eml", "А эта линия по-русски."],
    ["mail_gem_attachment_pdf.eml", "Just attaching another PDF"],
    ["flanker_8bitmime.eml", "Превел"],
  ])("decodes the charset and transfer encoding of %s", async (name, fragment) => {
    expect((await parseMail(emailFixture(name))).text).toContain(fragment);
  });

  it("decodes RFC 2047 words in the subject and reads the sender", async () => {
    const mail = await parseMail(emailFixture("flanker_bilingual-simple.eml"));
    expect(mail.subject).toBe("Simple text. How are you? Как ты поживаешь?");
    expect(mail.from).toEqual({ address: "hello@example.com", name: "Hello" });
    expect(mail.messageId).toBe("<341090.85574.qm@web50704.mail.re2.yahoo.com>");
  });

  it("reads windows-1252 bytes under an ISO-8859-1 label as windows-1252", async () => {
    const raw = Buffer.concat([
      Buffer.from("From: a@example.com\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"),
      Buffer.from("Content-Transfer-Encoding: 8bit\r\n\r\n"),
      Buffer.from([0x93, 0x48, 0xe9, 0x94, 0x20, 0x80, 0x35]),
    ]);
    expect((await parseMail(raw)).text).toBe("“Hé” €5");
    expect(repairWindows1252("\u009cuvre")).toBe("œuvre");
  });

  it("turns an HTML-only mail into text", async () => {
    const mail = await parseMail(emailFixture("mailparser_spam.eml"));
    expect(mail.text.length).toBeGreaterThan(100);
    expect(mail.text).not.toMatch(/<[a-z]+[ >]/i);
  });

  it("keeps attachments as metadata only", async () => {
    const mail = await parseMail(emailFixture("mailparser_nodemailer.eml"));
    expect(mail.text).toBe("Hello to myself!");
    expect(mail.attachments).toContainEqual({
      name: "nyan cat ✔.gif",
      contentType: "image/gif",
      size: 29361,
    });
    expect(mail.attachments).toContainEqual({ name: "notes.txt", contentType: "text/plain", size: 28 });
  });

  it("reads threading headers", async () => {
    const mail = await parseMail(emailFixture("mail_gem_raw_email_reply.eml"));
    expect(mail.inReplyTo).toEqual(["<348F04F142D69C21-291E56D292BC@xxxx.net>"]);
    expect(mail.references).toEqual([
      "<473FF3B8.9020707@xxx.org>",
      "<348F04F142D69C21-291E56D292BC@xxxx.net>",
    ]);
  });

  it("gives a mail without Message-ID a stable one of its own", async () => {
    const raw = emailFixture("mailparser_mixed.eml");
    const first = await parseMail(raw);
    expect(first.messageId).toMatch(/^<[0-9a-f]{64}@parley\.missing-id>$/);
    expect((await parseMail(raw)).messageId).toBe(first.messageId);
  });
});
