import pino from "pino";
import { ConfigError, loadConfig } from "./config.js";
import { startParley } from "./server.js";

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
  const log = pino({ level: config.logLevel });
  const parley = await startParley(config, { log });
  const base = config.publicUrl ?? parley.url;
  log.info(
    {
      url: base,
      database: config.database.kind === "postgres" ? "postgres" : `pglite (${config.database.dataDir})`,
      answerer:
        config.llm.kind === "openai" ? `openai (${config.llm.model})` : "built-in (no LLM configured)",
    },
    "Parley is running",
  );
  if (config.seedDemo) log.info(`Demo live chat: ${base}/`);
  log.info(`Admin API: ${base}/api/v1 (OpenAPI: ${base}/api/v1/openapi.json)`);
  if (parley.adminToken) log.info(`Admin token: ${parley.adminToken}`);
  else log.info("Admin token: shown once on first start; set PARLEY_ADMIN_TOKEN to choose one.");

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    log.info({ signal }, "shutting down");
    parley.stop().then(
      () => process.exit(0),
      (err) => {
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
