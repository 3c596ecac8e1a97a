import { and, eq } from "drizzle-orm";
import type { ChannelAccountRef, InboundMessage } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import { receiveInbound } from "../../core/receive.js";
import { receiveSkippedInbound } from "../../core/receive-skipped.js";
import { stepBackForPerson } from "../../core/step-back.js";
import { UNREADABLE } from "../../core/unreadable-message.js";
import type { Database } from "../../db/client.js";
import { messages } from "../../db/schema.js";
import { EMAIL_DATA, type EmailHeaders } from "./email-data.js";
import { loopGuardReason, type SkipReason } from "./loop-guard.js";
import { parseMail } from "./parse-mail.js";
import { senderOverLimit } from "./sender-rate-limit.js";
import { threadKeyOf } from "./thread-key.js";

export interface ReceiveMailDeps {
  database: Database;
  clock: Clock;
}

export type MailOutcome = "received" | "skipped" | "duplicate";

/**
 * One mail from the mailbox into the core: stored for an answer, or stored as skipped with the
 * loop guard's reason, or recognised by its Message-ID as one stored before (a re-read after a
 * crash or a UIDVALIDITY change) and left alone.
 */
export async function receiveMail(
  deps: ReceiveMailDeps,
  account: ChannelAccountRef,
  settings: { fromAddress: string; maxAnswersPerSenderPerHour: number },
  raw: Buffer,
): Promise<MailOutcome> {
  const mail = await parseMail(raw);
  const [stored] = await deps.database.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.channelAccountId, account.id), eq(messages.channelMessageId, mail.messageId)))
    .limit(1);
  if (stored) return "duplicate";

  const now = deps.clock.now();
  const sender = mail.from?.address ?? "unknown";
  const own = new Set([account.externalId.toLowerCase(), settings.fromAddress.toLowerCase()]);
  const skip: SkipReason | undefined =
    loopGuardReason(mail, own) ??
    ((await senderOverLimit(deps.database, {
      channelAccountId: account.id,
      sender,
      limit: settings.maxAnswersPerSenderPerHour,
      now,
    }))
      ? {
          code: "sender_rate_limit",
          detail: `more than ${settings.maxAnswersPerSenderPerHour} mails in an hour`,
        }
      : undefined);

  const email: EmailHeaders = {
    messageId: mail.messageId,
    references: mail.references,
    inReplyTo: mail.inReplyTo,
    subject: mail.subject,
    replyTo: mail.replyTo,
  };
  const inbound: InboundMessage = {
    channelAccountId: account.id,
    workspaceId: account.workspaceId,
    threadKey: await threadKeyOf(deps.database, account.id, mail),
    contact: { externalId: sender, name: mail.from?.name, email: mail.from?.address },
    channelMessageId: mail.messageId,
    text: mail.text,
    attachments: mail.attachments,
    channelData: {
      [EMAIL_DATA]: email,
      // Only attachments, or nothing readable: answered with "I can only read text".
      ...(mail.text.trim() === "" ? { [UNREADABLE]: true } : {}),
    },
  };
  if (skip) {
    const inserted = await receiveSkippedInbound(deps.database, inbound, `${skip.code}: ${skip.detail}`, now);
    // A mail from the mailbox's own address that answers a thread we know is a person replying
    // from the shared mailbox: from now on the agent must not talk over them.
    if (inserted && skip.code === "own_address" && inbound.threadKey !== mail.messageId) {
      await stepBackForPerson(deps.database, deps.clock, {
        channelAccountId: account.id,
        threadKey: inbound.threadKey,
        reason: "person_replied_from_mailbox",
      });
    }
    return inserted ? "skipped" : "duplicate";
  }
  const received = await receiveInbound(deps.database, inbound);
  return received.duplicate ? "duplicate" : "received";
}
