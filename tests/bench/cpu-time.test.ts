import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseProcStat, startCpuMeter } from "../../bench/cpu-time.js";

describe("the bench's CPU meter", () => {
  it("reads parent, command and user + system time from a /proc stat line, whatever the command holds", () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const line = "4242 (node (worker) x) S 4200 4242 4242 0 -1 4194560 1000 0 0 0 150 37 0 0 20 0 11 0";
    expect(parseProcStat(line)).toEqual({ parent: 4200, command: "node (worker) x", ms: 1870 });
    expect(() => parseProcStat("garbage")).toThrow();
  });

  it.runIf(existsSync("/proc/self/stat"))("counts this process's own CPU time as the bench's", () => {
    const meter = startCpuMeter(-1, false);
    expect(meter).toBeDefined();
    // Burn 50 ms of CPU (not of wall time, which a busy machine would stretch).
    const start = process.cpuUsage();
    let sum = 0;
    for (;;) {
      const { user, system } = process.cpuUsage(start);
      if (user + system >= 50_000) break;
      sum += Math.sqrt(sum + 1);
    }
    const used = meter!.stop();
    // Ticks are 10 ms: the start and the end may each lose one.
    expect(used.bench).toBeGreaterThanOrEqual(30);
    expect(used.http).toBe(0);
    expect(used.answering).toBe(0);
    expect(used.postgres).toBeUndefined();
  });
});
