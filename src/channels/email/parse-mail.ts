import { createHash } from "node:crypto";
import { type AddressObject, simpleParser } from "mailparser";
import type { Attachment } from "../../db/schema.js";
import { htmlToText } from "./html-text.js";
import { stripQuotedReply } from "./quoted-reply.js";

/** A received mail reduced to what threading, the loop guard and the agent need. */
export interface ParsedMail {
  /** The mail's Message-ID with its angle brackets; synthesised from the bytes when it has none. */
  messageId: string;
  inReplyTo: string[];
  /** Oldest first, as in the header. */
  references: string[];
  subject: string;
  from: { address: string; name?: string | undefined } | undefined;
  /** Where an answer goes: Reply-To when given, else From. */
  replyTo: string | undefined;
  /** Lower-cased header names with their raw values, for the loop guard. */
  headers: ReadonlyMap<string, string>;
  /** `multipart/report`'s report-type (delivery-status, disposition-notification), if it is one. */
  reportType: string | undefined;
  /** What the customer wrote now: the text part (else text from HTML), quoted history removed. */
  text: string;
  attachments: Attachment[];
}

const MESSAGE_ID = /<[^<>\s]+>/g;

/** Every `<id>` in a header value (In-Reply-To, References), in order. */
export function messageIdsIn(value: string | undefined): string[] {
  return value?.match(MESSAGE_ID) ?? [];
}

/** Text that mailparser decoded as ISO-8859-1 keeps windows-1252's printable 0x80–0x9F as C1 controls. */
const WINDOWS_1252_C1: Record<number, string> = {
  128: "€",
  130: "‚",
  131: "ƒ",
  132: "„",
  133: "…",
  134: "†",
  135: "‡",
  136: "ˆ",
  137: "‰",
  138: "Š",
  139: "‹",
  140: "Œ",
  142: "Ž",
  145: "‘",
  146: "’",
  147: "“",
  148: "”",
  149: "•",
  150: "–",
  151: "—",
  152: "˜",
  153: "™",
  154: "š",
  155: "›",
  156: "œ",
  158: "ž",
  159: "Ÿ",
};

/** Browsers read an ISO-8859-1 label as windows-1252 because senders mean that; so do we. */
export function repairWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0)] ?? "");
}

function firstAddress(value: AddressObject | AddressObject[] | undefined) {
  const first = (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.value)[0];
  return first?.address ? { address: first.address.toLowerCase(), name: first.name || undefined } : undefined;
}

/**
 * A stable id for a mail that has no Message-ID, so a re-read is still recognised. IMAP hands
 * the bytes out with CRLF line ends whatever was stored, so line ends do not count.
 */
function synthesisedMessageId(raw: Buffer): string {
  const digest = createHash("sha256").update(raw.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
  return `<${digest.digest("hex")}@parley.missing-id>`;
}

export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const mail = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const headers = new Map<string, string>();
  for (const line of mail.headerLines) {
    const value = line.line.slice(line.line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ");
    if (!headers.has(line.key)) headers.set(line.key, value.trim());
  }
  const contentType = headers.get("content-type") ?? "";
  const reportType = /^\s*multipart\/report\b/i.test(contentType)
    ? (/report-type\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? "unknown")
    : undefined;
  const fullText = repairWindows1252(mail.text?.trim() ? mail.text : mail.html ? htmlToText(mail.html) : "");
  const stripped = stripQuotedReply(fullText);
  const from = firstAddress(mail.from);
  return {
    messageId: messageIdsIn(mail.messageId)[0] ?? synthesisedMessageId(raw),
    inReplyTo: messageIdsIn(headers.get("in-reply-to")),
    references: messageIdsIn(headers.get("references")),
    subject: repairWindows1252(mail.subject ?? ""),
    from,
    replyTo: firstAddress(mail.replyTo)?.address ?? from?.address,
    headers,
    reportType,
    // A reply that is nothing but quote (or whose stripping left nothing) is better read whole.
    text: stripped || fullText.trim(),
    attachments: mail.attachments.map((a) => ({
      name: a.filename,
      contentType: a.contentType,
      size: a.size,
    })),
  };
}
