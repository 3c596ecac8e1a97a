import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ManualClock } from "../../src/core/clock.js";
import { agentSchema } from "../../src/http/admin/schemas/agents.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  expectError,
  expectShape,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

type Agent = z.output<typeof agentSchema>;

for (const engine of engines) {
  describe(`admin API: agents (${engine})`, () => {
    const clock = new ManualClock();
    let gateway: TestParley;
    let api: AdminClient;

    beforeAll(async () => {
      gateway = await startTestParley(engine, { clock });
      api = new AdminClient(gateway.url, gateway.adminToken);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("creates, reads, lists, updates and deletes an agent", async () => {
      const created = await api.post<Agent>("/agents", { name: "  Sam  " });
      expect(created.status).toBe(201);
      expectShape(agentSchema, created.body);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: "Sam",
        role: "customer_service",
        personality: "friendly",
        brandVoice: null,
        status: "active",
        citationsEnabled: true,
        createdAt: clock.now().toISOString(),
        updatedAt: clock.now().toISOString(),
      });
      const path = `/agents/${created.body.id}`;

      expect((await api.get<Agent>(path)).body).toEqual(created.body);
      const listed = await api.get<Page<Agent>>("/agents");
      expect(listed.body.data).toContainEqual(created.body);

      clock.advance(60_000);
      const updated = await api.patch<Agent>(path, {
        status: "paused",
        brandVoice: "Warm, short sentences.",
        personality: "witty",
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual({
        ...created.body,
        status: "paused",
        brandVoice: "Warm, short sentences.",
        personality: "witty",
        updatedAt: clock.now().toISOString(),
      });
      expect((await api.get<Agent>(path)).body).toEqual(updated.body);

      const cleared = await api.patch<Agent>(path, { brandVoice: "" });
      expect(cleared.body.brandVoice).toBeNull();
      expect(cleared.body.status).toBe("paused");

      const deleted = await api.delete(path);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      expectError(await api.get(path), 404, "not_found", "agent");
      expectError(await api.delete(path), 404, "not_found");
      expect((await api.get<Page<Agent>>("/agents")).body.data.map((a) => a.id)).not.toContain(
        created.body.id,
      );
    });

    it("creates an agent with every field given", async () => {
      const body = {
        name: "Mia",
        role: "sales_representative",
        personality: "professional",
        brandVoice: "Formal.",
        status: "paused",
        citationsEnabled: false,
      };
      const created = await api.post<Agent>("/agents", body);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject(body);
    });

    it("refuses invalid bodies with 400 and a message naming the field", async () => {
      expectError(await api.post("/agents", {}), 400, "invalid_request", "name");
      expectError(await api.post("/agents", { name: "   " }), 400, "invalid_request", "name");
      expectError(await api.post("/agents", { name: "X", role: "wizard" }), 400, "invalid_request", "role");
      expectError(await api.post("/agents", { name: "X", colour: "red" }), 400, "invalid_request", "colour");
      expectError(await api.post("/agents", ["X"]), 400, "invalid_request");

      const agent = await api.create<Agent>("/agents", { name: "Valid" });
      const path = `/agents/${agent.id}`;
      expectError(
        await api.patch(path, { citationsEnabled: "yes" }),
        400,
        "invalid_request",
        "citationsEnabled",
      );
      expectError(await api.patch(path, { status: "sleeping" }), 400, "invalid_request", "status");
      expectError(await api.patch(path, { id: MISSING_ID }), 400, "invalid_request", '"id"');
      expect((await api.get(path)).body).toEqual(agent);
    });

    it("hides another workspace's agents: 404 on read, update and delete, absent from lists", async () => {
      const other = await otherWorkspace(gateway);
      const theirs = await other.api.create<Agent>("/agents", { name: "Theirs" });
      const path = `/agents/${theirs.id}`;

      expectError(await api.get(path), 404, "not_found");
      expectError(await api.patch(path, { name: "Mine now" }), 404, "not_found");
      expectError(await api.delete(path), 404, "not_found");
      const mine = await api.walk<Agent>("/agents", 200);
      expect(mine.items.map((a) => a.id)).not.toContain(theirs.id);

      expect((await other.api.get<Agent>(path)).body).toEqual(theirs);
    });

    it("pages through more agents than a page holds, newest first, without repeats or gaps", async () => {
      const other = await otherWorkspace(gateway);
      const created: Agent[] = [];
      for (let i = 0; i < 7; i++) {
        // Some share a timestamp, so the id has to break the tie.
        if (i % 3 === 0) clock.advance(1000);
        created.push(await other.api.create<Agent>("/agents", { name: `Agent ${i}` }));
      }
      const { items, pageSizes } = await other.api.walk<Agent>("/agents", 3);
      expect(pageSizes).toEqual([3, 3, 1]);
      expect(new Set(items.map((a) => a.id)).size).toBe(7);
      const newestFirst = [...created].sort(
        (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
      );
      expect(items.map((a) => a.id)).toEqual(newestFirst.map((a) => a.id));

      const exact = await other.api.get<Page<Agent>>("/agents?limit=7");
      expect(exact.body.data).toHaveLength(7);
      expect(exact.body.nextCursor).toBeNull();
    });

    it("refuses limits out of range and cursors it did not give out", async () => {
      expectError(await api.get("/agents?limit=0"), 400, "invalid_request", "limit");
      expectError(await api.get("/agents?limit=201"), 400, "invalid_request", "limit");
      expectError(await api.get("/agents?limit=ten"), 400, "invalid_request", "limit");
      expectError(await api.get("/agents?cursor=bm9wZQ"), 400, "invalid_cursor", "cursor");
      const forged = Buffer.from(JSON.stringify(["2026-02-30T00:00:00.000000Z", MISSING_ID])).toString(
        "base64url",
      );
      expectError(await api.get(`/agents?cursor=${forged}`), 400, "invalid_cursor");
    });
  });
}
