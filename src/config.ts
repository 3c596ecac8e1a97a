import { availableParallelism } from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * The one place that reads process.env. Everything else receives a typed Config,
 * so tests can build one in code without touching the environment.
 */
const boolish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.url().optional(),
  TRUST_PROXY: boolish.default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  PARLEY_DATA_DIR: z.string().default("./data"),
  PARLEY_DEMO: z.enum(["auto", "true", "false"]).default("auto"),
  PARLEY_ADMIN_TOKEN: z.string().min(24).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  OPENAI_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  PARLEY_ROLE: z.enum(["all", "http", "worker"]).default("all"),
  WORKER_PROCESSES: z.union([z.literal("auto"), z.coerce.number().int().min(0).max(64)]).default("auto"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(1000),
  WORK_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  WORK_POLL_MS: z.coerce.number().int().min(10).default(1000),
  WORKER_GIVES_WAY_AT: z.coerce.number().int().min(0).default(8),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  LIVECHAT_TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
  PARLEY_INITIAL_CREDITS: z.coerce.number().int().min(0).default(1000),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  EVENT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  HELPDESK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  GRAPH_API_URL: z.url().default("https://graph.facebook.com/v21.0"),
  PARLEY_SECRET_KEY: z.string().min(1).optional(),
  WHATSAPP_WEB_ENABLED: boolish.optional(),
  WHATSAPP_WEB_DATA_DIR: z.string().min(1).optional(),
  CHROMIUM_PATH: z.string().min(1).default("/usr/bin/chromium"),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  /** Absolute base URL the outside world reaches us on; derived from each request when unset. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  database: { kind: "postgres"; url: string; poolSize: number } | { kind: "pglite"; dataDir: string };
  /** Seed the demo workspace, agent and `demo` widget on first start. */
  seedDemo: boolean;
  adminToken: string | undefined;
  llm:
    | {
        kind: "openai";
        apiKey: string;
        baseURL: string | undefined;
        model: string;
        timeoutMs: number;
        maxAttempts: number;
      }
    | { kind: "builtin" };
  /**
   * What this process does. `all`: the whole gateway. `http`: the HTTP surface, the channel
   * loops (mailboxes, linked devices) and delivery, but no answering. `worker`: answering,
   * delivery, sweeps, event webhooks and help-desk tickets, with no HTTP (see WorkerProcesses).
   */
  role: Role;
  /**
   * How many answering processes (`worker` role) `npm start` forks beside itself when its role
   * is `all`; then it serves HTTP and leaves the answering to them. 0 keeps everything in one
   * process (always so with PGlite, whose data directory one process at a time may open).
   */
  workerProcesses: number;
  worker: {
    concurrency: number;
    leaseMs: number;
    pollMs: number;
    deliveryMaxAttempts: number;
    /**
     * Inbound messages being stored at once (a burst on the channels) at which the answering on
     * this machine gives way to the acknowledgements until the burst is over; 0: it never does.
     */
    givesWayAt: number;
  };
  livechat: { tokenRateLimitPerMinute: number };
  /** Credits a new workspace is granted when it is created. */
  credits: { initial: number };
  /** How often each replica looks for conversations whose silence has outlived their channel's lifetime. */
  sweepIntervalMs: number;
  /** Delivered (or never sent) events older than this are deleted by the sweeper. */
  eventRetentionDays: number;
  /** How often an event webhook is tried before it is given up as failed. */
  eventWebhookMaxAttempts: number;
  /** How often a Zendesk or Gorgias ticket is tried before the customer is told it failed. */
  helpdeskMaxAttempts: number;
  shutdownTimeoutMs: number;
  /** Meta's Graph API base (version included), so tests can point Messenger and WhatsApp at a stub. */
  graphApiUrl: string;
  /**
   * 32 bytes that encrypt channel secrets (tokens, app secrets) at rest. Unset: secrets are
   * stored as given and a warning is logged, because inventing a key and writing it next to the
   * data would protect nothing and lose every secret with the data directory's key file.
   */
  secretKey: Buffer | undefined;
  /**
   * The linked-device WhatsApp transport (whatsapp-web.js driving Chromium). Only one process may
   * drive a linked device, so it is on by default only with the embedded database, which has one
   * process by construction; with PostgreSQL exactly one gateway sets WHATSAPP_WEB_ENABLED=true.
   */
  whatsappWeb: {
    enabled: boolean;
    /** Where each linked device's WhatsApp Web session lives, so a restart needs no new QR code. */
    dataDir: string;
    chromiumPath: string;
  };
}

export type Role = "all" | "http" | "worker";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A 32-byte key written as 64 hex digits or as base64. */
function parseSecretKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (key.length !== 32) {
    throw new ConfigError(
      "Invalid configuration: PARLEY_SECRET_KEY must be 32 bytes, as 64 hex digits or base64",
    );
  }
  return key;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const database: Config["database"] = e.DATABASE_URL
    ? { kind: "postgres", url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
    : { kind: "pglite", dataDir: path.resolve(e.PARLEY_DATA_DIR) };
  if (database.kind === "pglite" && e.PARLEY_ROLE !== "all") {
    throw new ConfigError(
      `Invalid configuration: PARLEY_ROLE=${e.PARLEY_ROLE} needs PostgreSQL (DATABASE_URL); the embedded database is one process`,
    );
  }
  if (database.kind === "pglite" && typeof e.WORKER_PROCESSES === "number" && e.WORKER_PROCESSES > 0) {
    throw new ConfigError(
      "Invalid configuration: WORKER_PROCESSES needs PostgreSQL (DATABASE_URL); the embedded database is one process",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    database,
    seedDemo: e.PARLEY_DEMO === "auto" ? database.kind === "pglite" : e.PARLEY_DEMO === "true",
    adminToken: e.PARLEY_ADMIN_TOKEN,
    llm: e.OPENAI_API_KEY
      ? {
          kind: "openai",
          apiKey: e.OPENAI_API_KEY,
          baseURL: e.OPENAI_BASE_URL,
          model: e.OPENAI_MODEL,
          timeoutMs: e.OPENAI_TIMEOUT_MS,
          maxAttempts: e.OPENAI_MAX_ATTEMPTS,
        }
      : { kind: "builtin" },
    role: e.PARLEY_ROLE,
    workerProcesses: workerProcessesFor(e.WORKER_PROCESSES, database.kind),
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      leaseMs: Math.round(e.WORK_LEASE_SECONDS * 1000),
      pollMs: e.WORK_POLL_MS,
      deliveryMaxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      givesWayAt: e.WORKER_GIVES_WAY_AT,
    },
    livechat: { tokenRateLimitPerMinute: e.LIVECHAT_TOKEN_RATE_LIMIT },
    credits: { initial: e.PARLEY_INITIAL_CREDITS },
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    eventWebhookMaxAttempts: e.EVENT_WEBHOOK_MAX_ATTEMPTS,
    helpdeskMaxAttempts: e.HELPDESK_MAX_ATTEMPTS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    graphApiUrl: e.GRAPH_API_URL.replace(/\/+$/, ""),
    secretKey: e.PARLEY_SECRET_KEY ? parseSecretKey(e.PARLEY_SECRET_KEY) : undefined,
    whatsappWeb: {
      enabled: e.WHATSAPP_WEB_ENABLED ?? database.kind === "pglite",
      dataDir: path.resolve(e.WHATSAPP_WEB_DATA_DIR ?? path.join(e.PARLEY_DATA_DIR, "whatsapp-web")),
      chromiumPath: e.CHROMIUM_PATH,
    },
  };
}

/**
 * `auto`: on PostgreSQL, one answering process per core but one (the HTTP process keeps that
 * core), at most four: answering is CPU work on one event loop, and sharing that loop with the
 * HTTP server made acknowledgements wait behind it. One core, or PGlite: everything in one.
 */
function workerProcessesFor(setting: number | "auto", database: Config["database"]["kind"]): number {
  if (database === "pglite") return 0;
  if (setting !== "auto") return setting;
  return Math.min(4, Math.max(0, availableParallelism() - 1));
}
