import type { Database } from "../src/db/client.js";
import type { OpenAIStub } from "../tests/helpers/openai-stub.js";
import { createThrowawayDatabase, type Engine, type ThrowawayDatabase } from "./database.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";
import { assertBuiltAfterSources, startCommand } from "./start-command.js";

export interface GatewaySettings {
  engine: Engine;
  /** DATABASE_POOL_SIZE, the same for the gateway and the baseline (PGlite has one connection). */
  poolSize: number;
  /** When set, the gateway runs with --cpu-prof and writes its profile here when it stops. */
  profileDir: string | undefined;
}

/** A gateway process with a database of its own, for one measurement. */
export interface RunningGateway {
  url: string;
  /** The gateway's (HTTP) process; its answering processes are its children. */
  pid: number;
  database: ThrowawayDatabase;
  /** Graceful stop (idempotent); afterwards the bench may open the database and read the results. */
  stop(): Promise<void>;
  /** What it logged at level error or worse so far, one short line each (see `summarize`). */
  errors(): string[];
}

/** What a measurement may add to a gateway: settings it reads from its environment, and rows. */
export interface GatewayExtras {
  /** More environment for the gateway (e.g. GRAPH_API_URL). */
  env?: Record<string, string>;
  /**
   * Writes rows into the gateway's database once it has created its tables and demo content, and
   * before `use` runs. PGlite lets one process at a time open its directory, so there the gateway
   * is stopped for this and started again.
   */
  prepare?: (database: Database) => Promise<void>;
}

/**
 * Runs `use` against a fresh gateway (`dist/main.js`, as `npm start` runs it) on a fresh database,
 * answering through the OpenAI-compatible `stub`, then stops it and drops the database, whatever
 * happened. A fresh one per measurement, so no measurement inherits another's backlog.
 *
 * Only settings the gateway already reads from its environment are used.
 */
export async function withGateway<T>(
  settings: GatewaySettings,
  stub: OpenAIStub,
  use: (gateway: RunningGateway) => Promise<T>,
  extras: GatewayExtras = {},
): Promise<T> {
  const command = startCommand();
  assertBuiltAfterSources(command.script);
  const database = await createThrowawayDatabase(settings.engine);
  try {
    const start = () =>
      startServerProcess({
        script: command.script,
        scriptArgs: command.scriptArgs,
        readyMessage: "Parley is running",
        // The flags `npm start` uses (a larger young generation: see README), then the bench's own.
        nodeFlags: [
          ...command.nodeFlags,
          ...(settings.profileDir
            ? ["--cpu-prof", `--cpu-prof-dir=${settings.profileDir}`]
            : (process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])),
        ],
        env: {
          ...database.gatewayEnv(),
          PORT: "0",
          HOST: "127.0.0.1",
          // "info" is needed for the "Parley is running" line; nothing is logged per request.
          LOG_LEVEL: "info",
          PARLEY_DEMO: "true",
          DATABASE_POOL_SIZE: String(settings.poolSize),
          OPENAI_API_KEY: "sk-bench",
          OPENAI_BASE_URL: stub.baseURL,
          // A failed LLM call should show up as a failed reply, not hide behind retries.
          OPENAI_MAX_ATTEMPTS: "1",
          // All visitors come from 127.0.0.1; the per-address token limit is for scripts, like this one.
          LIVECHAT_TOKEN_RATE_LIMIT: "1000000",
          // Every answered conversation is charged; the welcome grant must not be what runs out.
          PARLEY_INITIAL_CREDITS: "100000000",
          // Deliveries still in flight when the last answer is committed get time to finish.
          SHUTDOWN_TIMEOUT_MS: "10000",
          // To compare topologies: the gateway's own default (answering processes on PostgreSQL) otherwise.
          ...(process.env.BENCH_WORKER_PROCESSES
            ? { WORKER_PROCESSES: process.env.BENCH_WORKER_PROCESSES }
            : {}),
          ...extras.env,
        },
      });
    let server: ServerProcess = await start();
    try {
      if (extras.prepare) {
        if (settings.engine === "pglite") await server.stop();
        const db = await database.open();
        try {
          await extras.prepare(db);
        } finally {
          await db.close();
        }
        if (settings.engine === "pglite") server = await start();
      }
      return await use({
        url: server.url,
        pid: server.pid,
        database,
        stop: server.stop,
        errors: () => errorLines(server.logs),
      });
    } catch (err) {
      console.error(server.logs.slice(-20).join("\n"));
      throw err;
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

/** Errors a measurement ran into inside the gateway, for the report's notes. */
export interface GatewayErrors {
  gatewayErrors: string[];
}

interface PinoLine {
  level?: number;
  msg?: string;
  err?: { type?: string; message?: string };
}

/** pino writes one JSON object per line; error is level 50, fatal 60. */
function errorLines(logs: readonly string[]): string[] {
  return logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as PinoLine;
      return (entry.level ?? 0) >= 50 ? [summarize(entry)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * "request failed: DrizzleQueryError: deadlock detected". A failed query's message holds the
 * whole statement and its parameters, then the server's reason after the last ": ".
 */
function summarize(entry: PinoLine): string {
  const message = entry.err?.message ?? "";
  const reason = message.includes("\nparams: ")
    ? message.slice(message.lastIndexOf(": ") + 2)
    : (message.split("\n")[0] ?? "");
  return [entry.msg, entry.err?.type, reason.slice(0, 160)].filter(Boolean).join(": ");
}
