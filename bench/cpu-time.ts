import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (user + system, in ms) that each part of a measurement used, read from Linux's /proc:
 * the gateway's HTTP process, its answering processes (its children), PostgreSQL's processes
 * when the server runs on this machine, and the bench's own process (load generator and stubs).
 * The ratios say how a run compared with the baseline on a noisy machine; these say what one
 * answered message costs, which is what the ratios are made of.
 */
export interface CpuTime {
  http: number;
  answering: number;
  /** Undefined when no PostgreSQL process is visible (PGlite, or a server elsewhere). */
  postgres: number | undefined;
  bench: number;
}

/** Linux reports process times in USER_HZ ticks, 100 per second on every architecture it runs on. */
const TICK_MS = 10;

export interface ProcessTime {
  parent: number;
  command: string;
  ms: number;
}

/**
 * One line of /proc/<pid>/stat: "pid (command) state ppid … utime stime …" (proc(5)). The command
 * may hold spaces and parentheses, so the fields are counted from its last ")".
 */
export function parseProcStat(stat: string): ProcessTime {
  const close = stat.lastIndexOf(")");
  const command = stat.slice(stat.indexOf("(") + 1, close);
  const fields = stat.slice(close + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  return { parent: Number(fields[1]), command, ms: ticks * TICK_MS };
}

/** Every visible process's CPU time so far, by pid; empty where there is no /proc. */
function readProcesses(): Map<number, ProcessTime> {
  const found = new Map<number, ProcessTime>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      found.set(pid, parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8")));
    } catch {
      // gone since the directory was read (or not a stat line: then it is not counted)
    }
  }
  return found;
}

/**
 * Starts measuring; `stop()` gives what each part used since. Undefined where there is no /proc.
 * `withPostgres`: the gateway uses a PostgreSQL server (on PGlite the database is inside the
 * gateway, and a server that happens to run here has nothing to do with it).
 */
export function startCpuMeter(gatewayPid: number, withPostgres: boolean): { stop(): CpuTime } | undefined {
  const before = readProcesses();
  if (!before.has(process.pid)) return undefined;
  return {
    stop() {
      const after = readProcesses();
      const used = (pid: number) => (after.get(pid)?.ms ?? 0) - (before.get(pid)?.ms ?? 0);
      let answering = 0;
      let postgres: number | undefined;
      for (const [pid, p] of after) {
        // tsx's esbuild service is a child too, busy only while the gateway starts.
        if (p.parent === gatewayPid && p.command !== "esbuild") answering += used(pid);
        else if (withPostgres && p.command === "postgres") postgres = (postgres ?? 0) + used(pid);
      }
      return { http: used(gatewayPid), answering, postgres, bench: used(process.pid) };
    },
  };
}

/**
 * A meter for a closed loop's measured window: `start` goes in `onMeasuredWindow`, `stop` right
 * after the loop returns (its last request came back), so the CPU time covers the requests counted.
 */
export function measuredWindowMeter(gatewayPid: number, withPostgres: boolean) {
  let meter: ReturnType<typeof startCpuMeter>;
  return {
    start: () => {
      meter = startCpuMeter(gatewayPid, withPostgres);
    },
    stop: (): CpuTime | undefined => meter?.stop(),
  };
}
