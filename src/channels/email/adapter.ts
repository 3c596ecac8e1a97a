import { and, desc, eq, ne } from "drizzle-orm";
import nodemailer, { type Transporter } from "nodemailer";
import {
  type ChannelAccountRef,
  type ChannelAdapter,
  type ChannelCapabilities,
  HOUR_MS,
  type OutboundDelivery,
  type SendResult,
} from "../../core/channel.js";
import type { Database } from "../../db/client.js";
import { agents, channelAccounts, messages } from "../../db/schema.js";
import type { SecretBox } from "../meta/secret-box.js";
import { type EmailAccess, emailAccess } from "./account.js";
import { type EmailHeaders, emailHeadersOf } from "./email-data.js";
import { messageIdFor, replyMail } from "./reply-mail.js";
import { smtpFailure } from "./smtp-failure.js";

export const EMAIL_CAPABILITIES: ChannelCapabilities = {
  maxTextLength: 100_000,
  quickReplies: false,
  typingIndicator: false,
  replyWindowMs: null,
  inactivityLifetimeMs: 72 * HOUR_MS,
  reopensAfterClose: true,
};

export interface EmailAdapterDeps {
  database: Database;
  secrets: SecretBox;
}

/**
 * Sends answers through the account's SMTP server as replies in the customer's thread. Our
 * Message-ID is derived from the message's id and returned, so it is stored with the message and
 * the customer's next reply (In-Reply-To it) finds the thread again.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly kind = "email" as const;
  readonly capabilities = EMAIL_CAPABILITIES;
  /** One pooled transport per account, rebuilt when its settings or secrets change. */
  readonly #transports = new Map<string, { fingerprint: string; transport: Transporter }>();

  constructor(private readonly deps: EmailAdapterDeps) {}

  async send(account: ChannelAccountRef, message: OutboundDelivery): Promise<SendResult> {
    const access = emailAccess(this.deps.secrets, account);
    const answered = message.inReplyTo
      ? emailHeadersOf(message.inReplyTo.channelData)
      : await this.#latestCustomerMail(message.messageId);
    const to = answered?.replyTo ?? message.contactExternalId;
    const mail = replyMail({ text: message.text, answered, threadKey: message.threadKey });
    const messageId = messageIdFor(message.messageId, access.settings.fromAddress);
    try {
      await this.#transport(account.id, access).sendMail({
        from: { name: await this.#displayName(account, access), address: access.settings.fromAddress },
        to,
        subject: mail.subject,
        messageId,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        headers: {
          // RFC 3834: an answering machine marks its answers, so other machines do not answer them.
          "Auto-Submitted": "auto-replied",
          ...(message.language ? { "Content-Language": message.language } : {}),
        },
        text: mail.text,
        html: mail.html,
      });
    } catch (err) {
      throw smtpFailure(err);
    }
    return { state: "sent", channelMessageId: messageId };
  }

  /** Closes the pooled SMTP connections (at shutdown). */
  close(): void {
    for (const { transport } of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  #transport(accountId: string, access: EmailAccess): Transporter {
    const { smtp } = access.settings;
    const fingerprint = JSON.stringify([smtp, access.credentials.smtpPassword]);
    const cached = this.#transports.get(accountId);
    if (cached?.fingerprint === fingerprint) return cached.transport;
    cached?.transport.close();
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 2,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls === "implicit",
      requireTLS: smtp.tls === "starttls",
      ignoreTLS: smtp.tls === "none",
      auth: { user: smtp.user, pass: access.credentials.smtpPassword },
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
    this.#transports.set(accountId, { fingerprint, transport });
    return transport;
  }

  /** The name on the From line: the account's display name, else its agent's name, else the account's. */
  async #displayName(account: ChannelAccountRef, access: EmailAccess): Promise<string> {
    if (access.settings.displayName) return access.settings.displayName;
    const [row] = await this.deps.database.db
      .select({ agentName: agents.name })
      .from(channelAccounts)
      .innerJoin(agents, eq(agents.id, channelAccounts.agentId))
      .where(eq(channelAccounts.id, account.id))
      .limit(1);
    return row?.agentName ?? account.name;
  }

  /** For a message that answers no particular mail (a person writing): the thread's latest customer mail. */
  async #latestCustomerMail(messageId: string): Promise<EmailHeaders | undefined> {
    const [self] = await this.deps.database.db
      .select({ threadId: messages.threadId })
      .from(messages)
      .where(eq(messages.id, messageId))
      .limit(1);
    if (!self) return undefined;
    const [latest] = await this.deps.database.db
      .select({ channelData: messages.channelData })
      .from(messages)
      .where(
        and(
          eq(messages.threadId, self.threadId),
          eq(messages.direction, "in"),
          ne(messages.deliveryState, "skipped"),
        ),
      )
      .orderBy(desc(messages.seq))
      .limit(1);
    return latest ? emailHeadersOf(latest.channelData) : undefined;
  }
}
