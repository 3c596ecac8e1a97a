import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  type ApiResponse,
  expectError,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

for (const engine of engines) {
  describe(`admin API authentication and request checks (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;

    beforeAll(async () => {
      gateway = await startTestParley(engine);
      api = new AdminClient(gateway.url, gateway.adminToken);
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("answers 401 with a Bearer challenge when the token is missing, malformed or unknown", async () => {
      const missing = await new AdminClient(gateway.url, undefined).get("/agents");
      expectError(missing, 401, "unauthorized", "Bearer");
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");

      const unknown = await new AdminClient(gateway.url, "prl_not-a-real-token").get("/agents");
      expectError(unknown, 401, "unauthorized");
      expect(unknown.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');

      const basic = await api.request("GET", "/agents", { headers: { Authorization: "Basic dXNlcjpwYXNz" } });
      expectError(basic, 401, "unauthorized");

      expect((await api.get("/agents")).status).toBe(200);
    });

    it("refuses every documented route without a token, but serves the OpenAPI document", async () => {
      const anonymous = new AdminClient(gateway.url, undefined);
      const doc = await anonymous.get<OpenApiDocument>("/openapi.json");
      expect(doc.status).toBe(200);
      const operations = Object.entries(doc.body.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
      );
      expect(operations.length).toBeGreaterThan(20);
      for (const { method, path } of operations) {
        if (path === "/api/v1/openapi.json") continue;
        const concrete = path.replace(/^\/api\/v1/, "").replace(/\{\w+\}/g, MISSING_ID);
        const res = await anonymous.request(
          method,
          concrete,
          method === "POST" || method === "PATCH" ? { body: {} } : {},
        );
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    });

    it("shows a token its own workspace only", async () => {
      const other = await otherWorkspace(gateway);
      const demoAgents = await api.get<Page<{ name: string }>>("/agents");
      expect(demoAgents.body.data.map((a) => a.name)).toContain("Ava");
      const otherAgents = await other.api.get<Page<unknown>>("/agents");
      expect(otherAgents.body).toEqual({ data: [], nextCursor: null });
      const otherAccounts = await other.api.get<Page<unknown>>("/channel-accounts");
      expect(otherAccounts.body).toEqual({ data: [], nextCursor: null });
    });

    it("answers 404, never 500, for ids that are not uuids", async () => {
      const attempts: ApiResponse<unknown>[] = await Promise.all([
        api.get("/agents/not-a-uuid"),
        api.patch("/agents/123", { name: "x" }),
        api.delete("/agents/'; drop table agents; --"),
        api.get(`/agents/${MISSING_ID}x/short-answers`),
        api.get(`/agents/${MISSING_ID}/knowledge-articles/nope`),
        api.get("/channel-accounts/demo"),
        api.get("/conversations/0/messages"),
      ]);
      for (const res of attempts) expectError(res, 404, "not_found", "No such");
      expect((await api.get("/agents")).status).toBe(200);
    });

    it("answers 404 for well-formed ids that name nothing", async () => {
      expectError(await api.get(`/agents/${MISSING_ID}`), 404, "not_found", "agent");
      expectError(await api.get(`/conversations/${MISSING_ID}`), 404, "not_found", "conversation");
    });

    it("refuses bodies that are not JSON (415) or not well-formed JSON (400)", async () => {
      const text = await api.request("POST", "/agents", {
        rawBody: "name=Bob",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      expectError(text, 415, "unsupported_media_type", "JSON");
      const broken = await api.request("POST", "/agents", {
        rawBody: '{"name": "Bob"',
        headers: { "Content-Type": "application/json" },
      });
      expectError(broken, 400, "invalid_request");
    });

    it("refuses query parameters it does not know, naming them", async () => {
      expectError(await api.get("/agents?colour=red"), 400, "invalid_request", "colour");
      expectError(await api.get(`/agents/${MISSING_ID}?expand=all`), 400, "invalid_request", "expand");
    });
  });
}
