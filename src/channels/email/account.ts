import { z } from "zod";
import type { ChannelAccountRef } from "../../core/channel.js";
import type { SecretBox } from "../meta/secret-box.js";

/** An email channel account's secrets, stored sealed (see SecretBox) and never returned by the API. */
export const emailCredentialsSchema = z.object({
  imapPassword: z.string().min(1),
  smtpPassword: z.string().min(1),
});
export type EmailCredentials = z.infer<typeof emailCredentialsSchema>;

/**
 * How a connection is protected: `implicit` TLS from the first byte (IMAPS 993, SMTPS 465),
 * `starttls` upgrades a plain connection and refuses to go on without it (143, 587), `none` is
 * for a server on the same host or a test server only.
 */
export const mailTlsSchema = z.enum(["implicit", "starttls", "none"]);
export type MailTls = z.infer<typeof mailTlsSchema>;

const host = z.string().trim().min(1).max(255);
const port = z.number().int().min(1).max(65535);

/** An email channel account's settings; shown by the API. The mailbox address is its externalId. */
export const emailSettingsSchema = z.object({
  imap: z.object({
    host,
    port: port.default(993),
    tls: mailTlsSchema.default("implicit"),
    user: z.string().min(1),
    mailbox: z.string().min(1).default("INBOX"),
  }),
  smtp: z.object({
    host,
    port: port.default(465),
    tls: mailTlsSchema.default("implicit"),
    user: z.string().min(1),
  }),
  /** The address answers come from; mail from it is never answered (it would be our own). */
  fromAddress: z.email(),
  /** The sender name customers see; the assigned agent's name when left out. */
  displayName: z.string().trim().min(1).max(100).optional(),
  /** On the first connection, answer the unread mail already in the mailbox instead of only new mail. */
  backfill: z.boolean().default(false),
  /** How often the mailbox is checked besides IMAP IDLE, which reports new mail at once. */
  pollIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  /** The last resort against loops the headers do not reveal: answers per sender per hour. */
  maxAnswersPerSenderPerHour: z.number().int().min(1).max(1000).default(20),
});
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

export interface EmailAccess {
  address: string;
  credentials: EmailCredentials;
  settings: EmailSettings;
}

export function emailAccess(box: SecretBox, account: ChannelAccountRef): EmailAccess {
  return {
    address: account.externalId.toLowerCase(),
    credentials: box.openAll(emailCredentialsSchema.parse(account.credentials)),
    settings: emailSettingsSchema.parse(account.settings),
  };
}
