import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { childPoolSize } from "../src/worker-processes.js";

const POSTGRES = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" };

describe("configuration: roles and answering processes", () => {
  it("is one process doing everything on the embedded database, whatever the machine", () => {
    const config = loadConfig({});
    expect(config.role).toBe("all");
    expect(config.workerProcesses).toBe(0);
  });

  it("on PostgreSQL forks one answering process per core but one, at most four", () => {
    const config = loadConfig(POSTGRES);
    expect(config.workerProcesses).toBe(Math.min(4, Math.max(0, availableParallelism() - 1)));
    expect(loadConfig({ ...POSTGRES, WORKER_PROCESSES: "0" }).workerProcesses).toBe(0);
    expect(loadConfig({ ...POSTGRES, WORKER_PROCESSES: "6" }).workerProcesses).toBe(6);
    expect(loadConfig({ ...POSTGRES, PARLEY_ROLE: "http" }).role).toBe("http");
    expect(loadConfig({ ...POSTGRES, PARLEY_ROLE: "worker" }).role).toBe("worker");
  });

  it("refuses what the embedded database cannot do, and nonsense, with the variable's name", () => {
    expect(() => loadConfig({ WORKER_PROCESSES: "2" })).toThrow(/WORKER_PROCESSES needs PostgreSQL/);
    expect(() => loadConfig({ PARLEY_ROLE: "worker" })).toThrow(/PARLEY_ROLE=worker needs PostgreSQL/);
    expect(() => loadConfig({ ...POSTGRES, WORKER_PROCESSES: "many" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...POSTGRES, WORKER_PROCESSES: "-1" })).toThrow(/WORKER_PROCESSES/);
    expect(() => loadConfig({ ...POSTGRES, PARLEY_ROLE: "both" })).toThrow(/PARLEY_ROLE/);
  });

  it("gives way to a burst of eight messages stored at once by default, at another count, or never", () => {
    expect(loadConfig({}).worker.givesWayAt).toBe(8);
    expect(loadConfig({ WORKER_GIVES_WAY_AT: "32" }).worker.givesWayAt).toBe(32);
    expect(loadConfig({ WORKER_GIVES_WAY_AT: "0" }).worker.givesWayAt).toBe(0);
    expect(() => loadConfig({ WORKER_GIVES_WAY_AT: "-1" })).toThrow(/WORKER_GIVES_WAY_AT/);
    expect(() => loadConfig({ WORKER_GIVES_WAY_AT: "some" })).toThrow(/WORKER_GIVES_WAY_AT/);
  });
});

describe("answering processes' connections", () => {
  it("share one pool's worth between them, with at least four each", () => {
    expect(childPoolSize(20, 1)).toBe(20);
    expect(childPoolSize(20, 2)).toBe(10);
    expect(childPoolSize(20, 3)).toBe(7);
    expect(childPoolSize(20, 4)).toBe(5);
    expect(childPoolSize(8, 4)).toBe(4);
    expect(childPoolSize(1, 4)).toBe(4);
  });
});
