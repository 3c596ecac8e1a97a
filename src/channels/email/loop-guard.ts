import type { ParsedMail } from "./parse-mail.js";

/**
 * Why a mail gets no answer. Answering machines must not talk to each other (RFC 3834): an
 * out-of-office reply to an out-of-office reply is a mail loop, and a reply to a bounce or a
 * mailing list reaches nobody who asked.
 */
export type SkipCode =
  | "auto_submitted"
  | "precedence"
  | "autoreply_header"
  | "auto_reply_subject"
  | "mailing_list"
  | "empty_return_path"
  | "mailer_daemon"
  | "own_address"
  | "delivery_report"
  | "no_sender"
  | "sender_rate_limit";

export interface SkipReason {
  code: SkipCode;
  /** The evidence, for the person reading the admin API. */
  detail: string;
}

const AUTOREPLY_HEADERS = ["x-autoreply", "x-autorespond", "x-auto-response-suppress"];
const BULK_PRECEDENCE = /^(bulk|junk|list|auto_reply)\b/i;
const SYSTEM_SENDER = /^(mailer-daemon|postmaster)@/i;
/** Subjects that out-of-office replies carry when their sender set no header at all. */
const AUTO_REPLY_SUBJECT =
  /^(automatic reply|auto[- ]?reply|autoreply|out of office( reply)?|abwesenheitsnotiz|automatische antwort|autosvar|automatisch antwoord|réponse automatique|respuesta automática|risposta automatica|resposta automática|automatisk svar)\s*:/i;

/** The reason not to answer `mail`, or undefined when a person wrote it and expects an answer. */
export function loopGuardReason(mail: ParsedMail, ownAddresses: ReadonlySet<string>): SkipReason | undefined {
  const header = (name: string) => mail.headers.get(name);
  if (mail.reportType !== undefined) {
    return { code: "delivery_report", detail: `multipart/report; report-type=${mail.reportType}` };
  }
  const autoSubmitted = header("auto-submitted");
  if (autoSubmitted !== undefined && !/^no\b/i.test(autoSubmitted)) {
    return { code: "auto_submitted", detail: `Auto-Submitted: ${autoSubmitted}` };
  }
  const precedence = header("precedence");
  if (precedence !== undefined && BULK_PRECEDENCE.test(precedence)) {
    return { code: "precedence", detail: `Precedence: ${precedence}` };
  }
  const autoreply = AUTOREPLY_HEADERS.find((name) => header(name) !== undefined);
  if (autoreply) return { code: "autoreply_header", detail: `${autoreply}: ${header(autoreply)}` };
  const list = ["list-id", "list-unsubscribe"].find((name) => header(name) !== undefined);
  if (list) return { code: "mailing_list", detail: `${list}: ${header(list)}` };
  const returnPath = header("return-path");
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) {
    return { code: "empty_return_path", detail: "Return-Path: <>" };
  }
  if (!mail.from || !mail.replyTo) return { code: "no_sender", detail: "the mail has no From address" };
  if (SYSTEM_SENDER.test(mail.from.address))
    return { code: "mailer_daemon", detail: `From: ${mail.from.address}` };
  const own = [mail.from.address, mail.replyTo].find((a) => ownAddresses.has(a));
  if (own) return { code: "own_address", detail: `sent from this mailbox's own address ${own}` };
  if (AUTO_REPLY_SUBJECT.test(mail.subject))
    return { code: "auto_reply_subject", detail: `Subject: ${mail.subject}` };
  return undefined;
}
