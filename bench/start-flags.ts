import { readFileSync } from "node:fs";

/**
 * The Node flags in a `node … script` command line: the words between `node` and the script.
 * The bench starts the gateway with the flags of `npm start`, so it measures what users run.
 */
export function nodeFlagsOf(command: string): string[] {
  const [runtime, ...words] = command.trim().split(/\s+/);
  if (runtime !== "node") throw new Error(`not a node command line: ${command}`);
  const script = words.findIndex((w) => !w.startsWith("-"));
  if (script === -1) throw new Error(`no script in: ${command}`);
  return words.slice(0, script);
}

/** The Node flags package.json's `start` script runs the gateway with. */
export function startScriptNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    scripts?: { start?: string };
  };
  const start = manifest.scripts?.start;
  if (!start) throw new Error("package.json has no start script");
  return nodeFlagsOf(start);
}
