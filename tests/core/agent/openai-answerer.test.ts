import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { OpenAIAnswerer, type OpenAIAnswererOptions } from "../../../src/core/agent/openai-answerer.js";
import type { AgentProfile, AnswerRequest, Passage } from "../../../src/core/agent/types.js";
import { systemText } from "../../../src/core/texts.js";
import { answererFor } from "../../../src/server.js";
import { OpenAIStub, stubReply } from "../../helpers/openai-stub.js";

const agent: AgentProfile = {
  id: "agent-1",
  workspaceId: "ws-1",
  name: "Mila",
  role: "customer_service",
  personality: "friendly",
  brandVoice: "Short sentences. Never use exclamation marks.",
  citationsEnabled: true,
};

const hours: Passage = {
  source: { kind: "short_answer", id: "sa-1", title: "What are your opening hours?" },
  text: "We are open Monday to Friday from 9:00 to 17:00.",
  question: "What are your opening hours?",
  language: "en",
  coverage: 1,
  rank: 0.5,
  isPrivate: false,
};
const returns: Passage = {
  source: { kind: "article", id: "ka-1", title: "Returns and refunds", url: "https://shop.example/returns" },
  text: "You can return any item within 30 days of delivery.",
  language: "en",
  coverage: 0.5,
  rank: 0.2,
  isPrivate: false,
};
const priceMatch: Passage = {
  source: { kind: "article", id: "ka-2", title: "Price match (internal)" },
  text: "We match any competitor's price if the customer shows the offer.",
  language: "en",
  coverage: 0.5,
  rank: 0.1,
  isPrivate: true,
};

const UNAVAILABLE_NL =
  "Sorry, er ging aan onze kant iets mis. Probeer het over een " +
  "momentje opnieuw, of vraag naar een medewerker.";

describe("OpenAIAnswerer against an OpenAI-compatible server", () => {
  let stub: OpenAIStub;
  let waits: number[];

  const answerer = (options: Partial<OpenAIAnswererOptions> = {}) =>
    new OpenAIAnswerer({
      apiKey: "test-key",
      baseURL: stub.baseURL,
      model: "gpt-test",
      timeoutMs: 2_000,
      maxAttempts: 3,
      retryBaseDelayMs: 5,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options,
    });

  const request = (overrides: Partial<AnswerRequest> = {}): AnswerRequest => ({
    agent,
    language: "en",
    question: "When are you open, and can I still return my shoes?",
    history: [
      { role: "customer", text: "Hi there" },
      { role: "agent", text: "Hello, how can I help?" },
    ],
    passages: [hours, returns, priceMatch],
    ...overrides,
  });

  beforeAll(async () => {
    stub = await OpenAIStub.start();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.reset();
    waits = [];
  });

  it("sends agent, language, rules and passages, and asks for the json_schema reply", async () => {
    stub.enqueue(stubReply.answer("We zijn van maandag tot vrijdag open van 9:00 tot 17:00.", ["S1"]));
    await answerer().answer(request({ language: "nl" }));

    expect(stub.requests).toHaveLength(1);
    const [sent] = stub.requests;
    expect(sent?.method).toBe("POST");
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.headers.authorization).toBe("Bearer test-key");
    expect(sent?.body.model).toBe("gpt-test");
    expect(sent?.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: {
        name: "agent_reply",
        strict: true,
        schema: { required: ["action", "text", "citations"], additionalProperties: false },
      },
    });

    const system = stub.systemPrompt();
    expect(system).toContain("You are Mila, a customer service agent");
    expect(system).toContain("friendly");
    expect(system).toContain("Short sentences. Never use exclamation marks.");
    expect(system).toContain("Always reply in Dutch");
    expect(system).toMatch(/Use ONLY the facts in the passages/);
    expect(system).toContain('[S1] short answer "What are your opening hours?" (English, citable)');
    expect(system).toContain("We are open Monday to Friday from 9:00 to 17:00.");
    expect(system).toContain('[S2] article "Returns and refunds" (English, citable)');
    expect(system).toContain('[S3] article "Price match (internal)" (English, NOT CITABLE)');
    expect(system).toContain("We match any competitor's price");

    expect(sent?.body.messages?.slice(1)).toEqual([
      { role: "user", content: "Hi there" },
      { role: "assistant", content: "Hello, how can I help?" },
      { role: "user", content: "When are you open, and can I still return my shoes?" },
    ]);
  });

  it("names Norwegian as Bokmål", async () => {
    stub.enqueue(stubReply.answer("Vi har åpent fra 9 til 17.", ["S1"]));
    await answerer().answer(request({ language: "nb-NO" }));
    expect(stub.systemPrompt()).toContain("Always reply in Norwegian Bokmål");
  });

  it("returns the structured answer with its citations mapped back to the passages", async () => {
    stub.enqueue(
      stubReply.answer("We are open weekdays from 9:00 to 17:00, and you have 30 days to return items.", [
        "S1",
        "S2",
      ]),
    );
    const reply = await answerer().answer(request());
    expect(reply).toEqual({
      action: "answer",
      text:
        "We are open weekdays from 9:00 to 17:00, and you have 30 days to return items.\n\n" +
        "Sources: What are your opening hours?; Returns and refunds (https://shop.example/returns)",
      citations: [hours.source, returns.source],
    });
  });

  it("drops citations to ids it never gave and to private passages", async () => {
    stub.enqueue(stubReply.answer("We are open from 9:00 to 17:00.", ["S9", "S3", "s1", "S1", "source-1"]));
    const reply = await answerer().answer(request());
    expect(reply.citations).toEqual([hours.source]);
    expect(reply.text).toBe("We are open from 9:00 to 17:00.\n\nSource: What are your opening hours?");
  });

  it("leaves sources out when the agent has citations switched off", async () => {
    stub.enqueue(stubReply.answer("We are open from 9:00 to 17:00.", ["S1"]));
    const reply = await answerer().answer(request({ agent: { ...agent, citationsEnabled: false } }));
    expect(reply).toEqual({ action: "answer", text: "We are open from 9:00 to 17:00.", citations: [] });
  });

  it("passes the model's clarifying question and hand-off through, without citations", async () => {
    stub.enqueue(
      stubReply.clarify("Which order do you mean?"),
      stubReply.handoff("A person from our team will take over."),
    );
    expect(await answerer().answer(request())).toEqual({
      action: "clarify",
      text: "Which order do you mean?",
      citations: [],
      reason: "model_clarify",
    });
    expect(await answerer().answer(request())).toEqual({
      action: "handoff",
      text: "A person from our team will take over.",
      citations: [],
      reason: "model_handoff",
    });
  });

  it("never lets an 'answer' stand without passages: it says it found nothing instead", async () => {
    stub.enqueue(stubReply.answer("Yes, we sell bicycles from 199 euros."));
    const reply = await answerer().answer(
      request({ language: "nl", question: "Verkopen jullie fietsen?", passages: [] }),
    );
    expect(reply).toEqual({
      action: "clarify",
      text: systemText("notFound", "nl"),
      citations: [],
      reason: "no_match",
    });
    expect(stub.systemPrompt()).toContain("Passages: none were found for this question.");
  });

  it("retries malformed output and then succeeds", async () => {
    stub.enqueue(stubReply.malformed(), stubReply.answer("We are open from 9:00 to 17:00.", ["S1"]));
    const reply = await answerer().answer(request());
    expect(stub.requests).toHaveLength(2);
    expect(reply.text).toBe("We are open from 9:00 to 17:00.\n\nSource: What are your opening hours?");
    expect(waits).toHaveLength(1);
  });

  it("retries output that is JSON but not the agreed shape", async () => {
    stub.enqueue(
      { kind: "json", body: { action: "shout", text: "HELLO", citations: [] } },
      { kind: "json", body: { action: "answer", text: "   ", citations: [] } },
      stubReply.answer("We are open from 9:00 to 17:00.", ["S1"]),
    );
    const reply = await answerer().answer(request());
    expect(stub.requests).toHaveLength(3);
    expect(reply.action).toBe("answer");
    expect(reply.failed).toBeUndefined();
  });

  it("after repeated server errors apologises in the customer's language, marked failed", async () => {
    stub.enqueue(stubReply.serverError(500), stubReply.serverError(502), stubReply.serverError(500));
    const reply = await answerer().answer(request({ language: "nl" }));
    expect(stub.requests).toHaveLength(3);
    expect(reply).toEqual({
      action: "answer",
      text: UNAVAILABLE_NL,
      citations: [],
      failed: true,
      reason: "llm_failed: http_500",
    });
  });

  it("backs off exponentially between attempts", async () => {
    stub.enqueue(stubReply.serverError(503), stubReply.serverError(503), stubReply.serverError(503));
    await answerer({ retryBaseDelayMs: 100, maxAttempts: 3 }).answer(request());
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(125);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
    expect(waits[1]).toBeLessThanOrEqual(250);
  });

  it("retries a 429 after the server's Retry-After", async () => {
    stub.enqueue(stubReply.rateLimited(2), stubReply.answer("We are open from 9:00 to 17:00.", ["S1"]));
    const reply = await answerer().answer(request());
    expect(waits).toEqual([2_000]);
    expect(reply.failed).toBeUndefined();
    expect(reply.text).toMatch(/^We are open from 9:00 to 17:00\./);
  });

  it("caps a long Retry-After", async () => {
    stub.enqueue(stubReply.rateLimited(3600), stubReply.answer("We are open.", []));
    await answerer({ maxRetryDelayMs: 1_500 }).answer(request());
    expect(waits).toEqual([1_500]);
  });

  it("retries a timed-out request and then succeeds", async () => {
    stub.enqueue(
      stubReply.slow(1_000, stubReply.answer("too late")),
      stubReply.answer("We are open.", ["S1"]),
    );
    const reply = await answerer({ timeoutMs: 150 }).answer(request());
    expect(stub.requests).toHaveLength(2);
    expect(reply.text).toBe("We are open.\n\nSource: What are your opening hours?");
  });

  it("falls back politely when every attempt times out", async () => {
    stub.enqueue(
      stubReply.slow(1_000, stubReply.answer("too late")),
      stubReply.slow(1_000, stubReply.answer("too late")),
    );
    const reply = await answerer({ timeoutMs: 150, maxAttempts: 2 }).answer(request({ language: "de" }));
    expect(reply).toEqual({
      action: "answer",
      text: systemText("unavailable", "de"),
      citations: [],
      failed: true,
      reason: "llm_failed: timeout",
    });
    expect(reply.text).toMatch(/^Entschuldigung, bei uns ist etwas schiefgelaufen/);
  });

  it("does not retry a rejected API key, and logs it as an error", async () => {
    const errors: object[] = [];
    stub.enqueue(stubReply.unauthorized(), stubReply.answer("never asked"));
    const reply = await answerer({
      logger: { warn: () => {}, error: (details) => errors.push(details) },
    }).answer(request({ language: "pl" }));
    expect(stub.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(reply).toMatchObject({
      failed: true,
      reason: "llm_failed: http_401",
      text: systemText("unavailable", "pl"),
    });
    expect(errors).toEqual([{ reason: "http_401", model: "gpt-test" }]);
  });

  it("as the gateway configures it, logs every apology it gives a customer", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    stub.enqueue(stubReply.serverError());
    const configured = answererFor(
      loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseURL, OPENAI_MAX_ATTEMPTS: "1" }),
      log,
    );
    expect(await configured.answer(request())).toMatchObject({
      failed: true,
      reason: "llm_failed: http_500",
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        component: "llm",
        reason: "http_500",
        msg: "LLM failed; replying with an apology",
      }),
    );
  });

  it("retries a network failure (nothing listening) and then apologises", async () => {
    const dead = await OpenAIStub.start();
    const deadURL = dead.baseURL;
    await dead.close();
    const reply = await answerer({ baseURL: deadURL, maxAttempts: 2 }).answer(request());
    expect(waits).toHaveLength(1);
    expect(reply).toMatchObject({
      failed: true,
      reason: "llm_failed: network",
      text: systemText("unavailable", "en"),
    });
  });

  it("waits for real between attempts by default", async () => {
    stub.enqueue(stubReply.serverError(500), stubReply.answer("We are open.", []));
    const started = Date.now();
    const reply = await answerer({ sleep: undefined, retryBaseDelayMs: 50 }).answer(request());
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(reply.text).toBe("We are open.");
  });

  it("stops with the abort reason when the caller aborts, and does not apologise", async () => {
    stub.hold();
    const controller = new AbortController();
    const pending = answerer().answer(request({ signal: controller.signal }));
    await stub.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    stub.release();
    expect(stub.requests).toHaveLength(1);
  });

  it("stops during a back-off wait when the caller aborts", async () => {
    const controller = new AbortController();
    stub.enqueue(stubReply.serverError(500));
    const pending = answerer({ sleep: undefined, retryBaseDelayMs: 10_000 }).answer(
      request({ signal: controller.signal }),
    );
    await stub.waitForRequests(1);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("OpenAIStub", () => {
  it("delays every reply by delayMs", async () => {
    const stub = await OpenAIStub.start({ delayMs: 120 });
    try {
      const started = Date.now();
      const reply = await new OpenAIAnswerer({
        apiKey: "k",
        baseURL: stub.baseURL,
        model: "m",
        timeoutMs: 2_000,
        maxAttempts: 1,
      }).answer({ agent, language: "en", question: "Hi", history: [], passages: [hours] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      expect(reply.text).toBe("This is the stub's default answer.");
    } finally {
      await stub.close();
    }
  });
});
