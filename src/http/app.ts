import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import type { Metrics } from "../core/metrics.js";
import type { Database } from "../db/client.js";
import { errorMiddleware } from "./errors.js";

export interface HttpAppDeps {
  database: Database;
  log: Logger;
  metrics: Metrics;
  /** The metrics text to serve instead of this process's registry (merged with answering processes'). */
  metricsText?: (() => Promise<string>) | undefined;
  trustProxy: boolean;
  /** Routers of the channels and the admin API, mounted in order. */
  routers: Router[];
  /** False while the gateway drains on shutdown: /readyz then says so, so load balancers stop sending. */
  isAccepting: () => boolean;
}

export function createHttpApp(deps: HttpAppDeps): Koa {
  const app = new Koa({ proxy: deps.trustProxy });
  app.silent = true;
  app.use(errorMiddleware(deps.log));
  // rawBody is kept for webhook signatures, which must be checked over the bytes as received.
  app.use(bodyParser({ enableTypes: ["json"], jsonLimit: "1mb", encoding: "utf-8" }));

  const ops = new Router();
  ops.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });
  ops.get("/readyz", async (ctx) => {
    const db = await deps.database.ping();
    const accepting = deps.isAccepting();
    ctx.status = db && accepting ? 200 : 503;
    ctx.body = { status: db && accepting ? "ready" : "unavailable", database: db, accepting };
  });
  ops.get("/metrics", async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await (deps.metricsText ?? (() => deps.metrics.registry.metrics()))();
  });
  app.use(ops.routes()).use(ops.allowedMethods());
  for (const router of deps.routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
