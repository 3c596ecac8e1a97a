import type { EmailHeaders } from "./email-data.js";

/** Reply prefixes of the customers' clients (Re, AW, SV, Antw, RES, R, Ref, Odp, Vs), any number of them. */
const REPLY_PREFIXES = /^\s*((re|aw|sv|antw|antwort|res|r|ref|odp|vs|fw|fwd|wg|tr)(\[\d+\])?\s*:\s*)+/i;

/** One "Re: " in front of the thread's subject, however many prefixes the customer's client stacked. */
export function replySubject(subject: string): string {
  const bare = subject.replace(REPLY_PREFIXES, "").trim();
  return `Re: ${bare || "(no subject)"}`;
}

/** Our Message-ID for an outbound message: derived from its id, so a retried send keeps it. */
export function messageIdFor(messageId: string, fromAddress: string): string {
  const domain = fromAddress.split("@")[1] ?? "parley.invalid";
  return `<parley.${messageId}@${domain}>`;
}

export interface ReplyMail {
  subject: string;
  inReplyTo: string | undefined;
  references: string[];
  text: string;
  html: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The answer as a mail in the customer's thread: In-Reply-To the mail it answers, References
 * that mail's References plus its Message-ID (RFC 5322 §3.6.4), in plain text and a simple HTML
 * twin of it. Without an answered mail (a person writing first) it still joins the thread root.
 */
export function replyMail(input: {
  text: string;
  answered: EmailHeaders | undefined;
  threadKey: string;
}): ReplyMail {
  const { answered } = input;
  const references = answered ? [...answered.references, answered.messageId] : [input.threadKey];
  // The answer's text already names its sources (the answerers write them in), so they are not repeated.
  const paragraphs = input.text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`);
  const html = ["<!doctype html><html><body>", ...paragraphs, "</body></html>"].join("\n");
  return {
    subject: replySubject(answered?.subject ?? ""),
    inReplyTo: answered?.messageId ?? input.threadKey,
    references: [...new Set(references)],
    text: input.text,
    html,
  };
}
