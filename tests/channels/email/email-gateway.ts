import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { type ParsedMail, simpleParser } from "mailparser";
import pino from "pino";
import type { EmailSettings } from "../../../src/channels/email/account.js";
import { SecretBox } from "../../../src/channels/meta/secret-box.js";
import { agents, channelAccounts, emailCheckpoints, messages } from "../../../src/db/schema.js";
import { type Parley, startParley } from "../../../src/server.js";
import type { Engine } from "../../helpers/db.js";
import { MAIL_PASSWORD, type TestDovecot, type TestMailReceiver } from "../../helpers/dovecot.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";

/** The key the test gateway encrypts channel secrets with, so the account's passwords are stored sealed. */
const SECRET_KEY = randomBytes(32);

/**
 * The real gateway with one email channel account (assigned to the demo agent Ava) that reads
 * `address` in the test Dovecot and sends through the test SMTP receiver.
 */
export interface EmailGateway {
  address: string;
  accountId: string;
  testParley: TestParley;
  /** The running gateway; replaced by restart(). */
  parley: Parley;
  /** Stops the gateway and starts a new one on the same database, as a deploy or a crash-restart does. */
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  /** Waits for the gateway's answer(s) to the mail with this Message-ID, as the customer's server got them. */
  answersTo(messageId: string, opts?: { count?: number }): Promise<ParsedMail[]>;
  /** The stored inbound message with this Message-ID. */
  stored(messageId: string): Promise<typeof messages.$inferSelect | undefined>;
  close(): Promise<void>;
}

export async function startEmailGateway(
  engine: Engine,
  dovecot: TestDovecot,
  receiver: TestMailReceiver,
  settings: Partial<EmailSettings> = {},
): Promise<EmailGateway> {
  const address = `bot-${engine}-${randomBytes(3).toString("hex")}@example.test`;
  dovecot.addUser(address);
  const testParley = await startTestParley(engine, {
    env: { PARLEY_SECRET_KEY: SECRET_KEY.toString("hex") },
  });
  const { database } = testParley.testDb;
  const [ava] = await database.db.select().from(agents).where(eq(agents.name, "Ava")).limit(1);
  if (!ava) throw new Error("the demo agent Ava is missing");
  const box = new SecretBox(SECRET_KEY);
  const accountSettings: EmailSettings = {
    imap: { host: "127.0.0.1", port: dovecot.port, tls: "none", user: address, mailbox: "INBOX" },
    smtp: { host: "127.0.0.1", port: receiver.port, tls: "none", user: "gateway" },
    fromAddress: address,
    backfill: false,
    pollIntervalSeconds: 2,
    maxAnswersPerSenderPerHour: 20,
    ...settings,
  };
  const [account] = await database.db
    .insert(channelAccounts)
    .values({
      workspaceId: ava.workspaceId,
      kind: "email",
      name: "Support mailbox",
      externalId: address,
      agentId: ava.id,
      settings: accountSettings,
      credentials: box.sealAll({ imapPassword: MAIL_PASSWORD, smtpPassword: "smtp-secret" }),
    })
    .returning();
  if (!account) throw new Error("account insert returned nothing");
  // Only mail that arrives after the reader's first connection is answered: wait for it.
  await waitFor(
    async () =>
      (
        await database.db
          .select()
          .from(emailCheckpoints)
          .where(eq(emailCheckpoints.channelAccountId, account.id))
      ).length > 0,
    { timeoutMs: 20_000, message: "the mailbox reader's first checkpoint" },
  );

  const gateway: EmailGateway = {
    address,
    accountId: account.id,
    testParley,
    parley: testParley.parley,
    async stopGateway() {
      await gateway.parley.stop();
    },
    async startGateway() {
      gateway.parley = await startParley(testParley.parley.config, {
        database,
        log: pino({ level: testParley.parley.config.logLevel }),
      });
    },
    async answersTo(messageId, { count = 1 } = {}) {
      const answers = async () => {
        const all = await Promise.all(receiver.delivered.map((d) => parsedOnce(d.raw)));
        return all.filter(
          (m) => m.inReplyTo === messageId && m.from?.value.some((a) => a.address === address),
        );
      };
      await waitFor(async () => (await answers()).length >= count, {
        timeoutMs: 30_000,
        message: `${count} answer(s) to ${messageId} from ${address}`,
      });
      return answers();
    },
    async stored(messageId) {
      const [row] = await database.db
        .select()
        .from(messages)
        .where(and(eq(messages.channelAccountId, account.id), eq(messages.channelMessageId, messageId)))
        .limit(1);
      return row;
    },
    async close() {
      await gateway.parley.stop();
      await testParley.testDb.drop();
    },
  };
  return gateway;
}

const parsedMails = new WeakMap<Buffer, Promise<ParsedMail>>();
function parsedOnce(raw: Buffer): Promise<ParsedMail> {
  let parsed = parsedMails.get(raw);
  if (!parsed) {
    parsed = simpleParser(raw);
    parsedMails.set(raw, parsed);
  }
  return parsed;
}

/** A customer's plain-text mail (CRLF, as on the wire). */
export function customerMail(input: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  body: string;
  inReplyTo?: string;
  references?: string[];
}): string {
  return [
    `From: Customer <${input.from}>`,
    `To: ${input.to}`,
    `Subject: ${input.subject}`,
    `Message-ID: ${input.messageId}`,
    `Date: ${new Date().toUTCString()}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`] : []),
    ...(input.references ? [`References: ${input.references.join(" ")}`] : []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    input.body.replace(/\n/g, "\r\n"),
    "",
  ].join("\r\n");
}

export function uniqueMessageId(label: string): string {
  return `<${label}.${randomBytes(6).toString("hex")}@customer.example>`;
}
