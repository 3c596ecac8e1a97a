import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openPglite, openPostgres } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import { APP_SECRET, postWebhook } from "../channels/meta/meta-test-kit.js";
import { type ChildGateway, startChildGateway } from "../helpers/child-gateway.js";
import { engines, freshDatabase, type TestDatabase } from "../helpers/db.js";
import { GraphStub } from "../helpers/graph-stub.js";
import { askOverLiveChat, botTexts } from "../helpers/livechat-http.js";
import { OpenAIStub, stubReply } from "../helpers/openai-stub.js";
import { waitFor } from "../helpers/wait.js";

const ADMIN_TOKEN = "prl_process_lifecycle_admin_token_0123456789";
const PAGE_ID = "1895382890692545";
const PSID = "7700112233445566";

/**
 * The gateway as a real OS process: killed while the LLM call is in flight it loses nothing and
 * answers exactly once after a restart; asked to stop (SIGTERM) it finishes what it is doing.
 */
for (const engine of engines) {
  describe(`gateway process (${engine})`, () => {
    let stub: OpenAIStub;
    let tdb: TestDatabase;
    let gateway: ChildGateway | undefined;
    let graph: GraphStub;

    beforeAll(async () => {
      graph = await GraphStub.start();
      stub = await OpenAIStub.start({
        fallback: stubReply.answer("We are open Monday to Friday, 9:00 to 17:00."),
      });
    });
    afterAll(async () => {
      await stub.close();
      await graph.stop();
    });
    afterEach(async () => {
      await gateway?.kill("SIGKILL");
      gateway = undefined;
      stub.release();
      stub.reset();
      await tdb.drop();
    });

    async function newDatabaseEnv(): Promise<Record<string, string>> {
      // The child opens the database itself; PGlite allows one process at a time.
      tdb = await freshDatabase(engine, { onDisk: true });
      await tdb.database.close();
      return {
        ...(engine === "postgres" ? { DATABASE_URL: tdb.location } : { PARLEY_DATA_DIR: tdb.location }),
        PARLEY_DEMO: "true",
        LOG_LEVEL: "info",
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: stub.baseURL,
        OPENAI_MAX_ATTEMPTS: "1",
        WORK_LEASE_SECONDS: "2",
        WORK_POLL_MS: "200",
        // One process, so "killed" means the whole gateway: answering processes have their own file.
        WORKER_PROCESSES: "0",
      };
    }

    /** Opens the database the child used (after the child has stopped, for PGlite). */
    async function outboundReplies(): Promise<{ text: string; state: string }[]> {
      const database = engine === "postgres" ? openPostgres(tdb.location, 2) : await openPglite(tdb.location);
      try {
        return await database.db
          .select({ text: schema.messages.text, state: schema.messages.deliveryState })
          .from(schema.messages)
          .where(and(eq(schema.messages.direction, "out"), eq(schema.messages.authorKind, "agent")));
      } finally {
        await database.close();
      }
    }

    it("killed while the LLM call is in flight, restarted: exactly one reply, and it is delivered", async () => {
      const env = await newDatabaseEnv();
      stub.hold();
      gateway = await startChildGateway(env);
      const chat = await askOverLiveChat(gateway.url, "What are your opening hours?");
      await stub.waitForRequests(1);
      expect(await gateway.kill("SIGKILL")).toBe(null);

      stub.release();
      gateway = await startChildGateway(env);
      const url = gateway.url;
      await waitFor(async () => (await botTexts(url, chat)).length > 0, {
        timeoutMs: 30_000,
        message: "the reply",
      });
      expect(await botTexts(url, chat)).toEqual([expect.stringContaining("Monday to Friday")]);
      // The LLM was asked again after the crash: the message was not lost with the process.
      expect(stub.requests.length).toBe(2);

      expect(await gateway.kill("SIGTERM")).toBe(0);
      gateway = undefined;
      const replies = await outboundReplies();
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ state: "delivered" });
    });

    it("on SIGTERM stops accepting, finishes the answer in flight, closes the database and exits 0", async () => {
      const env = await newDatabaseEnv();
      stub.hold();
      gateway = await startChildGateway({ ...env, SHUTDOWN_TIMEOUT_MS: "20000" });
      await askOverLiveChat(gateway.url, "What are your opening hours?");
      await stub.waitForRequests(1);
      const exited = gateway.kill("SIGTERM");
      const url = gateway.url;
      // Draining: new work is refused while the answer in flight is still being finished.
      await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200, {
        message: "readiness to drop",
      });
      stub.release();
      expect(await exited).toBe(0);
      gateway = undefined;
      const replies = await outboundReplies();
      expect(replies.map((r) => r.text)).toEqual([expect.stringContaining("Monday to Friday")]);
    });

    it("killed between the reply's commit and its delivery: exactly one charge, and the reply still goes out", async () => {
      const env = {
        ...(await newDatabaseEnv()),
        GRAPH_API_URL: graph.url,
        PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
        OPENAI_API_KEY: "",
      };
      gateway = await startChildGateway(env);
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
      const agents = (await (await fetch(`${gateway.url}/api/v1/agents`, { headers: admin })).json()) as {
        data: { id: string }[];
      };
      const created = await fetch(`${gateway.url}/api/v1/channel-accounts`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({
          kind: "messenger",
          name: "Facebook page",
          externalId: PAGE_ID,
          credentials: { pageAccessToken: "page-token", appSecret: APP_SECRET },
          agentId: agents.data[0]!.id,
        }),
      });
      expect(created.status).toBe(201);
      // Graph fails the first send: the reply is committed (and charged) but not yet delivered.
      graph.script({
        status: 500,
        body: { error: { message: "An unexpected error has occurred.", code: 2 } },
      });
      const body = JSON.stringify({
        object: "page",
        entry: [
          {
            id: PAGE_ID,
            time: Date.now(),
            messaging: [
              {
                sender: { id: PSID },
                recipient: { id: PAGE_ID },
                timestamp: Date.now(),
                message: { mid: `m-${engine}-crash`, text: "What are your opening hours?" },
              },
            ],
          },
        ],
      });
      const posted = await postWebhook(gateway.url, "messenger", body);
      expect(posted.status).toBe(200);
      await waitFor(() => graph.sendsTo(PSID).length === 1, { message: "the first, failing send" });
      expect(await gateway.kill("SIGKILL")).toBe(null);

      gateway = await startChildGateway(env);
      await waitFor(() => graph.sendsTo(PSID).length === 2, {
        timeoutMs: 30_000,
        message: "the retried send",
      });
      const texts = graph.sendsTo(PSID).map((r) => (r.body.message as { text?: string }).text);
      expect(texts[1]).toBe(texts[0]);
      expect(await gateway.kill("SIGTERM")).toBe(0);
      gateway = undefined;

      const database = engine === "postgres" ? openPostgres(tdb.location, 2) : await openPglite(tdb.location);
      try {
        const charges = await database.db
          .select()
          .from(schema.creditLedger)
          .where(eq(schema.creditLedger.kind, "charge"));
        expect(charges).toHaveLength(1);
        const replies = await database.db
          .select({ state: schema.messages.deliveryState })
          .from(schema.messages)
          .where(and(eq(schema.messages.direction, "out"), eq(schema.messages.authorKind, "agent")));
        expect(replies).toEqual([{ state: "sent" }]);
      } finally {
        await database.close();
      }
    });
  });
}
