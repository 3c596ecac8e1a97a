import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { type Database, openPglite, openPostgres } from "../../src/db/client.js";

/**
 * Every database test runs on both engines: PGlite (the embedded default) and a real
 * PostgreSQL server. Each test gets its own fresh database created from the migrations.
 */
export type Engine = "pglite" | "postgres";

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function postgresReachable(): Promise<boolean> {
  const probe = postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

const wanted = (process.env.TEST_ENGINES ?? "pglite,postgres").split(",").map((s) => s.trim()) as Engine[];
const pgUp = wanted.includes("postgres") ? await postgresReachable() : false;
if (wanted.includes("postgres") && !pgUp) {
  const message = `PostgreSQL is not reachable at ${POSTGRES_URL}; set TEST_DATABASE_URL or TEST_ENGINES=pglite`;
  // On CI a missing server is a failure, not a reason to test less.
  if (process.env.CI) throw new Error(message);
  console.warn(`WARNING: ${message}. Running the PGlite half only.`);
}

export const engines: Engine[] = wanted.filter((e) => e !== "postgres" || pgUp);

export interface TestDatabase {
  engine: Engine;
  database: Database;
  /** postgres: a connection URL another process can use; pglite: the data directory (memory:// for in-process). */
  location: string;
  /** Closes the connection (if still open) and removes the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database. `onDisk` makes PGlite use a temporary directory so that a
 * child process (the real server) can open it after this process closes it.
 */
export async function freshDatabase(engine: Engine, opts: { onDisk?: boolean } = {}): Promise<TestDatabase> {
  if (engine === "postgres") {
    const name = `parley_t_${randomBytes(6).toString("hex")}`;
    const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    const database = openPostgres(url.toString(), 10);
    await database.migrate();
    return {
      engine,
      database,
      location: url.toString(),
      async drop() {
        await database.close().catch(() => {});
        const again = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
        await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await again.end();
      },
    };
  }
  const dir = opts.onDisk ? mkdtempSync(path.join(os.tmpdir(), "parley-pglite-")) : "memory://";
  const database = await openPglite(dir);
  await database.migrate();
  return {
    engine,
    database,
    location: dir,
    async drop() {
      await database.close().catch(() => {});
      if (dir !== "memory://") rmSync(dir, { recursive: true, force: true });
    },
  };
}
