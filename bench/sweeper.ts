import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import pino from "pino";
import { EMAIL_CAPABILITIES } from "../src/channels/email/adapter.js";
import { LIVECHAT_CAPABILITIES } from "../src/channels/livechat/adapter.js";
import { MESSENGER_CAPABILITIES } from "../src/channels/messenger/adapter.js";
import { WHATSAPP_CAPABILITIES } from "../src/channels/whatsapp/adapter.js";
import { type ChannelAdapter, type ChannelCapabilities, HOUR_MS } from "../src/core/channel.js";
import { applyPendingCharges } from "../src/core/charge-applier.js";
import { ManualClock } from "../src/core/clock.js";
import { InactivitySweeper } from "../src/core/inactivity-sweeper.js";
import { createMetrics } from "../src/core/metrics.js";
import { createWorkspace } from "../src/core/workspaces.js";
import type { Database } from "../src/db/client.js";
import * as schema from "../src/db/schema.js";
import { CHANNEL_KINDS, type ChannelKind } from "../src/db/schema.js";
import { createThrowawayDatabase, type Engine } from "./database.js";

export interface SweepRun {
  /** Idle conversations seeded, all of them past their channel's lifetime. */
  conversations: number;
  /** Conversations per closing statement (InactivitySweeperDeps.batchSize). */
  batchSize: number;
}

export interface SweepResult extends SweepRun {
  /** Wall time of the one sweep() that closed them all. */
  elapsedMs: number;
  /** One plain UPDATE closing an identical copy of the same rows, before and after the sweep. */
  plainUpdateMs: [before: number, after: number];
  seedMs: number;
  /** What the sweep decided, read back afterwards (also checked: a mismatch fails the bench). */
  resolvedByAgent: number;
  charged: number;
  events: number;
}

/** Each channel's real capabilities (the sweeper reads only `kind` and `capabilities`). */
const CAPABILITIES: Record<ChannelKind, ChannelCapabilities> = {
  livechat: LIVECHAT_CAPABILITIES,
  messenger: MESSENGER_CAPABILITIES,
  whatsapp: WHATSAPP_CAPABILITIES,
  email: EMAIL_CAPABILITIES,
};

/** Stands in for a channel's adapter: the sweeper never sends anything. */
function standIn(kind: ChannelKind): ChannelAdapter {
  return {
    kind,
    capabilities: CAPABILITIES[kind],
    async send() {
      throw new Error(`the sweeper bench sends nothing (asked to send on ${kind})`);
    },
  };
}

const NOW = new Date("2026-03-02T09:00:00Z");
/** The two copies the plain UPDATE closes: identical to `conversations`, indexes included. */
const COPIES = ["bench_conversations_before", "bench_conversations_after"] as const;

/**
 * (f): how long the inactivity sweeper (src/core/inactivity-sweeper.ts, built as src/server.ts
 * builds it, with the four channels' real lifetimes) takes to close `run.conversations` idle
 * conversations in one sweep(), on a fresh database of `engine` opened in this process (one
 * connection: the sweeper runs one statement at a time). Every conversation is past its channel's
 * lifetime and held by the agent; half of each channel's were answered by the agent, in a
 * workspace charging under the `resolution` rule, so half close as resolved by the agent (and
 * are charged) and half for inactivity, each with its `conversation.closed` event.
 *
 * The baseline is the floor of "closing" the same rows: one plain
 * `UPDATE … SET status = 'closed', closed_at, close_reason WHERE status = 'open' AND silent` of an
 * identical copy of the table (same rows, same indexes), timed once before the sweep and once
 * after, on the same engine, and their mean used. Seeding is not timed. Throws (the bench fails)
 * unless the sweep closed every conversation with the expected outcomes.
 */
export async function measureSweep(
  engine: Engine,
  run: SweepRun,
  progress: (message: string) => void,
): Promise<SweepResult> {
  const throwaway = await createThrowawayDatabase(engine);
  try {
    const database = await throwaway.open();
    try {
      await database.migrate();
      const seedStart = performance.now();
      const answered = await seed(database, run.conversations);
      for (const copy of COPIES) await copyConversations(database, copy);
      await settle(database);
      const seedMs = performance.now() - seedStart;
      progress(`   seeded ${run.conversations.toLocaleString("en-US")} conversations in ${ms(seedMs)}`);

      const before = await plainUpdate(database, COPIES[0], run.conversations);
      await settle(database);

      const errors: string[] = [];
      const sweeper = new InactivitySweeper({
        database,
        clock: new ManualClock(NOW),
        adapters: new Map(CHANNEL_KINDS.map((kind) => [kind, standIn(kind)])),
        log: pino({ level: "warn" }, collect(errors)),
        metrics: createMetrics(),
        intervalMs: HOUR_MS,
        batchSize: run.batchSize,
      });
      const start = performance.now();
      const closed = await sweeper.sweep();
      // The charges the sweep wrote wait for the charge applier (charge-applier.ts); applying
      // them is part of what closing costs, so it is timed with the sweep.
      const { applied } = await applyPendingCharges(database);
      const elapsedMs = performance.now() - start;
      if (applied !== answered) {
        throw new Error(`(f): ${applied} charges applied to the balance for ${answered} charged closes`);
      }
      // sweep() logs a failed pass and resolves to 0, so an error shows up here as a short count.
      if (closed !== run.conversations) {
        throw new Error(
          `(f): the sweep closed ${closed} of ${run.conversations} conversations` +
            (errors.length > 0 ? `; it logged: ${errors.join(" | ")}` : ""),
        );
      }
      const outcome = await readOutcome(database);
      if (outcome.open !== 0)
        throw new Error(`(f): ${outcome.open} conversations are still open after the sweep`);
      if (outcome.resolvedByAgent !== answered || outcome.charged !== answered) {
        throw new Error(
          `(f): expected ${answered} conversations resolved by the agent and charged, ` +
            `got ${outcome.resolvedByAgent} resolved and ${outcome.charged} charged`,
        );
      }
      if (outcome.events !== run.conversations) {
        throw new Error(`(f): ${outcome.events} conversation.closed events for ${run.conversations} closes`);
      }

      await settle(database);
      const after = await plainUpdate(database, COPIES[1], run.conversations);
      return {
        ...run,
        elapsedMs,
        plainUpdateMs: [before, after],
        seedMs,
        resolvedByAgent: outcome.resolvedByAgent,
        charged: outcome.charged,
        events: outcome.events,
      };
    } finally {
      await database.close();
    }
  } finally {
    await throwaway.drop();
  }
}

/**
 * One workspace charging 1 credit per conversation the agent resolves, one agent, one channel
 * account of each kind, and `count` open conversations spread evenly over them, each with its
 * own contact and thread and a customer message; half of each channel's also have the agent's
 * reply. Set-based: a handful of statements, whatever `count` is. Resolves to how many were answered.
 */
async function seed(database: Database, count: number): Promise<number> {
  const { db } = database;
  const { workspaceId } = await createWorkspace(db, "Bench sweeper", undefined, count, NOW);
  await db
    .update(schema.creditAccounts)
    .set({ chargeRule: "resolution", pricePerConversation: 1 })
    .where(sql`workspace_id = ${workspaceId}`);
  // With a webhook the closes are queued for delivery ('pending'), the heavier of the two cases.
  await db
    .update(schema.workspaces)
    .set({ webhookUrl: "http://127.0.0.1:9/bench", webhookSecret: "bench" })
    .where(sql`id = ${workspaceId}`);
  const [agent] = await db
    .insert(schema.agents)
    .values({ workspaceId, name: "Ava" })
    .returning({ id: schema.agents.id });
  if (!agent) throw new Error("agent insert returned nothing");
  const accounts = await db
    .insert(schema.channelAccounts)
    .values(
      CHANNEL_KINDS.map((kind) => ({
        workspaceId,
        kind,
        name: `bench ${kind}`,
        externalId: `bench-${kind}`,
        agentId: agent.id,
      })),
    )
    .returning({ id: schema.channelAccounts.id });
  const accountIds = sql`ARRAY[${sql.join(
    accounts.map((a) => sql`${a.id}::uuid`),
    sql`, `,
  )}]`;
  const ws = sql`${workspaceId}::uuid`;
  const now = sql`${NOW.toISOString()}::timestamptz`;

  // Every id up front, so each table below is one INSERT … SELECT from bench_seed.
  await database.rows(sql`DROP TABLE IF EXISTS bench_seed`);
  await database.rows(sql`
    CREATE TABLE bench_seed AS
    SELECT n, (${accountIds})[1 + n % ${accounts.length}] AS account_id,
           gen_random_uuid() AS contact_id, gen_random_uuid() AS thread_id,
           gen_random_uuid() AS conversation_id, gen_random_uuid() AS question_id,
           -- n % 4 picks the channel, so this answers half of each channel's conversations.
           gen_random_uuid() AS answer_id, n % 8 >= 4 AS answered,
           -- Past every channel's lifetime (email's 72 h is the longest), n seconds apart.
           ${now} - interval '73 hours' - n * interval '1 second' AS last_activity_at
    FROM generate_series(1, ${count}::int) AS n`);
  await database.rows(sql`
    INSERT INTO contacts (id, workspace_id, channel_account_id, external_id, name, created_at)
    SELECT contact_id, ${ws}, account_id, 'bench-contact-' || n, 'Customer ' || n,
           last_activity_at - interval '5 minutes'
    FROM bench_seed`);
  await database.rows(sql`
    INSERT INTO channel_threads (id, workspace_id, channel_account_id, thread_key, contact_external_id,
                                 contact_id, last_seq, created_at)
    SELECT thread_id, ${ws}, account_id, 'bench-thread-' || n, 'bench-contact-' || n, contact_id,
           CASE WHEN answered THEN 2 ELSE 1 END, last_activity_at - interval '5 minutes'
    FROM bench_seed`);
  await database.rows(sql`
    INSERT INTO conversations (id, workspace_id, channel_account_id, thread_id, contact_id, agent_id,
                               status, holder, language, last_activity_at, created_at)
    SELECT conversation_id, ${ws}, account_id, thread_id, contact_id, ${agent.id}::uuid,
           'open', 'agent', 'en', last_activity_at, last_activity_at - interval '5 minutes'
    FROM bench_seed`);
  await database.rows(sql`
    INSERT INTO messages (id, workspace_id, channel_account_id, thread_id, conversation_id, seq, direction,
                          author_kind, text, language, channel_message_id, delivery_state, processed_at,
                          created_at)
    SELECT question_id, ${ws}, account_id, thread_id, conversation_id, 1, 'in', 'contact',
           'Where is my order?', 'en', 'bench-in-' || n, 'processed', last_activity_at - interval '4 minutes',
           last_activity_at - interval '5 minutes'
    FROM bench_seed`);
  await database.rows(sql`
    INSERT INTO messages (id, workspace_id, channel_account_id, thread_id, conversation_id, seq, direction,
                          author_kind, author_id, text, language, in_reply_to_id, delivery_state, created_at)
    SELECT answer_id, ${ws}, account_id, thread_id, conversation_id, 2, 'out', 'agent', ${agent.id},
           'It left the warehouse this morning.', 'en', question_id, 'delivered', last_activity_at
    FROM bench_seed WHERE answered`);
  const [answered] = await database.rows<{ n: number | string }>(
    sql`SELECT count(*) AS n FROM bench_seed WHERE answered`,
  );
  await database.rows(sql`DROP TABLE bench_seed`);
  return Number(answered?.n);
}

/** A copy of `conversations` with the same rows and the same indexes, for the plain UPDATE. */
async function copyConversations(database: Database, copy: string): Promise<void> {
  await database.rows(sql.raw(`CREATE TABLE ${copy} (LIKE conversations INCLUDING ALL)`));
  await database.rows(sql.raw(`INSERT INTO ${copy} SELECT * FROM conversations`));
}

/**
 * What a live database would have had time to do since these rows were written: vacuumed and
 * analysed (autovacuum), and checkpointed, so neither timing pays for the bulk load's leftovers.
 */
async function settle(database: Database): Promise<void> {
  await database.rows(sql`VACUUM ANALYZE`);
  await database.rows(sql`CHECKPOINT`);
}

/** The least "closing" can cost: one statement, no outcome, no charge, no event. */
async function plainUpdate(database: Database, table: string, expected: number): Promise<number> {
  // The chat channels' 24 h cutoff: every seeded conversation is past it (email's 72 h too).
  const cutoff = new Date(NOW.getTime() - 24 * HOUR_MS).toISOString();
  const start = performance.now();
  const rows = await database.rows<{ n: number | string }>(sql`
    WITH closed AS (
      UPDATE ${sql.identifier(table)}
      SET status = 'closed', closed_at = ${NOW.toISOString()}::timestamptz, close_reason = 'inactivity'
      WHERE status = 'open' AND last_activity_at <= ${cutoff}::timestamptz
      RETURNING 1
    )
    SELECT count(*) AS n FROM closed`);
  const elapsed = performance.now() - start;
  const updated = Number(rows[0]?.n);
  if (updated !== expected)
    throw new Error(`(f): the plain UPDATE of ${table} closed ${updated} of ${expected}`);
  await database.rows(sql.raw(`DROP TABLE ${table}`));
  return elapsed;
}

async function readOutcome(
  database: Database,
): Promise<{ open: number; resolvedByAgent: number; charged: number; events: number }> {
  const [row] = await database.rows<Record<"open" | "resolved" | "charged" | "events", number | string>>(sql`
    SELECT (SELECT count(*) FROM conversations WHERE status = 'open') AS open,
           (SELECT count(*) FROM conversations WHERE close_reason = 'resolved_by_agent') AS resolved,
           (SELECT count(*) FROM credit_ledger WHERE kind = 'charge') AS charged,
           (SELECT count(*) FROM events WHERE type = 'conversation.closed') AS events`);
  return {
    open: Number(row?.open),
    resolvedByAgent: Number(row?.resolved),
    charged: Number(row?.charged),
    events: Number(row?.events),
  };
}

/** A pino destination that keeps each line's message (and error), to say why a sweep failed. */
function collect(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as { msg?: string; err?: { message?: string } };
      into.push([line.msg, line.err?.message].filter(Boolean).join(": "));
      done();
    },
  });
}

const ms = (value: number) => `${(value / 1000).toFixed(1)} s`;
