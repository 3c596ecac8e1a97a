import pino from "pino";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { startParley, startParleyWorker } from "./server.js";
import { childPoolSize, serveParent, WorkerProcesses } from "./worker-processes.js";

/** `npm start`: run the gateway until SIGTERM/SIGINT, then shut down gracefully. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  if (config.role === "worker") return runWorker(config);
  const log = pino({ level: config.logLevel });
  // With answering processes of its own, this one serves HTTP and leaves the answering to them.
  const children =
    config.role === "all" && config.workerProcesses > 0
      ? new WorkerProcesses({
          count: config.workerProcesses,
          poolSize: childPoolSize(
            config.database.kind === "postgres" ? config.database.poolSize : 1,
            config.workerProcesses,
          ),
          log,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
        })
      : undefined;
  const parley = await startParley(
    children ? { ...config, role: "http" } : config,
    children ? { log, workerMetrics: () => children.metrics() } : { log },
  );
  if (children) parley.ingest.onChange((busy) => children.ingestBusy(busy));
  await children?.start();
  const base = config.publicUrl ?? parley.url;
  log.info(
    {
      url: base,
      database: config.database.kind === "postgres" ? "postgres" : `pglite (${config.database.dataDir})`,
      answerer:
        config.llm.kind === "openai" ? `openai (${config.llm.model})` : "built-in (no LLM configured)",
      answering: children
        ? `${config.workerProcesses} worker process(es)`
        : config.role === "http"
          ? "elsewhere (PARLEY_ROLE=http)"
          : "in this process",
    },
    "Parley is running",
  );
  if (config.seedDemo) log.info(`Demo live chat: ${base}/`);
  log.info(`Admin API: ${base}/api/v1 (OpenAPI: ${base}/api/v1/openapi.json)`);
  if (parley.adminToken) log.info(`Admin token: ${parley.adminToken}`);
  else log.info("Admin token: shown once on first start; set PARLEY_ADMIN_TOKEN to choose one.");

  stopOnSignals(log, async () => {
    await Promise.all([parley.stop(), children?.stop()]);
  });
}

/** PARLEY_ROLE=worker: answering only, forked by a gateway or run as a deployment of its own. */
async function runWorker(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel }).child({ role: "worker" });
  const worker = await startParleyWorker(config, { log });
  log.info("Parley worker is answering");
  if (process.send) {
    serveParent(worker, log, (code) => process.exit(code));
    return;
  }
  stopOnSignals(log, () => worker.stop());
}

/** SIGTERM or Ctrl-C stops gracefully and exits 0; a second signal exits at once. */
function stopOnSignals(log: pino.Logger, stop: () => Promise<void>): void {
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    log.info({ signal }, "shutting down");
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
