import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { setPriority } from "node:os";
import type { Logger } from "pino";
import { z } from "zod";
import type { MetricsSnapshot, ParleyWorker } from "./server.js";

/**
 * The answering processes `npm start` forks beside itself (WORKER_PROCESSES), and the two sides
 * of what they say to each other over Node's IPC channel.
 *
 * Why processes: Node runs a process's JavaScript on one core. Answering (retrieval, prompts,
 * the LLM client, committing replies) sharing that core with the HTTP server made channel
 * acknowledgements wait behind it. Nothing else is shared: the database hands out the work, so
 * a worker process is simply a gateway replica without HTTP, and losing one loses nothing (its
 * leases run out and another process takes the threads up).
 */

const fromChild = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("metrics"), id: z.number(), metrics: z.array(z.any()) }),
]);
const fromParent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("metrics"), id: z.number() }),
  /** The parent's channels are busy (or calm again): answering gives way to them meanwhile. */
  z.object({ type: z.literal("ingest"), busy: z.boolean() }),
]);

/** A child that ran at least this long before it exited starts again at once, not after a backoff. */
const HEALTHY_RUN_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;
const READY_TIMEOUT_MS = 60_000;
const METRICS_TIMEOUT_MS = 2_000;
/**
 * Answering runs at a lower CPU priority than HTTP: when both want the cores, acknowledging a
 * channel comes first (Meta redelivers, and eventually disables, webhooks that are slow to
 * answer), and answering catches up as soon as the burst is over. The same choice the
 * in-process permits make (see permits.ts), made by the operating system's scheduler.
 */
const ANSWERING_NICENESS = 10;

interface Slot {
  index: number;
  child: ChildProcess | undefined;
  startedAt: number;
  /** Exits in a row that came too soon after a start: the restart waits 2^n seconds. */
  quickExits: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface WorkerProcessesOptions {
  count: number;
  /** DATABASE_POOL_SIZE for each child (see childPoolSize). */
  poolSize: number;
  log: Logger;
  /** How long a child gets to finish its answers after SIGTERM before it is killed. */
  shutdownTimeoutMs: number;
  /** The module a child runs (the gateway's entry point) and the node flags it runs with. */
  script?: string;
  execArgv?: string[];
}

/**
 * The children share one pool's worth of connections between them, so a gateway opens at most
 * about twice DATABASE_POOL_SIZE however many cores it has (five processes with a pool each
 * would exhaust a default PostgreSQL's 100 connections), and answering as a whole keeps the
 * database concurrency it had in one process.
 */
export function childPoolSize(poolSize: number, children: number): number {
  return Math.max(4, Math.ceil(poolSize / Math.max(1, children)));
}

/** The parent's side: forks the children, restarts any that exit, asks them for metrics, stops them. */
export class WorkerProcesses {
  readonly #slots: Slot[];
  readonly #pendingMetrics = new Map<number, (snapshot: MetricsSnapshot | undefined) => void>();
  #nextRequest = 1;
  #stopping = false;
  #ingestBusy = false;

  constructor(private readonly options: WorkerProcessesOptions) {
    this.#slots = Array.from({ length: options.count }, (_, index) => ({
      index,
      child: undefined,
      startedAt: 0,
      quickExits: 0,
      restartTimer: undefined,
    }));
  }

  /** The children's process ids (those running now). */
  get pids(): number[] {
    return this.#slots.flatMap((s) => (s.child?.pid === undefined ? [] : [s.child.pid]));
  }

  /** Forks every child; resolves when each has said it is answering (or the wait ran out). */
  async start(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.#fork(slot)));
  }

  /** Each running child's metrics; a child that does not answer in time is left out. */
  async metrics(): Promise<MetricsSnapshot[]> {
    const answers = await Promise.all(
      this.#slots.map((slot) => {
        const child = slot.child;
        if (!child?.connected) return undefined;
        const id = this.#nextRequest++;
        return new Promise<MetricsSnapshot | undefined>((resolve) => {
          const timer = setTimeout(() => finish(undefined), METRICS_TIMEOUT_MS);
          const finish = (snapshot: MetricsSnapshot | undefined) => {
            clearTimeout(timer);
            this.#pendingMetrics.delete(id);
            resolve(snapshot);
          };
          this.#pendingMetrics.set(id, finish);
          child.send({ type: "metrics", id }, (err) => {
            if (err) finish(undefined);
          });
        });
      }),
    );
    return answers.filter((a): a is MetricsSnapshot => a !== undefined);
  }

  /**
   * This process's channels are busy with a burst (or calm again): its children's answering
   * gives way to it, as the answering in a single process does. A child started later hears the
   * state when it is ready.
   */
  ingestBusy(busy: boolean): void {
    this.#ingestBusy = busy;
    for (const slot of this.#slots) this.#tellIngest(slot.child);
  }

  #tellIngest(child: ChildProcess | undefined): void {
    if (!child?.connected) return;
    // A child that misses this (it is exiting) is replaced by one that hears the state when ready.
    child.send({ type: "ingest", busy: this.#ingestBusy }, () => {});
  }

  /** SIGTERM to every child, which finishes its answers in flight; SIGKILL for any that outstays that. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const child = slot.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), this.options.shutdownTimeoutMs + 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #fork(slot: Slot): Promise<void> {
    const { log } = this.options;
    const child = fork(this.options.script ?? process.argv[1] ?? "", [], {
      env: {
        ...process.env,
        PARLEY_ROLE: "worker",
        PARLEY_WORKER_INDEX: String(slot.index),
        DATABASE_POOL_SIZE: String(this.options.poolSize),
      },
      execArgv: this.options.execArgv ?? process.execArgv,
      // The children log to the same stdout and stderr, one JSON line per entry like the parent.
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, ANSWERING_NICENESS);
      } catch (err) {
        log.debug({ err }, "could not lower the worker process's CPU priority");
      }
    }
    log.info(
      { worker: slot.index, childPid: child.pid, poolSize: this.options.poolSize },
      "worker process started",
    );

    const ready = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn(
          { worker: slot.index, childPid: child.pid },
          "worker process is slow to start; not waiting for it",
        );
        resolve();
      }, READY_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.on("message", (raw) => {
        const message = fromChild.safeParse(raw);
        if (!message.success) return;
        if (message.data.type === "ready") {
          log.info({ worker: slot.index, childPid: child.pid }, "worker process is answering");
          if (this.#ingestBusy) this.#tellIngest(child);
          done();
        } else {
          this.#pendingMetrics.get(message.data.id)?.(message.data.metrics as MetricsSnapshot);
        }
      });
      child.once("exit", done);
    });

    child.once("exit", (code, signal) => {
      if (slot.child === child) slot.child = undefined;
      if (this.#stopping) return;
      const ranFor = Date.now() - slot.startedAt;
      slot.quickExits = ranFor >= HEALTHY_RUN_MS ? 0 : slot.quickExits + 1;
      const delayMs =
        slot.quickExits === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (slot.quickExits - 1));
      log.error(
        { worker: slot.index, childPid: child.pid, code, signal, restartInMs: delayMs },
        "worker process exited; starting another",
      );
      slot.restartTimer = setTimeout(() => {
        if (!this.#stopping) void this.#fork(slot);
      }, delayMs);
    });
    child.on("error", (err) => log.error({ err, worker: slot.index }, "worker process error"));
    return ready;
  }
}

/**
 * The child's side, once its worker has started: says it is ready, answers metrics requests,
 * and stops gracefully when the parent asks (SIGTERM) or is gone (the IPC channel closed: a
 * parent that was killed must not leave answering orphans behind). Ctrl-C in a terminal reaches
 * the whole process group; the parent decides, so the child leaves SIGINT to it.
 */
export function serveParent(worker: ParleyWorker, log: Logger, exit: (code: number) => void): void {
  const send = process.send?.bind(process);
  if (!send) return;
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, "worker process stopping");
    // Nothing new comes to this process now: what it has left gets the full width to finish.
    worker.threads.giveWayToIngest(false);
    worker.stop().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, "worker process shutdown failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => {});
  process.on("disconnect", () => shutdown("the parent process is gone"));
  process.on("message", (raw) => {
    const message = fromParent.safeParse(raw);
    if (!message.success) return;
    if (message.data.type === "ingest") {
      if (!stopping) worker.threads.giveWayToIngest(message.data.busy);
      return;
    }
    const { id } = message.data;
    worker.metrics.registry.getMetricsAsJSON().then(
      (metrics) => {
        if (process.connected) send({ type: "metrics", id, metrics });
      },
      (err: unknown) => log.warn({ err }, "collecting metrics for the parent failed"),
    );
  });
  send({ type: "ready" });
}
