import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { type ChildGateway, startChildGateway } from "../helpers/child-gateway.js";
import { freshDatabase, type TestDatabase } from "../helpers/db.js";
import { askOverLiveChat, botTexts } from "../helpers/livechat-http.js";
import { OpenAIStub, stubReply } from "../helpers/openai-stub.js";
import { waitFor } from "../helpers/wait.js";

/**
 * `npm start` on PostgreSQL with answering processes of its own (WORKER_PROCESSES): the HTTP
 * process acknowledges, a forked child answers. A child that dies is replaced and loses nothing;
 * SIGTERM drains both sides; a parent that is killed takes its children with it.
 * (PGlite is one process by construction: WORKER_PROCESSES is refused there, see config.test.ts.)
 */
describe("answering in worker processes (postgres)", () => {
  let stub: OpenAIStub;
  let tdb: TestDatabase;
  let gateway: ChildGateway | undefined;
  /** Every answering process a test saw, so a failed test leaves none running. */
  const seen = new Set<number>();

  beforeAll(async () => {
    stub = await OpenAIStub.start({
      fallback: stubReply.answer("We are open Monday to Friday, 9:00 to 17:00."),
    });
  });
  afterAll(async () => {
    await stub.close();
  });
  afterEach(async () => {
    if (gateway) for (const pid of childPids(gateway)) seen.add(pid);
    await gateway?.kill("SIGKILL");
    gateway = undefined;
    for (const pid of seen) if (alive(pid)) process.kill(pid, "SIGKILL");
    seen.clear();
    stub.release();
    stub.reset();
    await tdb.drop();
  });

  async function start(extra: Record<string, string> = {}): Promise<ChildGateway> {
    tdb = await freshDatabase("postgres", { onDisk: true });
    await tdb.database.close();
    return startChildGateway({
      DATABASE_URL: tdb.location,
      PARLEY_DEMO: "true",
      LOG_LEVEL: "info",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: stub.baseURL,
      OPENAI_MAX_ATTEMPTS: "1",
      WORK_LEASE_SECONDS: "2",
      WORK_POLL_MS: "200",
      WORKER_PROCESSES: "1",
      ...extra,
    });
  }

  /** The answering children the gateway said it started, in order. */
  function childPids(g: ChildGateway): number[] {
    const pids = logEntries(g)
      .filter((e) => e.msg === "worker process started")
      .map((e) => Number(e.childPid));
    for (const pid of pids) seen.add(pid);
    return pids;
  }

  function logEntries(g: ChildGateway): Record<string, unknown>[] {
    return g.logs.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async function agentReplies(): Promise<{ text: string; state: string }[]> {
    const database = openPostgres(tdb.location, 2);
    try {
      return await database.db
        .select({ text: schema.messages.text, state: schema.messages.deliveryState })
        .from(schema.messages)
        .where(and(eq(schema.messages.direction, "out"), eq(schema.messages.authorKind, "agent")));
    } finally {
      await database.close();
    }
  }

  it("the HTTP process acknowledges, a worker process answers, and /metrics counts the child's replies", async () => {
    gateway = await start();
    const g = gateway;
    const [childPid] = childPids(g);
    expect(childPid).toBeGreaterThan(0);
    expect(childPid).not.toBe(g.process.pid);
    expect(logEntries(g).find((e) => e.msg === "Parley is running")).toMatchObject({
      answering: "1 worker process(es)",
    });

    const chat = await askOverLiveChat(g.url, "What are your opening hours?");
    await waitFor(async () => (await botTexts(g.url, chat)).length > 0, { message: "the reply" });
    expect(await botTexts(g.url, chat)).toEqual([expect.stringContaining("Monday to Friday")]);

    // Only the answering process counts replies; the parent's /metrics merges its children's.
    await waitFor(
      async () => {
        const text = await (await fetch(`${g.url}/metrics`)).text();
        return /parley_agent_replies_total\{action="answer"\} 1\b/.test(text);
      },
      { message: "the child's reply counted in the parent's /metrics" },
    );
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_inbound_messages_total\{channel="livechat",duplicate="false"\} 1\b/);
  });

  it("the answering process gives way while the HTTP process's channels are busy, and widens again after", async () => {
    // One message being stored at once is a burst here, so a single question makes one.
    gateway = await start({ WORKER_GIVES_WAY_AT: "1", LOG_LEVEL: "debug" });
    const g = gateway;
    const chat = await askOverLiveChat(g.url, "What are your opening hours?");
    await waitFor(async () => (await botTexts(g.url, chat)).length > 0, { message: "the reply" });
    const widths = () =>
      logEntries(g)
        .filter((e) => e.role === "worker" && typeof e.width === "number")
        .map((e) => ({ width: e.width, paced: e.paced, msg: e.msg }));
    await waitFor(() => widths().length >= 2, { message: "the child giving way and widening again" });
    const [narrowed, widened] = widths();
    expect(narrowed).toEqual({
      width: 1,
      paced: true,
      msg: "answering gives way to a burst on the channels",
    });
    expect(widened).toMatchObject({ paced: false, msg: "answering at full width again" });
    expect(widened?.width).toBeGreaterThan(1);
  });

  it("an answering process killed while the LLM call is in flight is replaced: exactly one reply, delivered", async () => {
    stub.hold();
    gateway = await start();
    const g = gateway;
    const chat = await askOverLiveChat(g.url, "What are your opening hours?");
    await stub.waitForRequests(1);
    const [first] = childPids(g);
    process.kill(first!, "SIGKILL");

    await waitFor(() => childPids(g).length === 2, { message: "a replacement worker process" });
    expect(logEntries(g).find((e) => e.msg === "worker process exited; starting another")).toMatchObject({
      childPid: first,
      signal: "SIGKILL",
    });
    stub.release();
    await waitFor(async () => (await botTexts(g.url, chat)).length > 0, {
      timeoutMs: 30_000,
      message: "the reply from the replacement",
    });
    expect(await botTexts(g.url, chat)).toEqual([expect.stringContaining("Monday to Friday")]);
    // The message outlived the process that was answering it, and was asked about again.
    expect(stub.requests.length).toBe(2);

    expect(await g.kill("SIGTERM")).toBe(0);
    gateway = undefined;
    expect(await agentReplies()).toEqual([expect.objectContaining({ state: "delivered" })]);
  });

  it("on SIGTERM the worker process finishes the answer in flight, and every process exits", async () => {
    stub.hold();
    gateway = await start({ SHUTDOWN_TIMEOUT_MS: "20000" });
    const g = gateway;
    await askOverLiveChat(g.url, "What are your opening hours?");
    await stub.waitForRequests(1);
    const [child] = childPids(g);
    const exited = g.kill("SIGTERM");
    await waitFor(async () => (await fetch(`${g.url}/readyz`).catch(() => undefined))?.status !== 200, {
      message: "readiness to drop",
    });
    // Still answering: the child was told to stop, and finishes first.
    expect(alive(child!)).toBe(true);
    stub.release();
    expect(await exited).toBe(0);
    gateway = undefined;
    expect(alive(child!)).toBe(false);
    expect((await agentReplies()).map((r) => r.text)).toEqual([expect.stringContaining("Monday to Friday")]);
    // Nobody was restarted on the way out.
    expect(logEntries(g).filter((e) => e.msg === "worker process started")).toHaveLength(1);
  });

  it("a killed gateway leaves no answering process behind", async () => {
    gateway = await start({ WORKER_PROCESSES: "2" });
    const g = gateway;
    const children = childPids(g);
    expect(children).toHaveLength(2);
    // Two children share one pool's worth of connections (DATABASE_POOL_SIZE, 20 by default).
    expect(
      logEntries(g)
        .filter((e) => e.msg === "worker process started")
        .map((e) => e.poolSize),
    ).toEqual([10, 10]);
    expect(await g.kill("SIGKILL")).toBe(null);
    gateway = undefined;
    await waitFor(() => children.every((pid) => !alive(pid)), {
      message: "the worker processes to notice and exit",
    });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
