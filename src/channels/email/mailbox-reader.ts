import { ImapFlow, type MailboxObject } from "imapflow";
import type { Logger } from "pino";
import type { ChannelAccountRef } from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";
import type { EmailAccess } from "./account.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { receiveMail } from "./receive-mail.js";

export interface MailboxReaderDeps {
  database: Database;
  clock: Clock;
  log: Logger;
}

export interface ReconnectBackoff {
  firstMs: number;
  maxMs: number;
}

const DAY_MS = 86_400_000;
/** How long the connection rests before IDLE starts; short, since the reader issues few commands. */
const AUTO_IDLE_DELAY_MS = 1000;
/** Servers drop an IDLE after 30 minutes (RFC 2177 asks clients to renew before 29). */
const MAX_IDLE_MS = 25 * 60_000;

/**
 * Reads one mailbox: one IMAP connection, IDLE for new mail at once plus a periodic poll in case
 * a notification is lost, and a fresh client with growing backoff whenever the connection drops
 * (an ImapFlow instance cannot reconnect). Every mail is stored before it is flagged \Seen and
 * before the persisted (UIDVALIDITY, last UID) checkpoint moves past it, so a crash at any point
 * means a re-read, which the Message-ID de-duplication makes harmless, never a lost mail.
 */
export class MailboxReader {
  #stopped = false;
  #client: ImapFlow | undefined;
  #newMail = false;
  #wakeUp: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly deps: MailboxReaderDeps,
    private readonly account: ChannelAccountRef,
    private readonly access: EmailAccess,
    private readonly backoff: ReconnectBackoff,
  ) {}

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp?.();
    this.#client?.close();
    await this.#running;
  }

  get #log(): Logger {
    return this.deps.log;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        await this.#session(() => {
          failures = 0;
        });
      } catch (err) {
        if (!this.#stopped) this.#log.warn({ err, mailbox: this.access.address }, "IMAP session ended");
      }
      if (this.#stopped) return;
      failures += 1;
      const delayMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (failures - 1));
      await this.#pause(delayMs * (0.75 + Math.random() / 2), { wakeOnMail: false });
    }
  }

  async #session(connected: () => void): Promise<void> {
    const { imap } = this.access.settings;
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.tls === "implicit",
      doSTARTTLS: imap.tls === "starttls" ? true : imap.tls === "none" ? false : undefined,
      auth: { user: imap.user, pass: this.access.credentials.imapPassword },
      logger: false,
      autoIdleDelay: AUTO_IDLE_DELAY_MS,
      maxIdleTime: MAX_IDLE_MS,
    });
    this.#client = client;
    // Without a listener, a dropped connection's 'error' event would crash the whole gateway.
    client.on("error", (err: unknown) => this.#log.warn({ err, mailbox: this.access.address }, "IMAP error"));
    client.on("exists", () => {
      this.#newMail = true;
      this.#wakeUp?.();
    });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    try {
      await client.connect();
      const mailbox = await client.mailboxOpen(imap.mailbox);
      connected();
      this.#log.info({ mailbox: this.access.address }, "reading mailbox");
      while (!this.#stopped && client.usable) {
        this.#newMail = false;
        await this.#catchUp(client, mailbox);
        await Promise.race([closed, this.#pause(this.access.settings.pollIntervalSeconds * 1000)]);
      }
      if (!this.#stopped) throw new Error("the IMAP connection closed");
    } finally {
      client.close();
    }
  }

  /** Resolves after `ms`, or earlier when new mail is announced (or the reader stops). */
  #pause(ms: number, { wakeOnMail = true } = {}): Promise<void> {
    if (this.#stopped || (wakeOnMail && this.#newMail)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = wakeOnMail ? done : () => this.#stopped && done();
    });
  }

  async #catchUp(client: ImapFlow, mailbox: MailboxObject): Promise<void> {
    const { database } = this.deps;
    const uidValidity = Number(mailbox.uidValidity);
    const name = this.access.settings.imap.mailbox;
    const checkpoint = await loadCheckpoint(database, this.account.id, name);
    if (!checkpoint) {
      // First contact: the mailbox's history is not ours to answer, unless the admin asked for it.
      const backlog = this.access.settings.backfill ? await this.#search(client, { seen: false }) : [];
      await this.#handle(client, uidValidity, backlog);
      await saveCheckpoint(database, {
        channelAccountId: this.account.id,
        mailbox: name,
        uidValidity,
        lastUid: Math.max(mailbox.uidNext - 1, ...backlog),
      });
      return;
    }
    if (checkpoint.uidValidity !== uidValidity) {
      // The server renumbered the mailbox: re-read what arrived around and after our last step.
      this.#log.warn({ mailbox: this.access.address, uidValidity }, "UIDVALIDITY changed; resynchronising");
      const since = new Date(checkpoint.updatedAt.getTime() - DAY_MS);
      const recent = await this.#search(client, { since });
      await this.#handle(client, uidValidity, recent);
      await saveCheckpoint(database, {
        channelAccountId: this.account.id,
        mailbox: name,
        uidValidity,
        lastUid: Math.max(mailbox.uidNext - 1, ...recent),
      });
      return;
    }
    // `N:*` always includes the highest UID, even below N, so the range alone is not enough.
    const fresh = (await this.#search(client, { uid: `${checkpoint.lastUid + 1}:*` })).filter(
      (uid) => uid > checkpoint.lastUid,
    );
    await this.#handle(client, uidValidity, fresh);
  }

  async #search(client: ImapFlow, query: Parameters<ImapFlow["search"]>[0]): Promise<number[]> {
    const uids = await client.search(query, { uid: true });
    return (uids || []).sort((a, b) => a - b);
  }

  async #handle(client: ImapFlow, uidValidity: number, uids: number[]): Promise<void> {
    const name = this.access.settings.imap.mailbox;
    for (const uid of uids) {
      if (this.#stopped) return;
      const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
      if (message && message.source !== undefined) {
        const outcome = await receiveMail(this.deps, this.account, this.access.settings, message.source);
        this.#log.info({ mailbox: this.access.address, uid, outcome }, "mail read");
      }
      await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
      await saveCheckpoint(this.deps.database, {
        channelAccountId: this.account.id,
        mailbox: name,
        uidValidity,
        lastUid: uid,
      });
    }
  }
}
