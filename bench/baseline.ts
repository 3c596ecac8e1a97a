import { createThrowawayDatabase, type Engine } from "./database.js";
import { JsonClient } from "./http-client.js";
import { closedLoop, type LoadResult, type LoadShape } from "./load.js";
import { startServerProcess } from "./server-process.js";
import { messageActivity } from "./visitors.js";

/**
 * Inserts per second of bench/baseline-server.ts under the same closed loop as the gateway's
 * acknowledgements: same clients, same body, same engine and pool size, fresh database.
 */
export async function measureBaseline(
  engine: Engine,
  poolSize: number,
  shape: LoadShape,
): Promise<LoadResult> {
  const database = await createThrowawayDatabase(engine);
  try {
    const server = await startServerProcess({
      script: "bench/baseline-server.ts",
      readyMessage: "baseline is running",
      env:
        engine === "postgres"
          ? { BASELINE_DATABASE_URL: database.location, DATABASE_POOL_SIZE: String(poolSize) }
          : { BASELINE_DATA_DIR: database.location },
    });
    const client = new JsonClient(server.url, shape.concurrency);
    const visitor = { token: "", conversationId: "baseline", userId: "dl_baseline" };
    try {
      const result = await closedLoop({
        ...shape,
        send: async (n) => (await client.post("/messages", messageActivity(visitor, `bench-${n}`))).status,
      });
      return { ...result, retries: client.retries };
    } finally {
      client.close();
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

/**
 * Two baseline runs as one: their requests and time added up, so the rate is their mean. The
 * bench takes one before and one after the gateway's throughput runs, so that a machine that got
 * busier or quieter meanwhile moves the baseline with the gateway.
 */
export function pooled(first: LoadResult, second: LoadResult): LoadResult {
  return {
    ok: first.ok + second.ok,
    failed: first.failed + second.failed,
    elapsedMs: first.elapsedMs + second.elapsedMs,
    latenciesMs: [...first.latenciesMs, ...second.latenciesMs],
    firstFailure: first.firstFailure ?? second.firstFailure,
    retries: first.retries + second.retries,
  };
}
