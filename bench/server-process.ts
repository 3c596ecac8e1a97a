import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** Children still running; killed if the bench exits early (a failure, ^C), so none outlives it. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A server under test as its own OS process (the gateway's `dist/main.js`, as `npm start` runs it,
 * or bench/baseline-server.ts), so it has a core's worth of event loop to itself rather than
 * sharing one with the load generator. It is ready when it logs a JSON line `{ msg: readyMessage,
 * url }`; the same approach as tests/helpers/child-gateway.ts, plus a bounded stop.
 */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything it wrote, one line each (shown when something goes wrong). */
  logs: string[];
  /** SIGTERM, then SIGKILL if it has not exited after 15 s. */
  stop(): Promise<void>;
}

export async function startServerProcess(options: {
  script: string;
  readyMessage: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof (which NODE_OPTIONS does not accept). */
  nodeFlags?: string[];
  scriptArgs?: string[];
}): Promise<ServerProcess> {
  // TypeScript (the baseline's server) runs through tsx; the gateway runs built, as `npm start` does.
  const loader = options.script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const args = [...(options.nodeFlags ?? []), ...loader, options.script, ...(options.scriptArgs ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.script} did not start:\n${logs.join("\n")}`));
    }, START_TIMEOUT_MS);
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        const entry = parseJsonLine(line);
        if (entry?.msg === options.readyMessage && typeof entry.url === "string") {
          clearTimeout(timer);
          resolve(entry.url);
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => logs.push(chunk.toString("utf8")));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.script} exited with ${code} before it started:\n${logs.join("\n")}`));
    });
  });
  return { url, pid: child.pid ?? 0, logs, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
