import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { AggregatorRegistry } from "prom-client";
import { createEmailChannel } from "./channels/email/index.js";
import { createLivechatChannel } from "./channels/livechat/index.js";
import { createMessengerChannel } from "./channels/messenger/index.js";
import { GraphClient } from "./channels/meta/graph-client.js";
import { createSecretBox } from "./channels/meta/secret-box.js";
import { createWhatsappChannel } from "./channels/whatsapp/index.js";
import type { LinkedClientFactory } from "./channels/whatsapp/linked-device/client.js";
import type { Config, Role } from "./config.js";
import { BuiltinAnswerer } from "./core/agent/builtin-answerer.js";
import { OpenAIAnswerer } from "./core/agent/openai-answerer.js";
import type { Answerer } from "./core/agent/types.js";
import { bootstrap } from "./core/bootstrap.js";
import type { ChannelAdapter, ChannelModule } from "./core/channel.js";
import { ChargeApplier } from "./core/charge-applier.js";
import { type Clock, systemClock } from "./core/clock.js";
import { type DeliverySends, DeliveryWorker } from "./core/delivery-worker.js";
import { WebhookDispatcher } from "./core/events/webhook-dispatcher.js";
import { TicketWorker } from "./core/helpdesk/ticket-worker.js";
import { InactivitySweeper } from "./core/inactivity-sweeper.js";
import type { IngestLoad } from "./core/ingest-load.js";
import { createMetrics, type Metrics } from "./core/metrics.js";
import { ingestLoad } from "./core/receive.js";
import { ThreadWorker } from "./core/thread-worker.js";
import { type Database, INGEST_LANE_CONNECTIONS, openDatabase } from "./db/client.js";
import { createAdminRouter } from "./http/admin/index.js";
import { createHttpApp } from "./http/app.js";

export interface ParleyOptions {
  clock?: Clock;
  log?: Logger;
  /** Replaces the answerer chosen from the configuration (tests, benchmarks). */
  answerer?: Answerer;
  /** Use this already-open database instead of opening the configured one (tests). */
  database?: Database;
  /** Replaces whatsapp-web.js's Client for linked-device WhatsApp accounts (tests: no WhatsApp Web in CI). */
  whatsappWebClients?: LinkedClientFactory;
  /**
   * The metrics of the answering processes this one forked, merged into its GET /metrics
   * (prom-client's cluster aggregation), so one scrape still sees the whole gateway.
   */
  workerMetrics?: () => Promise<MetricsSnapshot[]>;
}

/** What `Registry.getMetricsAsJSON()` returns: one process's metrics, as sent between processes. */
export type MetricsSnapshot = Awaited<ReturnType<Metrics["registry"]["getMetricsAsJSON"]>>;

export interface Parley {
  readonly config: Config;
  /** `all` or `http` (see Config.role); an answering process is a ParleyWorker. */
  readonly role: Exclude<Role, "worker">;
  readonly database: Database;
  readonly server: Server;
  /** http://host:port as bound (the real port when PORT=0). */
  readonly url: string;
  readonly adminToken: string | undefined;
  readonly threads: ThreadWorker;
  readonly delivery: DeliveryWorker;
  readonly sweeper: InactivitySweeper;
  readonly webhooks: WebhookDispatcher;
  /**
   * How hard this process's channels push messages in. Its own answering (role `all`) gives way
   * to a burst by itself; answering processes it forked are told through `main.ts`.
   */
  readonly ingest: IngestLoad;
  /** Graceful: stop accepting, finish in-flight work (bounded), close the database. */
  stop(): Promise<void>;
}

/** An answering process (role `worker`): the message path's back half, with no HTTP. */
export interface ParleyWorker {
  readonly config: Config;
  readonly database: Database;
  readonly metrics: Metrics;
  readonly threads: ThreadWorker;
  readonly delivery: DeliveryWorker;
  /** Graceful: finish the answers in flight (bounded), then close the database. */
  stop(): Promise<void>;
}

export function answererFor(config: Config, log?: Logger): Answerer {
  return config.llm.kind === "openai"
    ? new OpenAIAnswerer({
        apiKey: config.llm.apiKey,
        baseURL: config.llm.baseURL,
        model: config.llm.model,
        timeoutMs: config.llm.timeoutMs,
        maxAttempts: config.llm.maxAttempts,
        // Retries and apologies are worth a line each: a customer got no answer from the model.
        logger: log?.child({ component: "llm" }),
      })
    : new BuiltinAnswerer();
}

/** Every part of a gateway process, built and not yet started (which ones start is the role's choice). */
async function assemble(config: Config, options: ParleyOptions, role: Role) {
  const log = options.log ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const database =
    options.database ?? (await openDatabase(config.database, { ingestLane: role !== "worker" }));
  const ownsDatabase = options.database === undefined;
  await database.migrate();
  const boot = await bootstrap(database, config, log);
  const metrics = createMetrics();
  const answerer = options.answerer ?? answererFor(config, log);

  const drivesDevices = config.whatsappWeb.enabled && role !== "worker";
  const meta = {
    database,
    log,
    clock,
    graph: new GraphClient(config.graphApiUrl),
    // Secrets are stored through the admin API, so the processes that serve it say so; an
    // answering process only opens them, and would repeat the warning once per process.
    secrets: createSecretBox(config.secretKey, role === "worker" ? undefined : log),
  };
  const livechat = createLivechatChannel({
    database,
    log,
    clock,
    config,
    tokenKey: boot.livechatTokenKey,
    metrics,
  });
  const channels: ChannelModule[] = [
    livechat,
    createMessengerChannel(meta),
    createWhatsappChannel({
      ...meta,
      linkedDevice: {
        ...config.whatsappWeb,
        // A device is driven by the process that serves its QR code and status: never a worker.
        enabled: drivesDevices,
        refreshMs: config.worker.pollMs * 5,
        clientFactory: options.whatsappWebClients,
      },
    }),
    createEmailChannel(meta),
  ];
  const adapters = new Map<string, ChannelAdapter>(channels.map((c) => [c.adapter.kind, c.adapter]));

  // The ingest lane only serves HTTP; an answering process has one pool, all for its threads.
  const workersPool =
    config.database.kind === "postgres"
      ? config.database.poolSize - (role === "worker" ? 0 : INGEST_LANE_CONNECTIONS)
      : undefined;
  const threads = new ThreadWorker({
    database,
    clock,
    answerer,
    adapters,
    log,
    metrics,
    concurrency: config.worker.concurrency,
    // As many as the workers' connections: more would only queue for one while holding a thread.
    busyLimit: workersPool === undefined ? undefined : Math.max(4, workersPool),
    leaseMs: config.worker.leaseMs,
    pollMs: config.worker.pollMs,
  });
  // Linked devices are driven by HTTP processes that enable them; everyone else leaves their
  // replies alone. An HTTP process beside answering processes sends nothing else.
  const sends: DeliverySends | undefined =
    role === "http"
      ? drivesDevices
        ? "linked-devices"
        : undefined
      : drivesDevices
        ? "all"
        : "all-but-linked-devices";
  const delivery = new DeliveryWorker({
    database,
    adapters,
    log,
    metrics,
    sends: sends ?? "linked-devices",
    concurrency: Math.min(config.worker.concurrency, 256),
    pollMs: config.worker.pollMs,
    leaseMs: config.worker.leaseMs,
    maxAttempts: config.worker.deliveryMaxAttempts,
  });
  const webhooks = new WebhookDispatcher({
    database,
    log,
    concurrency: 16,
    pollMs: config.worker.pollMs,
    leaseMs: config.worker.leaseMs,
    maxAttempts: config.eventWebhookMaxAttempts,
  });
  const tickets = new TicketWorker({
    database,
    clock,
    log,
    secrets: meta.secrets,
    adapters,
    metrics,
    pollMs: config.worker.pollMs,
    leaseMs: config.worker.leaseMs,
    maxAttempts: config.helpdeskMaxAttempts,
  });
  const charges = new ChargeApplier({ database, log, pollMs: config.worker.pollMs });
  const sweeper = new InactivitySweeper({
    database,
    clock,
    adapters,
    log,
    metrics,
    intervalMs: config.sweepIntervalMs,
    eventRetentionDays: config.eventRetentionDays,
  });

  /**
   * The background loops this role runs. HTTP keeps the delivery of linked devices (sent by the
   * process that drives them); the answering, and the jobs that follow from it (delivery, event
   * webhooks, tickets, sweeps), run where the answering runs.
   */
  const answers = role !== "http";
  const background = {
    async start() {
      if (answers) await threads.start();
      if (sends) await delivery.start();
      if (answers) {
        await charges.start();
        await webhooks.start();
        await tickets.start();
        sweeper.start();
      }
    },
    async stop() {
      await threads.stop(config.shutdownTimeoutMs);
      await delivery.stop(config.shutdownTimeoutMs);
      await sweeper.stop();
      // After the answering and the sweeps, so what they charged is applied before the events go out.
      if (answers) await charges.stop();
      await webhooks.stop(config.shutdownTimeoutMs);
      await tickets.stop(config.shutdownTimeoutMs);
    },
  };
  const close = async () => {
    if (ownsDatabase) await database.close();
  };
  return {
    log,
    database,
    boot,
    metrics,
    meta,
    livechat,
    channels,
    adapters,
    threads,
    delivery,
    webhooks,
    sweeper,
    background,
    close,
  };
}

/**
 * The composition root of a gateway that serves HTTP: config → database → core → channels →
 * HTTP. With role `all` it also answers; with `http` it leaves that to answering processes.
 */
export async function startParley(config: Config, options: ParleyOptions = {}): Promise<Parley> {
  const role = config.role;
  if (role === "worker") throw new Error("an answering process is started with startParleyWorker");
  const parts = await assemble(config, options, role);
  const { log, database, metrics, channels, livechat, background } = parts;
  const { workerMetrics } = options;

  let accepting = true;
  const app = createHttpApp({
    database,
    log,
    metrics,
    metricsText: workerMetrics
      ? async () => {
          const merged = AggregatorRegistry.aggregate([
            await metrics.registry.getMetricsAsJSON(),
            ...(await workerMetrics()),
          ]);
          return merged.metrics();
        }
      : undefined,
    trustProxy: config.trustProxy,
    routers: [
      ...channels.flatMap((c) => (c.router ? [c.router] : [])),
      createAdminRouter({
        database,
        log,
        clock: options.clock ?? systemClock,
        config,
        secrets: parts.meta.secrets,
        previews: livechat.previews,
        adapters: parts.adapters,
        metrics,
      }),
    ],
    isAccepting: () => accepting,
  });
  const server = createServer(app.callback());
  server.on("upgrade", (req, socket, head) => {
    if (!accepting || !channels.some((c) => c.handleUpgrade?.(req, socket, head))) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    }
  });

  const ingest = ingestLoad(database);
  ingest.configure({ busyAt: config.worker.givesWayAt });
  const unwatchIngest = ingest.onChange((busy) => {
    metrics.ingestBusy.set(busy ? 1 : 0);
    if (role === "all") parts.threads.giveWayToIngest(busy);
  });

  for (const c of channels) await c.start?.();
  await background.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      accepting = false;
      // Nothing comes in any more: what is left to answer gets the full width to finish.
      unwatchIngest();
      parts.threads.giveWayToIngest(false);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await background.stop();
      for (const c of channels) await c.stop?.();
      server.closeAllConnections();
      await closed;
      await parts.close();
    })();
    return stopping;
  };

  return {
    config,
    role,
    database,
    server,
    url,
    adminToken: parts.boot.adminToken,
    threads: parts.threads,
    delivery: parts.delivery,
    sweeper: parts.sweeper,
    webhooks: parts.webhooks,
    ingest,
    stop,
  };
}

/**
 * An answering process: the same parts as a gateway, with no HTTP server and no channel loops
 * (mailboxes and linked devices are read by the HTTP process). It shares the database, and so
 * the work, with every other process; signals reach it through PostgreSQL NOTIFY.
 */
export async function startParleyWorker(config: Config, options: ParleyOptions = {}): Promise<ParleyWorker> {
  const parts = await assemble(config, options, "worker");
  await parts.background.start();
  let stopping: Promise<void> | undefined;
  return {
    config,
    database: parts.database,
    metrics: parts.metrics,
    threads: parts.threads,
    delivery: parts.delivery,
    stop() {
      stopping ??= (async () => {
        await parts.background.stop();
        await parts.close();
      })();
      return stopping;
    },
  };
}
