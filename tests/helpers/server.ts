import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { type Config, loadConfig } from "../../src/config.js";
import type { Answerer } from "../../src/core/agent/types.js";
import type { Clock } from "../../src/core/clock.js";
import { type Parley, startParley } from "../../src/server.js";
import { type Engine, freshDatabase, type TestDatabase } from "./db.js";

export interface TestParley {
  parley: Parley;
  url: string;
  /** The admin token of the first (demo) workspace. */
  adminToken: string;
  testDb: TestDatabase;
  stop(): Promise<void>;
}

/**
 * The real gateway, in this process, on a random port, over a fresh database of `engine`.
 * `env` takes the same variables as `npm start` (e.g. OPENAI_API_KEY, OPENAI_BASE_URL).
 */
export async function startTestParley(
  engine: Engine,
  opts: { env?: Record<string, string>; answerer?: Answerer; clock?: Clock; demo?: boolean } = {},
): Promise<TestParley> {
  const testDb = await freshDatabase(engine);
  const config: Config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    PARLEY_DEMO: opts.demo === false ? "false" : "true",
    // Where the embedded admin-token file goes; the database itself is the one opened above.
    PARLEY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "parley-data-")),
    WORK_POLL_MS: "200",
    SHUTDOWN_TIMEOUT_MS: "2000",
    ...opts.env,
  });
  const parley = await startParley(config, {
    database: testDb.database,
    log: pino({ level: config.logLevel }),
    ...(opts.answerer ? { answerer: opts.answerer } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  if (!parley.adminToken) throw new Error("test gateway started without an admin token");
  return {
    parley,
    url: parley.url,
    adminToken: parley.adminToken,
    testDb,
    async stop() {
      await parley.stop();
      await testDb.drop();
    },
  };
}
