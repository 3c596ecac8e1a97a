import { describe, expect, it } from "vitest";
import { messageIdFor, replyMail, replySubject } from "../../../src/channels/email/reply-mail.js";
import { smtpFailure } from "../../../src/channels/email/smtp-failure.js";

describe("reply mail", () => {
  it.each([
    ["Test", "Re: Test"],
    ["Re: Test", "Re: Test"],
    ["RE: Re: AW: Test", "Re: Test"],
    ["SV: Fråga", "Re: Fråga"],
    ["Antw: Vraag", "Re: Vraag"],
    ["RES: Pergunta", "Re: Pergunta"],
    ["R: Domanda", "Re: Domanda"],
    ["Re[2]: Test", "Re: Test"],
    ["", "Re: (no subject)"],
    ["Return policy", "Re: Return policy"],
  ])("answers %j with the subject %j", (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });

  it("threads under the answered mail and escapes the HTML twin", () => {
    const mail = replyMail({
      text: "Open <9:00>\n\nSee you & bye",
      answered: { messageId: "<b@x>", references: ["<a@x>"], inReplyTo: ["<a@x>"], subject: "AW: Hours" },
      threadKey: "<a@x>",
    });
    expect(mail).toMatchObject({ subject: "Re: Hours", inReplyTo: "<b@x>", references: ["<a@x>", "<b@x>"] });
    expect(mail.html).toContain("<p>Open &#60;9:00&#62;</p>");
    expect(mail.html).toContain("<p>See you &#38; bye</p>");
  });

  it("derives a stable Message-ID in the sender's domain", () => {
    expect(messageIdFor("0b6f", "support@shop.example")).toBe("<parley.0b6f@shop.example>");
  });

  it("sorts SMTP failures into permanent (5xx) and transient (4xx, network)", () => {
    expect(smtpFailure({ responseCode: 550, message: "no such user" })).toMatchObject({
      permanent: true,
      code: "smtp_550",
    });
    expect(smtpFailure({ responseCode: 451, message: "try later" })).toMatchObject({ permanent: false });
    expect(smtpFailure({ code: "ECONNECTION", message: "refused" })).toMatchObject({
      permanent: false,
      code: "smtp_econnection",
    });
  });
});
