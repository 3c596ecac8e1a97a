import type { OpenAIStub } from "../tests/helpers/openai-stub.js";
import { type CpuTime, startCpuMeter } from "./cpu-time.js";
import { type GatewayErrors, type GatewaySettings, withGateway } from "./gateway.js";
import { JsonClient } from "./http-client.js";
import { STUB_ANSWER } from "./llm-stub.js";
import { inBatches } from "./load.js";
import { readReplyTimings, waitForReplies } from "./replies.js";
import { openVisitors, postMessage } from "./visitors.js";

export interface AnswersRun {
  conversations: number;
  messagesPerConversation: number;
  /** Requests on the wire at once, while posting (and while opening the conversations). */
  concurrency: number;
  /** How long to wait for the last reply before reporting the ones that came. */
  timeoutMs: number;
  /**
   * Conversations answered (one message each, same LLM) before the clock starts, like the
   * closed loops' warm-up: a gateway that has just started runs its first messages through cold
   * JIT code, new PostgreSQL connections (each plans its statements and fills its catalog caches
   * once) and new sockets to the LLM. 0 measures the cold start.
   */
  warmupConversations: number;
}

export interface AnswersResult extends GatewayErrors {
  sent: number;
  /** Posts the gateway acknowledged with 200. */
  acked: number;
  /** The first post that was not acknowledged, to show rather than hide. */
  firstFailure: string | undefined;
  /** Requests sent again because the server had closed their idle connection (see JsonClient). */
  retries: number;
  /** Messages whose reply carries the LLM's answer. */
  answered: number;
  /** Messages answered with something else (an apology for a failed LLM call, say), and the first such reply. */
  otherReplies: number;
  firstOtherReply: string | undefined;
  /** From the moment the first message was posted to the commit of the last answer. */
  elapsedMs: number;
  /** Per answered message: answer committed − message stored, from the database's timestamps. */
  latenciesMs: number[];
  /** CPU time each part used from the first post until the last reply was seen (Linux only). */
  cpu: CpuTime | undefined;
}

/**
 * (b) and (c): visitors post every message as fast as the clients allow, and the clock runs until
 * the last answer is committed (for live chat a committed reply is what the visitor sees; the
 * delivery worker only marks it delivered). Run (b) with a zero-latency LLM for throughput through
 * the whole path (store → worker → LLM → reply + outbox); run (c) with every conversation posting
 * at once and a 1 s LLM, for how long a crowd waits.
 */
export async function measureAnswers(
  settings: GatewaySettings,
  stub: OpenAIStub,
  run: AnswersRun,
): Promise<AnswersResult> {
  return withGateway(settings, stub, async (gateway) => {
    const client = new JsonClient(gateway.url, run.concurrency);
    const sent = run.conversations * run.messagesPerConversation;
    let firstPostAt: number;
    let outcomes: string[];
    let retries: number;
    let warmupReplies = 0;
    let meter: ReturnType<typeof startCpuMeter>;
    try {
      if (run.warmupConversations > 0) warmupReplies = await warmUp(client, gateway.url, run);
      // Opening them at full concurrency also leaves up to that many keep-alive connections open
      // (those used in the last 4 s), so the posts below need fewer new TCP handshakes.
      const visitors = await openVisitors(client, run.conversations, run.concurrency);
      firstPostAt = Date.now();
      meter = startCpuMeter(gateway.pid, settings.engine === "postgres");
      // Message n goes to visitor n mod conversations: each conversation's messages are spread out.
      outcomes = await inBatches(sent, run.concurrency, (n) =>
        postMessage(client, visitors[n % visitors.length]!, `answer-${n}`).then(
          (status) => (status === 200 ? "ok" : `HTTP ${status}`),
          (err: unknown) => String(err),
        ),
      );
    } finally {
      retries = client.retries;
      client.close();
    }
    const acked = outcomes.filter((outcome) => outcome === "ok").length;
    await waitForReplies(gateway.url, warmupReplies + acked, run.timeoutMs);
    const cpu = meter?.stop();
    await gateway.stop();
    // The warm-up's messages were all answered before the first timed post: they are earlier.
    const timed = (await readReplyTimings(gateway.database, STUB_ANSWER)).filter(
      (t) => t.receivedAt >= firstPostAt,
    );
    const answered = timed.flatMap((t) =>
      t.repliedAt === undefined ? [] : [{ receivedAt: t.receivedAt, repliedAt: t.repliedAt }],
    );
    const others = timed.flatMap((t) => (t.otherReply === undefined ? [] : [t.otherReply]));
    const lastAnswerAt = answered.reduce((last, t) => Math.max(last, t.repliedAt), firstPostAt);
    return {
      sent,
      acked,
      firstFailure: outcomes.find((outcome) => outcome !== "ok"),
      retries,
      gatewayErrors: gateway.errors(),
      answered: answered.length,
      otherReplies: others.length,
      firstOtherReply: others[0],
      elapsedMs: lastAnswerAt - firstPostAt,
      latenciesMs: answered.map((t) => t.repliedAt - t.receivedAt),
      cpu,
    };
  });
}

/**
 * The slowest answering the warm-up waits for, per conversation: 20 answers a second, below the
 * embedded database's pace in its slowest phases seen (67–74 msgs/s in (b)), where the 45 s the
 * timed runs allow would leave a 2,000-conversation warm-up with no room. That limit is for the
 * figures, not for getting the gateway warm.
 */
const WARMUP_MS_PER_CONVERSATION = 50;

/** The warm-up round: its own visitors, one message each, all answered before the timed run. */
async function warmUp(client: JsonClient, gatewayUrl: string, run: AnswersRun): Promise<number> {
  const visitors = await openVisitors(client, run.warmupConversations, run.concurrency);
  const outcomes = await inBatches(visitors.length, run.concurrency, (n) =>
    postMessage(client, visitors[n]!, `warmup-${n}`),
  );
  const acked = outcomes.filter((status) => status === 200).length;
  const timeoutMs = Math.max(run.timeoutMs, acked * WARMUP_MS_PER_CONVERSATION);
  const reached = await waitForReplies(gatewayUrl, acked, timeoutMs);
  if (reached < acked) throw new Error(`warm-up: only ${reached} of ${acked} messages were answered`);
  return reached;
}
