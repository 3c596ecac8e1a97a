import { readFileSync } from "node:fs";
import os from "node:os";

/** What the figures were measured on, for the report: ratios travel, absolute numbers do not. */
export function describeMachine(): string[] {
  return [
    `CPU: ${cpuModel()}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    `Node ${process.version} on ${os.platform()} ${os.release()}`,
  ];
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: fall through to what node knows
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/**
 * The 1-minute load average, taken before the bench starts anything: well above zero means other
 * work shares these cores, and the absolute figures (not the ratios) will be lower for it.
 */
export function loadAverage(): string {
  return os.loadavg()[0]!.toFixed(2);
}
