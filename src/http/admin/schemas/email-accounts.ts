import { z } from "zod";
import { emailSettingsSchema } from "../../../channels/email/index.js";
import { requestSchemas } from "./common.js";

/**
 * What the admin API takes for email channel accounts. The rules are the channel's own
 * (channels/email/account.ts reads the stored settings with them), made strict so that a
 * misspelt field is refused rather than silently dropped, and described for the OpenAPI document.
 */

const { imap, smtp, ...rest } = emailSettingsSchema.shape;

const tlsDescription =
  "`implicit`: TLS from the first byte (IMAPS 993, SMTPS 465); `starttls`: a plain connection " +
  "upgraded, never continued without TLS (143, 587); `none`: unencrypted, for a server on the same host.";

export const emailSettingsInputSchema = z
  .strictObject({
    imap: z
      .strictObject({
        host: imap.shape.host.describe("The IMAP server's host name."),
        port: imap.shape.port.describe("993 unless told."),
        tls: imap.shape.tls.describe(tlsDescription),
        user: imap.shape.user.describe("The IMAP login, often the mailbox address."),
        mailbox: imap.shape.mailbox.describe("The folder read for new mail."),
      })
      .describe("Where customer mail is read. The password is `credentials.imapPassword`."),
    smtp: z
      .strictObject({
        host: smtp.shape.host.describe("The SMTP server's host name."),
        port: smtp.shape.port.describe("465 unless told."),
        tls: smtp.shape.tls.describe(tlsDescription),
        user: smtp.shape.user.describe("The SMTP login."),
      })
      .describe("Where answers are sent. The password is `credentials.smtpPassword`."),
    fromAddress: rest.fromAddress.describe(
      "The address answers come from; mail from it is never answered, since it would be our own.",
    ),
    displayName: rest.displayName.describe("The sender name customers see; the agent's name when left out."),
    backfill: rest.backfill.describe(
      "On the first connection, answer the unread mail already in the mailbox, not only new mail.",
    ),
    pollIntervalSeconds: rest.pollIntervalSeconds.describe(
      "How often the mailbox is checked besides IMAP IDLE, which reports new mail at once.",
    ),
    maxAnswersPerSenderPerHour: rest.maxAnswersPerSenderPerHour.describe(
      "The last resort against mail loops that headers do not reveal: further mail is skipped.",
    ),
  })
  .register(requestSchemas, { id: "EmailSettings" });

/** Passwords are kept exactly as typed: spaces may be part of one. */
const password = (description: string) => (use: "create" | "update") =>
  z
    .string({
      error: (issue) =>
        use === "update" && issue.input === null ? "can be replaced, not removed" : undefined,
    })
    .min(1, "must not be empty")
    .max(1024)
    .describe(description);

const imapPassword = password("The IMAP login's password.");
const smtpPassword = password("The SMTP login's password.");

const sealed =
  "Write-only: never returned (responses list the key names in `credentialsConfigured`). " +
  "Encrypted at rest when PARLEY_SECRET_KEY is set.";

export const emailCredentialsCreateSchema = z
  .strictObject({ imapPassword: imapPassword("create"), smtpPassword: smtpPassword("create") })
  .describe(sealed)
  .register(requestSchemas, { id: "EmailCredentials" });

/** An update names the passwords it replaces; the other stays as stored. */
export const emailCredentialsUpdateSchema = z
  .strictObject({ imapPassword: imapPassword("update"), smtpPassword: smtpPassword("update") })
  .partial()
  .describe(`${sealed} Replaces the passwords it names; the other stays.`)
  .register(requestSchemas, { id: "EmailCredentialsUpdate" });

/** The mailbox address, stored lowercased: mail servers and the reader compare it so. */
export const mailboxAddress = z.email("must be the mailbox's email address").toLowerCase();
