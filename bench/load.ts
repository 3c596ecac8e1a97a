import { performance } from "node:perf_hooks";

/** One request of a load run: resolves to its HTTP status (200 counts as done). */
export type SendRequest = (n: number) => Promise<number>;

/** How hard and how long a closed loop pushes. */
export interface LoadShape {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Requests answered 200 in the measured window. */
  ok: number;
  failed: number;
  /** From the start of the measured window until its last request came back. */
  elapsedMs: number;
  /** Client-observed latency of every 200, in ms. */
  latenciesMs: number[];
  /** The first failure, to show rather than hide. */
  firstFailure: string | undefined;
  /** Requests sent again because the server had closed their idle connection (see JsonClient). */
  retries: number;
}

/**
 * A closed loop: `concurrency` clients each send a request, wait for its answer and send the
 * next, for `warmupMs` (not counted: JIT, connections, caches) and then for `durationMs`. Closed,
 * not open (a fixed arrival rate), because the question is how many the server can take, and
 * a closed loop never queues more work than it has clients, so it finds that rate by itself.
 */
export async function closedLoop(
  options: LoadShape & {
    send: SendRequest;
    /** Called when the warm-up is over and the measured window starts (e.g. to start a CPU meter). */
    onMeasuredWindow?: () => void;
  },
): Promise<LoadResult> {
  let n = 0;
  const phase = async (durationMs: number, result: LoadResult | undefined) => {
    const start = performance.now();
    const until = start + durationMs;
    const client = async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        const outcome = await options.send(n++).then(
          (status) => (status === 200 ? undefined : `HTTP ${status}`),
          (err: unknown) => String(err),
        );
        if (!result) continue;
        if (outcome === undefined) {
          result.ok += 1;
          result.latenciesMs.push(performance.now() - sent);
        } else {
          result.failed += 1;
          result.firstFailure ??= outcome;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
    if (result) result.elapsedMs = performance.now() - start;
  };
  await phase(options.warmupMs, undefined);
  const result: LoadResult = {
    ok: 0,
    failed: 0,
    elapsedMs: 0,
    latenciesMs: [],
    firstFailure: undefined,
    retries: 0,
  };
  options.onMeasuredWindow?.();
  await phase(options.durationMs, result);
  return result;
}

/** Runs `count` tasks with at most `concurrency` at a time; rejects on the first failure. */
export async function inBatches<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
