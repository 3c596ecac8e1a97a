import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server that speaks OpenAI's chat-completions wire format, so the real `openai` SDK
 * can be tested against it. Replies are scripted per request (a queue, then a fallback), every
 * request is recorded, and a gate can hold requests open (crash tests) or every reply can be
 * slowed down by a fixed delay (benchmarks).
 */

export type StubReply =
  /** A completion whose message content is `JSON.stringify(body)`. */
  | { kind: "json"; body: unknown }
  /** A completion whose message content is this exact string (e.g. malformed JSON). */
  | { kind: "content"; content: string }
  /** An HTTP error with OpenAI's error envelope. */
  | { kind: "error"; status: number; message?: string; type?: string; headers?: Record<string, string> }
  /** Waits `ms` before sending `then` (longer than the client's timeout = a timeout). */
  | { kind: "delay"; ms: number; then: StubReply };

/** Builders for the replies tests script most. */
export const stubReply = {
  answer: (text: string, citations: string[] = []): StubReply => ({
    kind: "json",
    body: { action: "answer", text, citations },
  }),
  clarify: (text: string): StubReply => ({ kind: "json", body: { action: "clarify", text, citations: [] } }),
  handoff: (text: string): StubReply => ({ kind: "json", body: { action: "handoff", text, citations: [] } }),
  malformed: (content = "Sure! Here is your answer: {not json"): StubReply => ({ kind: "content", content }),
  serverError: (status = 500): StubReply => ({
    kind: "error",
    status,
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
  }),
  rateLimited: (retryAfterSeconds: number): StubReply => ({
    kind: "error",
    status: 429,
    message: "Rate limit reached for requests",
    type: "requests",
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  unauthorized: (): StubReply => ({
    kind: "error",
    status: 401,
    message: "Incorrect API key provided.",
    type: "invalid_request_error",
  }),
  slow: (ms: number, then: StubReply): StubReply => ({ kind: "delay", ms, then }),
};

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The parsed JSON body (model, messages, response_format, …). */
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema?: unknown } };
    [key: string]: unknown;
  };
}

export interface OpenAIStubOptions {
  /** Delay before every reply, on top of any `delay` reply. */
  delayMs?: number;
  /** What to send when the queue is empty; a function may look at the request. */
  fallback?: StubReply | ((request: RecordedRequest) => StubReply);
}

export class OpenAIStub {
  readonly requests: RecordedRequest[] = [];
  delayMs: number;
  #fallback: NonNullable<OpenAIStubOptions["fallback"]>;
  readonly #queue: StubReply[] = [];
  readonly #server: Server;
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  #completions = 0;

  private constructor(server: Server, options: OpenAIStubOptions) {
    this.#server = server;
    this.delayMs = options.delayMs ?? 0;
    this.#fallback = options.fallback ?? stubReply.answer("This is the stub's default answer.");
  }

  static async start(options: OpenAIStubOptions = {}): Promise<OpenAIStub> {
    let stub: OpenAIStub | undefined;
    const server = createServer((req, res) => {
      stub?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: { message: String(error), type: "stub_error", param: null, code: null } }),
        );
      });
    });
    stub = new OpenAIStub(server, options);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return stub;
  }

  /** The SDK's `baseURL`: http://127.0.0.1:<port>/v1 */
  get baseURL(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  enqueue(...replies: StubReply[]): void {
    this.#queue.push(...replies);
  }

  setFallback(fallback: NonNullable<OpenAIStubOptions["fallback"]>): void {
    this.#fallback = fallback;
  }

  /** Requests arriving from now on are recorded but not answered until `release()`. */
  hold(): void {
    if (this.#gate) return;
    this.#gate = new Promise((resolve) => {
      this.#openGate = resolve;
    });
  }

  release(): void {
    this.#openGate?.();
    this.#gate = undefined;
    this.#openGate = undefined;
  }

  /** Resolves once `count` requests in total have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** The system message of the n-th request (0-based), where the passages and rules are. */
  systemPrompt(index = this.requests.length - 1): string {
    return this.requests[index]?.body.messages?.find((m) => m.role === "system")?.content ?? "";
  }

  reset(): void {
    this.requests.length = 0;
    this.#queue.length = 0;
  }

  async close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: text ? JSON.parse(text) : {},
    };
    this.requests.push(recorded);
    for (const waiter of this.#waiters.filter((w) => this.requests.length >= w.count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (req.method !== "POST" || !req.url?.startsWith("/v1/chat/completions")) {
      sendJson(
        res,
        404,
        errorEnvelope(`Unknown request URL: ${req.method} ${req.url}`, "invalid_request_error"),
      );
      return;
    }
    if (this.#gate) await this.#gate;
    if (this.delayMs > 0) await sleep(this.delayMs);
    const fallback = this.#fallback;
    let reply = this.#queue.shift() ?? (typeof fallback === "function" ? fallback(recorded) : fallback);
    while (reply.kind === "delay") {
      await sleep(reply.ms);
      reply = reply.then;
    }
    if (res.destroyed) return;
    if (reply.kind === "error") {
      sendJson(
        res,
        reply.status,
        errorEnvelope(reply.message ?? "error", reply.type ?? "server_error"),
        reply.headers,
      );
      return;
    }
    const content = reply.kind === "json" ? JSON.stringify(reply.body) : reply.content;
    sendJson(res, 200, this.completion(recorded.body.model ?? "stub-model", content));
  }

  private completion(model: string, content: string): object {
    this.#completions += 1;
    return {
      id: `chatcmpl-stub-${this.#completions}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      system_fingerprint: "fp_stub",
    };
  }
}

function errorEnvelope(message: string, type: string): object {
  return { error: { message, type, param: null, code: null } };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
