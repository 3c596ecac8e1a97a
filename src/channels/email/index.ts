import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { ChannelAccountRef, ChannelModule } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";
import { channelAccounts } from "../../db/schema.js";
import type { SecretBox } from "../meta/secret-box.js";
import { emailAccess } from "./account.js";
import { EmailAdapter } from "./adapter.js";
import { MailboxReader, type ReconnectBackoff } from "./mailbox-reader.js";

export {
  type EmailCredentials,
  type EmailSettings,
  emailCredentialsSchema,
  emailSettingsSchema,
} from "./account.js";

export interface EmailDeps {
  database: Database;
  log: Logger;
  clock: Clock;
  secrets: SecretBox;
}

export interface EmailChannelOptions {
  /** How often the accounts table is read for added, changed and removed email accounts. */
  accountScanMs?: number;
  reconnect?: ReconnectBackoff;
}

/**
 * Email: one MailboxReader per email channel account in the database (accounts added, changed or
 * removed later are noticed by a periodic scan), and the SMTP adapter that sends the answers.
 */
export function createEmailChannel(deps: EmailDeps, options: EmailChannelOptions = {}): ChannelModule {
  const log = deps.log.child({ channel: "email" });
  const adapter = new EmailAdapter(deps);
  const readers = new Map<string, { fingerprint: string; reader: MailboxReader | undefined }>();
  const reconnect = options.reconnect ?? { firstMs: 1000, maxMs: 60_000 };
  let scanTimer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> = Promise.resolve();

  function startReader(account: ChannelAccountRef): MailboxReader | undefined {
    try {
      const reader = new MailboxReader(
        { ...deps, log: log.child({ accountId: account.id }) },
        account,
        emailAccess(deps.secrets, account),
        reconnect,
      );
      reader.start();
      return reader;
    } catch (err) {
      log.error({ err, accountId: account.id }, "email account is misconfigured; its mailbox is not read");
      return undefined;
    }
  }

  async function scan(): Promise<void> {
    const accounts = await deps.database.db
      .select()
      .from(channelAccounts)
      .where(eq(channelAccounts.kind, "email"));
    const seen = new Set<string>();
    for (const row of accounts) {
      seen.add(row.id);
      const fingerprint = JSON.stringify([row.externalId, row.settings, row.credentials]);
      const current = readers.get(row.id);
      if (current?.fingerprint === fingerprint) continue;
      await current?.reader?.stop();
      readers.delete(row.id);
      // A misconfigured account is remembered too (without a reader), so it is not logged every scan.
      readers.set(row.id, { fingerprint, reader: startReader(row) });
    }
    for (const [id, { reader }] of readers) {
      if (seen.has(id)) continue;
      await reader?.stop();
      readers.delete(id);
    }
  }

  function scheduleScan(): void {
    scanning = scanning
      .then(scan)
      .catch((err: unknown) => log.warn({ err }, "scanning email accounts failed"));
  }

  return {
    adapter,
    async start() {
      scheduleScan();
      await scanning;
      scanTimer = setInterval(scheduleScan, options.accountScanMs ?? 2000);
      scanTimer.unref();
    },
    async stop() {
      clearInterval(scanTimer);
      await scanning;
      await Promise.all([...readers.values()].map(({ reader }) => reader?.stop()));
      readers.clear();
      adapter.close();
    },
  };
}
