import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A `node … script …` command line in its parts. */
export interface NodeCommand {
  /** The words between `node` and the script. */
  nodeFlags: string[];
  /** Relative to the project's root. */
  script: string;
  /** The words after the script. */
  scriptArgs: string[];
}

/** Reads a `node … script …` command line, as `npm start` runs it. */
export function nodeCommandOf(command: string): NodeCommand {
  const [runtime, ...words] = command.trim().split(/\s+/);
  if (runtime !== "node") throw new Error(`not a node command line: ${command}`);
  const script = words.findIndex((w) => !w.startsWith("-"));
  if (script === -1) throw new Error(`no script in: ${command}`);
  return { nodeFlags: words.slice(0, script), script: words[script]!, scriptArgs: words.slice(script + 1) };
}

/**
 * How package.json's `start` script runs the gateway: the bench starts it the same way, so it
 * measures what users run (the compiled JavaScript, with the same Node flags).
 */
export function startCommand(): NodeCommand {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts?: { start?: string };
  };
  const start = manifest.scripts?.start;
  if (!start) throw new Error("package.json has no start script");
  return nodeCommandOf(start);
}

/**
 * Throws unless `built` (the start script, e.g. dist/main.js) was written after every file under
 * `sources` (src/): a bench of an older build would report on code that is not there any more.
 * `npm run bench` builds first (its `prebench` script), as `npm start` does (`prestart`).
 */
export function assertBuiltAfterSources(built: string, sources = "src"): void {
  const builtAt = modifiedAt(path.resolve(ROOT, built));
  if (builtAt === undefined) throw new Error(`${built} is missing: run \`npm run build\` first`);
  const newest = newestUnder(path.resolve(ROOT, sources));
  if (newest && newest.at > builtAt) {
    throw new Error(
      `${built} is older than ${path.relative(ROOT, newest.file)}: run \`npm run build\` first`,
    );
  }
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestUnder(dir: string): { file: string; at: number } | undefined {
  let newest: { file: string; at: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const at = statSync(file).mtimeMs;
    if (!newest || at > newest.at) newest = { file, at };
  }
  return newest;
}
