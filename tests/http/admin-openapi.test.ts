import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/channels/meta/secret-box.js";
import { systemClock } from "../../src/core/clock.js";
import { createAdminRouter } from "../../src/http/admin/index.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import { AdminClient } from "./admin-client.js";
import { openApiProblems } from "./openapi-structure.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface OpenApiDocument extends JsonObject {
  paths: { [path: string]: { [method: string]: JsonObject } };
  components: { schemas: { [name: string]: JsonObject } };
}

const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );

for (const engine of engines) {
  describe(`admin API: OpenAPI document (${engine})`, () => {
    let gateway: TestParley;
    let doc: OpenApiDocument;

    beforeAll(async () => {
      gateway = await startTestParley(engine);
      const res = await new AdminClient(gateway.url, undefined).get<OpenApiDocument>("/openapi.json");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      doc = res.body;
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("is a structurally valid OpenAPI 3.1 document", () => {
      expect(doc.openapi).toBe("3.1.0");
      expect(openApiProblems(doc)).toEqual([]);
    });

    it("has a checker that finds broken documents", () => {
      const broken = structuredClone(doc);
      delete broken.components.schemas.Agent;
      const getAgent = broken.paths["/api/v1/agents/{agentId}"]?.get;
      if (getAgent) getAgent.parameters = [];
      const problems = openApiProblems(broken);
      expect(problems).toContainEqual(expect.stringContaining("#/components/schemas/Agent does not resolve"));
      expect(problems).toContainEqual(
        "GET /api/v1/agents/{agentId}: path parameter {agentId} is not declared",
      );
    });

    it("documents exactly the routes the router serves", () => {
      const router = createAdminRouter({
        database: gateway.parley.database,
        log: pino({ level: "silent" }),
        clock: systemClock,
        config: gateway.parley.config,
        secrets: new SecretBox(undefined),
        previews: { start: async () => undefined },
        adapters: new Map(),
      });
      const served = router.stack.flatMap((layer) =>
        layer.methods
          .filter((method) => method !== "HEAD")
          .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, "{$1}")}`),
      );
      expect(served.length).toBeGreaterThan(20);
      expect(new Set(operationsOf(doc))).toEqual(new Set(served));
    });

    it("secures every operation with the bearer scheme except the document itself", () => {
      expect(doc.security).toEqual([{ bearerAuth: [] }]);
      expect(doc.components).toMatchObject({
        securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      });
      const unsecured = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, operation]) => Array.isArray(operation.security) && operation.security.length === 0)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(unsecured).toEqual(["GET /api/v1/openapi.json"]);
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (path.endsWith("/openapi.json")) continue;
          expect({ method, path, responses: Object.keys(operation.responses as JsonObject) }).toMatchObject({
            responses: expect.arrayContaining(["400", "401"]),
          });
        }
      }
    });

    it("describes errors, request bodies and the write-only credentials", () => {
      expect(doc.components).toMatchObject({
        responses: {
          NotFound: { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        },
        schemas: {
          Error: { properties: { error: { required: ["code", "message"] } } },
          AgentCreate: { required: ["name"], additionalProperties: false },
        },
      });
      const createChannelAccount = doc.paths["/api/v1/channel-accounts"]?.post;
      expect(createChannelAccount).toMatchObject({
        requestBody: {
          content: { "application/json": { schema: { $ref: "#/components/schemas/ChannelAccountCreate" } } },
        },
        responses: { "201": {}, "409": {}, "404": {} },
      });
      expect(JSON.stringify(createChannelAccount)).toContain("directLineSecret");
      for (const kind of ["Livechat", "Messenger", "Whatsapp", "Email"]) {
        const accountProperties = Object.keys(
          doc.components.schemas[`${kind}ChannelAccount`]?.properties as JsonObject,
        );
        expect(accountProperties).toContain("credentialsConfigured");
        expect(accountProperties).not.toContain("credentials");
      }
      const listAgents = doc.paths["/api/v1/agents"]?.get;
      expect(listAgents?.parameters).toEqual([
        expect.objectContaining({
          name: "limit",
          in: "query",
          schema: expect.objectContaining({ maximum: 200 }),
        }),
        expect.objectContaining({ name: "cursor", in: "query" }),
      ]);
    });

    it("tells the channel kinds apart, with each kind's settings, secrets and webhook setup", () => {
      const { schemas } = doc.components;
      const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
      const byKind = (suffix: string) => ({
        propertyName: "kind",
        mapping: Object.fromEntries(
          ["livechat", "messenger", "whatsapp", "email"].map((kind) => [
            kind,
            `#/components/schemas/${kind[0]?.toUpperCase()}${kind.slice(1)}${suffix}`,
          ]),
        ),
      });
      expect(schemas.ChannelAccount).toEqual({
        oneOf: ["Livechat", "Messenger", "Whatsapp", "Email"].map((k) => ref(`${k}ChannelAccount`)),
        discriminator: byKind("ChannelAccount"),
      });
      expect(schemas.ChannelAccountCreate).toMatchObject({ discriminator: byKind("ChannelAccountCreate") });
      expect(schemas.MessengerChannelAccountCreate).toMatchObject({
        required: expect.arrayContaining(["externalId", "credentials"]),
        properties: {
          settings: ref("MessengerSettings"),
          credentials: ref("MessengerCredentials"),
        },
      });
      expect(schemas.MessengerCredentials).toMatchObject({
        required: ["pageAccessToken", "appSecret"],
        additionalProperties: false,
      });
      expect(schemas.WhatsappCredentials).toMatchObject({ required: ["accessToken", "appSecret"] });
      expect(schemas.EmailChannelAccountCreate).toMatchObject({
        required: expect.arrayContaining(["externalId", "settings", "credentials"]),
        properties: { settings: ref("EmailSettings"), credentials: ref("EmailCredentials") },
      });
      expect(schemas.EmailCredentials).toMatchObject({
        required: ["imapPassword", "smtpPassword"],
        additionalProperties: false,
      });
      expect(schemas.EmailSettings).toMatchObject({
        required: expect.arrayContaining(["imap", "smtp", "fromAddress"]),
        additionalProperties: false,
        properties: {
          imap: {
            required: expect.arrayContaining(["host", "user"]),
            properties: { port: { default: 993 } },
          },
          smtp: { properties: { tls: { enum: ["implicit", "starttls", "none"] } } },
        },
      });
      expect(schemas.EmailChannelAccount).toMatchObject({
        properties: { settings: { required: expect.arrayContaining(["imap", "smtp", "backfill"]) } },
      });
      expect(doc.paths["/api/v1/channel-accounts/{channelAccountId}/skipped-messages"]?.get).toMatchObject({
        responses: { "200": { content: { "application/json": { schema: ref("SkippedMessagePage") } } } },
      });
      expect(schemas.WhatsappSettings).toMatchObject({
        properties: {
          transport: {
            enum: ["cloud_api", "linked_device"],
            description: expect.stringContaining("may ban numbers"),
          },
          fallbackTemplate: { required: ["name", "language"] },
        },
      });
      for (const kind of ["Messenger", "Whatsapp"]) {
        expect(schemas[`${kind}ChannelAccount`]).toMatchObject({
          required: expect.arrayContaining(["webhook"]),
          properties: {
            webhook: ref("WebhookSetup"),
            settings: { required: expect.arrayContaining(["verifyToken"]) },
          },
        });
      }
      expect(schemas.WebhookSetup).toMatchObject({ required: ["callbackUrl", "verifyToken"] });
      const patch = JSON.stringify(schemas.ChannelAccountPatch);
      for (const id of ["MessengerSettings", "WhatsappSettings", "MessengerCredentialsUpdate"]) {
        expect(patch).toContain(`#/components/schemas/${id}`);
      }
    });
  });
}
