import { and, asc, eq } from "drizzle-orm";
import pino from "pino";
import { EMAIL_CAPABILITIES } from "../../src/channels/email/adapter.js";
import { LIVECHAT_CAPABILITIES } from "../../src/channels/livechat/adapter.js";
import { MESSENGER_CAPABILITIES } from "../../src/channels/messenger/adapter.js";
import { WHATSAPP_CAPABILITIES } from "../../src/channels/whatsapp/adapter.js";
import type { Answerer } from "../../src/core/agent/types.js";
import type {
  ChannelAccountRef,
  ChannelAdapter,
  ChannelCapabilities,
  InboundMessage,
  OutboundDelivery,
} from "../../src/core/channel.js";
import { ChargeApplier } from "../../src/core/charge-applier.js";
import { ManualClock } from "../../src/core/clock.js";
import { DeliveryWorker } from "../../src/core/delivery-worker.js";
import { receiveInbound } from "../../src/core/receive.js";
import { ThreadWorker, type ThreadWorkerDeps } from "../../src/core/thread-worker.js";
import { createWorkspace } from "../../src/core/workspaces.js";
import type { Database } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { CHANNEL_KINDS, type ChannelKind } from "../../src/db/schema.js";
import { type Engine, freshDatabase, type TestDatabase } from "./db.js";
import { waitFor } from "./wait.js";

/**
 * The message path in this process, over a fresh database: one workspace and agent, a channel
 * account of every kind with that channel's real capabilities, and adapters whose send() only
 * records what it was asked to deliver (the channels' own tests cover the platforms).
 */

export class RecordingAdapter implements ChannelAdapter {
  sent: OutboundDelivery[] = [];
  constructor(
    readonly kind: ChannelKind,
    readonly capabilities: ChannelCapabilities,
  ) {}
  async send(_account: ChannelAccountRef, message: OutboundDelivery) {
    this.sent.push(message);
    return { state: "delivered" as const, channelMessageId: `sent-${message.messageId}` };
  }
}

export const CAPABILITIES: Record<ChannelKind, ChannelCapabilities> = {
  livechat: LIVECHAT_CAPABILITIES,
  messenger: MESSENGER_CAPABILITIES,
  whatsapp: WHATSAPP_CAPABILITIES,
  email: EMAIL_CAPABILITIES,
};

export const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export interface CoreHarness {
  tdb: TestDatabase;
  db: Database["db"];
  database: Database;
  clock: ManualClock;
  workspaceId: string;
  agentId: string;
  accounts: Record<ChannelKind, string>;
  /** The adapters the running workers use, by kind. */
  adapters: Map<ChannelKind, RecordingAdapter>;
  /**
   * `delivery: false` leaves sending to a delivery worker the test runs itself, `charges: false`
   * applying charges to a charge applier the test runs itself.
   */
  startWorkers(
    answerer: Answerer,
    count?: number,
    opts?: { delivery?: boolean; charges?: boolean },
  ): Promise<void>;
  stopWorkers(): Promise<void>;
  /**
   * A thread worker on the harness's database, clock and adapters (not started), for tests that
   * run one themselves: with another database (a proxy), lease or poll, say.
   */
  threadWorker(answerer: Answerer, overrides?: Partial<ThreadWorkerDeps>): ThreadWorker;
  newThread(): string;
  message(
    kind: ChannelKind,
    threadKey: string,
    text: string,
    opts?: { id?: string; contact?: InboundMessage["contact"]; locale?: string },
  ): Promise<{ messageId: string }>;
  conversationsOf(threadKey: string): Promise<(typeof schema.conversations.$inferSelect)[]>;
  outboundOf(threadKey: string): Promise<{ text: string; author: string; conversationId: string | null }[]>;
  waitForOutbound(threadKey: string, count: number): Promise<void>;
  processed(messageId: string): Promise<void>;
  drop(): Promise<void>;
}

export async function startCoreHarness(
  engine: Engine,
  start = new Date("2026-03-02T09:00:00Z"),
): Promise<CoreHarness> {
  const tdb = await freshDatabase(engine);
  const { db } = tdb.database;
  const clock = new ManualClock(start);
  const { workspaceId } = await createWorkspace(db, "Shop", undefined, 1000, clock.now());
  const [agent] = await db.insert(schema.agents).values({ workspaceId, name: "Ava" }).returning();
  const accounts = {} as Record<ChannelKind, string>;
  for (const kind of CHANNEL_KINDS) {
    const [account] = await db
      .insert(schema.channelAccounts)
      .values({ workspaceId, kind, name: kind, externalId: `${kind}-${engine}`, agentId: agent!.id })
      .returning();
    accounts[kind] = account!.id;
  }
  const adapters = new Map(CHANNEL_KINDS.map((k) => [k, new RecordingAdapter(k, CAPABILITIES[k])]));
  let stop: (() => Promise<void>) | undefined;
  let threadN = 0;

  const h: CoreHarness = {
    tdb,
    db,
    database: tdb.database,
    clock,
    workspaceId,
    agentId: agent!.id,
    accounts,
    adapters,
    async startWorkers(answerer, count = 1, opts = {}) {
      const common = { database: tdb.database, adapters, log, pollMs: 50, leaseMs: 5_000 };
      const workers = Array.from({ length: count }, () => ({
        threads: h.threadWorker(answerer),
        delivery: new DeliveryWorker({ ...common, concurrency: 20, maxAttempts: 3 }),
        charges: new ChargeApplier({ database: tdb.database, log, pollMs: 50 }),
      }));
      for (const w of workers) {
        await w.threads.start();
        if (opts.delivery !== false) await w.delivery.start();
        if (opts.charges !== false) await w.charges.start();
      }
      stop = async () => {
        for (const w of workers) {
          await w.threads.stop(5_000);
          await w.delivery.stop(5_000);
          if (opts.charges !== false) await w.charges.stop();
        }
      };
    },
    threadWorker(answerer, overrides = {}) {
      return new ThreadWorker({
        database: tdb.database,
        clock,
        answerer,
        adapters,
        log,
        concurrency: 20,
        pollMs: 50,
        leaseMs: 5_000,
        ...overrides,
      });
    },
    async stopWorkers() {
      await stop?.();
      stop = undefined;
    },
    newThread: () => `thread-${engine}-${++threadN}`,
    message(kind, threadKey, text, opts = {}) {
      return receiveInbound(tdb.database, {
        channelAccountId: accounts[kind],
        workspaceId,
        threadKey,
        contact: opts.contact ?? { externalId: `contact-${threadKey}` },
        channelMessageId: opts.id ?? `${threadKey}:${text}`,
        text,
        locale: opts.locale ?? "en-US",
      });
    },
    async conversationsOf(threadKey) {
      const rows = await db
        .select({ c: schema.conversations })
        .from(schema.conversations)
        .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.conversations.threadId))
        .where(eq(schema.channelThreads.threadKey, threadKey))
        .orderBy(asc(schema.conversations.createdAt));
      return rows.map((r) => r.c);
    },
    async outboundOf(threadKey) {
      return db
        .select({
          text: schema.messages.text,
          author: schema.messages.authorKind,
          conversationId: schema.messages.conversationId,
        })
        .from(schema.messages)
        .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.messages.threadId))
        .where(and(eq(schema.channelThreads.threadKey, threadKey), eq(schema.messages.direction, "out")))
        .orderBy(asc(schema.messages.seq));
    },
    async waitForOutbound(threadKey, count) {
      await waitFor(async () => (await h.outboundOf(threadKey)).length >= count, {
        message: `${count} outbound messages on ${threadKey}`,
      });
    },
    async processed(messageId) {
      await waitFor(async () => {
        const [m] = await db.select().from(schema.messages).where(eq(schema.messages.id, messageId));
        return m?.processedAt != null;
      });
    },
    async drop() {
      await stop?.();
      await tdb.drop();
    },
  };
  return h;
}
