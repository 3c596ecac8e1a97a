import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "../config.js";
import * as schema from "./schema.js";
import { type SignalScope, Signals } from "./signals.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** Either the database or an open transaction: functions that write take this. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0] | Db;

/** The migrations folder sits beside src/ and dist/, so the same relative path works from both. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../drizzle");

/** An arbitrary constant: the advisory lock that keeps two replicas from migrating at once. */
const MIGRATION_LOCK_ID = 7_234_119;

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly db: Db;
  /** How many statements of the ingest lane can run at once (its connections). */
  readonly ingestConnections: number;
  /** Runs raw SQL and returns its rows, hiding that postgres.js and PGlite shape results differently. */
  rows<T = Record<string, unknown>>(query: SQL, tx?: Tx): Promise<T[]>;
  /**
   * The same, on connections reserved for acknowledging channels: storing an inbound message
   * never queues behind the workers' queries, however much answering is going on.
   */
  ingestRows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /**
   * Runs a statement whose text never changes, with `$1…` parameters: nothing is built per call
   * (the query builder was a fifth of a busy gateway's CPU), and PostgreSQL plans it once per
   * connection. For the message path's hottest statements; `lane: "ingest"` as for `ingestRows`.
   * Rows come back with the database's column names; timestamps may be text (see timestampOf).
   */
  query<T = Record<string, unknown>>(
    text: string,
    params: readonly unknown[],
    options?: { lane?: "ingest"; tx?: Tx },
  ): Promise<T[]>;
  /**
   * Subscribes to a signal channel (this process's signals and, on PostgreSQL, other processes'
   * through NOTIFY); resolves to an unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Signals a committed change (see Signals): never call it inside a transaction. `process`
   * scope: only this process's listeners hear it (work that every process does for itself).
   */
  notify(channel: string, payload: string, scope?: SignalScope): Promise<void>;
  /** Applies the committed migrations (idempotent, safe to run from several replicas at once). */
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** `ingestLane: false` for a process that acknowledges nothing (an answering process): one pool. */
export async function openDatabase(
  config: Config["database"],
  options: { ingestLane?: boolean } = {},
): Promise<Database> {
  return config.kind === "postgres"
    ? openPostgres(config.url, config.poolSize, options)
    : openPglite(config.dataDir);
}

/**
 * The ingest lane is one connection of the pool; the rest serves everything else. Acknowledgements
 * are stored by group commit (core/group-commit.ts): with one statement at a time, everything
 * that arrives while it runs goes into the next one, so batches are as large as the load makes
 * them and never contend with each other for the same threads' rows. With five connections (a
 * quarter of the default pool, as before) PostgreSQL spent 0.15 ms per acknowledged post, with
 * one 0.10 ms, and the live chat's acknowledgements went from 0.62–0.69× to 0.79–0.82× of the
 * bench's baseline with the HTTP process alone (alternating runs, 2026-12-07).
 */
export const INGEST_LANE_CONNECTIONS = 1;

export function openPostgres(url: string, poolSize = 20, options: { ingestLane?: boolean } = {}): Database {
  const ingestSize = options.ingestLane === false ? 0 : INGEST_LANE_CONNECTIONS;
  const client = postgres(url, {
    max: Math.max(1, poolSize - ingestSize),
    onnotice: () => {},
    connect_timeout: 10,
  });
  const ingest =
    ingestSize === 0 ? client : postgres(url, { max: ingestSize, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres(preparing(client), { schema, casing: "snake_case" }) as unknown as Db;
  const ingestDb = drizzlePostgres(preparing(ingest), { schema, casing: "snake_case" }) as unknown as Db;
  const signals = new Signals(async (channel, payload) => {
    await client`SELECT pg_notify(${channel}, ${payload})`;
  });
  let batches: Promise<{ unlisten(): Promise<void> }> | undefined;
  return {
    kind: "postgres",
    db,
    ingestConnections: ingestSize === 0 ? Math.max(1, poolSize) : ingestSize,
    rows: async (query, tx) => rowsOf(await (tx ?? db).execute(query)),
    ingestRows: async (query) => rowsOf(await ingestDb.execute(query)),
    async query<T>(text: string, params: readonly unknown[], options?: { lane?: "ingest"; tx?: Tx }) {
      if (options?.tx) return rowsOf<T>(await options.tx.execute(asSql(text, params)));
      const lane = options?.lane === "ingest" ? ingest : client;
      return (await lane.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
    },
    async listen(channel, onPayload) {
      batches ??= client.listen(signals.batchChannel, signals.onBatch);
      await batches;
      // A plain NOTIFY on the channel itself (from SQL, or an older replica) is heard as well.
      const direct = await client.listen(channel, onPayload);
      const local = signals.listen(channel, onPayload);
      return async () => {
        local();
        await direct.unlisten();
      };
    },
    async notify(channel, payload, scope) {
      signals.notify(channel, payload, scope);
    },
    async migrate() {
      // A one-connection client, because the advisory lock belongs to the session that takes it.
      const single = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await single`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        await migratePostgres(drizzlePostgres(single, { casing: "snake_case" }), {
          migrationsFolder: MIGRATIONS_DIR,
        });
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async ping() {
      try {
        await client`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await signals.close();
      await Promise.all([client.end({ timeout: 5 }), ingest !== client && ingest.end({ timeout: 5 })]);
    },
  };
}

/** A `$1…` statement as drizzle SQL, to run it inside a drizzle transaction. */
function asSql(text: string, params: readonly unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  for (let i = 0; i < parts.length; i++) {
    chunks.push(i % 2 === 0 ? sql.raw(parts[i] ?? "") : sql`${params[Number(parts[i]) - 1]}`);
  }
  return sql.join(chunks);
}

/**
 * drizzle runs every statement unnamed (`prepare: false`), so PostgreSQL parses and plans it
 * each time: for the message path's CTEs that was half the cost. Statements are named, hence
 * parsed and planned once per connection: postgres.js keys them by their text, and ours are a
 * fixed set (IN lists are bounded batches). The transaction's client is wrapped the same way.
 */
function preparing(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === "unsafe") {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (key === "begin" || key === "savepoint") {
        return (...args: unknown[]) => {
          const callback = args.pop() as (tx: postgres.TransactionSql) => unknown;
          const open = Reflect.get(target, key) as (...a: unknown[]) => unknown;
          return open.apply(target, [
            ...args,
            (tx: postgres.TransactionSql) =>
              callback(preparing(tx as unknown as postgres.Sql) as unknown as postgres.TransactionSql),
          ]);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** PGlite keeps its files in `dataDir`; `memory://` gives a throwaway in-memory database. */
export async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, { extensions: { unaccent } });
  const db = drizzlePglite(client, { schema, casing: "snake_case" }) as unknown as Db;
  // Embedded means one process: signals never need to leave it.
  const signals = new Signals();
  let closed = false;
  return {
    kind: "pglite",
    db,
    // One connection, one statement at a time.
    ingestConnections: 1,
    rows: async (query, tx) => rowsOf(await (tx ?? db).execute(query)),
    ingestRows: async (query) => rowsOf(await db.execute(query)),
    async query<T>(text: string, params: readonly unknown[], options?: { lane?: "ingest"; tx?: Tx }) {
      if (options?.tx) return rowsOf<T>(await options.tx.execute(asSql(text, params)));
      return (await client.query<T>(text, params as unknown[])).rows;
    },
    async listen(channel, onPayload) {
      const local = signals.listen(channel, onPayload);
      // A plain NOTIFY from SQL is heard as well.
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => {
        local();
        if (!closed) await unsubscribe();
      };
    },
    async notify(channel, payload, scope) {
      signals.notify(channel, payload, scope);
    },
    async migrate() {
      await migratePglite(db as unknown as Parameters<typeof migratePglite>[0], {
        migrationsFolder: MIGRATIONS_DIR,
      });
    },
    async ping() {
      try {
        await client.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await signals.close();
      await client.close();
    },
  };
}
