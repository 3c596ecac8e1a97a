import { setTimeout as delay } from "node:timers/promises";
import OpenAI from "openai";
import { z } from "zod";
import type { Citation } from "../../db/schema.js";
import { outboundFetch } from "../../http/outbound-request.js";
import { formatWithSources, systemText } from "../texts.js";
import { buildMessages, passageId, REPLY_JSON_SCHEMA, REPLY_SCHEMA_NAME } from "./prompt.js";
import type { AgentReply, Answerer, AnswerRequest } from "./types.js";

export interface OpenAIAnswererOptions {
  apiKey: string;
  /** Any OpenAI-compatible server; OpenAI's own when unset. */
  baseURL?: string | undefined;
  model: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Total tries, the first included. */
  maxAttempts: number;
  /** The first retry waits about this long, each further one twice as long. */
  retryBaseDelayMs?: number | undefined;
  /** Upper bound for one wait, also when the server's Retry-After asks for more. */
  maxRetryDelayMs?: number | undefined;
  /** Injected by tests to record the waits instead of sleeping. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  logger?: AnswererLogger | undefined;
}

/** The slice of a pino logger this class uses. */
export interface AnswererLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const DEFAULT_RETRY_BASE_DELAY_MS = 500;
const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;

/** Statuses worth another try: the server was busy, overloaded or briefly broken. */
const RETRYABLE_STATUSES = new Set([408, 409, 429]);

const modelReplySchema = z.object({
  action: z.enum(["answer", "clarify", "handoff"]),
  text: z.string().trim().min(1),
  citations: z.array(z.string()),
});

/** Why one attempt produced no usable reply; `retryable` decides whether another attempt is made. */
class AttemptFailure extends Error {
  override name = "AttemptFailure";
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(code);
  }
}

/**
 * Answers with a chat-completions model in structured output. Trouble with the model (errors,
 * timeouts, output that is not the agreed JSON) is retried with backoff and, when every attempt
 * failed, becomes a polite apology marked `failed`: this class never throws for LLM trouble.
 * It throws only when the request's signal aborts, so the caller can stop.
 */
export class OpenAIAnswerer implements Answerer {
  readonly name = "openai";
  readonly #client: OpenAI;
  readonly #options: OpenAIAnswererOptions;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: OpenAIAnswererOptions) {
    this.#options = options;
    // No SDK retries: ours also cover malformed output, which the SDK cannot see.
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      maxRetries: 0,
      // node:http instead of the global fetch: half the CPU per call (see outbound-request.ts).
      fetch: outboundFetch,
    });
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  }

  async answer(request: AnswerRequest): Promise<AgentReply> {
    const attempts = Math.max(1, this.#options.maxAttempts);
    // Made only when an attempt fails: an Error captures a stack trace, which every answer would pay for.
    let failure: AttemptFailure | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      request.signal?.throwIfAborted();
      try {
        return await this.#attempt(request);
      } catch (error) {
        request.signal?.throwIfAborted();
        failure = asAttemptFailure(error);
      }
      const last = attempt === attempts - 1;
      if (!failure?.retryable || last) break;
      const wait = this.#retryDelay(attempt, failure.retryAfterMs);
      this.#options.logger?.warn(
        { reason: failure.code, attempt: attempt + 1, wait },
        "LLM attempt failed; retrying",
      );
      try {
        await this.#sleep(wait, request.signal);
      } catch (error) {
        request.signal?.throwIfAborted();
        throw error;
      }
    }
    request.signal?.throwIfAborted();
    failure ??= new AttemptFailure("no_attempt", false);
    // A failure that is not worth retrying (401, 404, …) is a configuration mistake someone must fix.
    const details = { reason: failure.code, model: this.#options.model };
    if (failure.retryable) this.#options.logger?.warn(details, "LLM failed; replying with an apology");
    else this.#options.logger?.error(details, "LLM request rejected; replying with an apology");
    return {
      action: "answer",
      text: systemText("unavailable", request.language),
      citations: [],
      failed: true,
      reason: `llm_failed: ${failure.code}`,
    };
  }

  async #attempt(request: AnswerRequest): Promise<AgentReply> {
    const completion = await this.#client.chat.completions.create(
      {
        model: this.#options.model,
        messages: buildMessages(request),
        response_format: {
          type: "json_schema",
          json_schema: { name: REPLY_SCHEMA_NAME, strict: true, schema: REPLY_JSON_SCHEMA },
        },
      },
      { signal: request.signal },
    );
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new AttemptFailure("empty_output", true);
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      throw new AttemptFailure("malformed_output", true);
    }
    const parsed = modelReplySchema.safeParse(json);
    if (!parsed.success) throw new AttemptFailure("invalid_output", true);
    return toAgentReply(parsed.data, request);
  }

  #retryDelay(attempt: number, retryAfterMs: number | undefined): number {
    const cap = this.#options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, cap);
    const exponential = (this.#options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS) * 2 ** attempt;
    // Up to a quarter more, so that replicas that failed together do not retry together.
    return Math.min(exponential * (1 + Math.random() / 4), cap);
  }
}

function toAgentReply(output: z.infer<typeof modelReplySchema>, request: AnswerRequest): AgentReply {
  const { language, passages, agent } = request;
  if (output.action === "answer" && passages.length === 0) {
    // An answer without content to stand on can only be invented.
    return { action: "clarify", text: systemText("notFound", language), citations: [], reason: "no_match" };
  }
  if (output.action !== "answer") {
    return { action: output.action, text: output.text, citations: [], reason: `model_${output.action}` };
  }
  const citations: Citation[] = [];
  for (const id of new Set(output.citations.map((c) => c.trim().toUpperCase()))) {
    const passage = passages.find((_, index) => passageId(index) === id);
    if (passage && !passage.isPrivate) citations.push(passage.source);
  }
  const shown = agent.citationsEnabled ? citations : [];
  return { action: "answer", text: formatWithSources(output.text, shown, language), citations: shown };
}

function asAttemptFailure(error: unknown): AttemptFailure {
  if (error instanceof AttemptFailure) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new AttemptFailure("timeout", true);
  if (error instanceof OpenAI.APIUserAbortError) return new AttemptFailure("aborted", false);
  if (error instanceof OpenAI.APIConnectionError) return new AttemptFailure("network", true);
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const retryable = RETRYABLE_STATUSES.has(error.status) || error.status >= 500;
    return new AttemptFailure(`http_${error.status}`, retryable, retryAfterMs(error.headers));
  }
  return new AttemptFailure(
    error instanceof Error ? `error: ${error.message.slice(0, 100)}` : "unknown_error",
    false,
  );
}

/** OpenAI sends `retry-after-ms`; HTTP servers in general send `Retry-After` in seconds or as a date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
