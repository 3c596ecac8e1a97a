import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, openPglite, openPostgres } from "../src/db/client.js";

export type Engine = "postgres" | "pglite";

/** The server the bench creates its throwaway databases on, in the order the tests look too. */
export const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

/**
 * One empty database, created for one server process and removed afterwards, so every measurement
 * starts from the same state and nothing is left behind. The process that uses it (gateway or
 * baseline) creates its own tables; the bench only reads the results once that process is done
 * (PGlite lets one process at a time open its directory).
 */
export interface ThrowawayDatabase {
  engine: Engine;
  /** postgres: a connection URL; pglite: the data directory. */
  location: string;
  /** The environment that points a gateway at this database. */
  gatewayEnv(): Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

export async function createThrowawayDatabase(engine: Engine): Promise<ThrowawayDatabase> {
  if (engine === "pglite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
    return {
      engine,
      location: dir,
      gatewayEnv: () => ({ PARLEY_DATA_DIR: dir }),
      open: () => openPglite(dir),
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `parley_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    engine,
    location: url.toString(),
    gatewayEnv: () => ({ DATABASE_URL: url.toString() }),
    open: async () => openPostgres(url.toString(), 2),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** "PostgreSQL 15.4" or "PGlite 0.5.16 (PostgreSQL 17.4)", for the report. */
export async function engineVersion(engine: Engine): Promise<string> {
  if (engine === "postgres") {
    const client = postgres(POSTGRES_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      const [row] = await client<{ server_version: string }[]>`SHOW server_version`;
      return `PostgreSQL ${row?.server_version ?? "?"} (server at ${new URL(POSTGRES_URL).host})`;
    } finally {
      await client.end({ timeout: 1 });
    }
  }
  const database = await openPglite("memory://");
  try {
    const [row] = await database.rows<{ server_version: string }>(sql`SHOW server_version`);
    // The package does not export its package.json, so read it where npm put it.
    const manifest = fileURLToPath(
      new URL("../node_modules/@electric-sql/pglite/package.json", import.meta.url),
    );
    const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
    return `PGlite ${version} (PostgreSQL ${row?.server_version ?? "?"}, embedded, on disk)`;
  } finally {
    await database.close();
  }
}

async function adminQuery(statement: string): Promise<void> {
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 1 });
  }
}
