import { z } from "zod";
import type { AdminRoute } from "./route.js";
import { requestSchemas, responseSchemas } from "./schemas/common.js";

/**
 * The OpenAPI 3.1 document of the admin API, built from the same route declarations and zod
 * schemas that the router runs, so what it says is what the server does.
 */

export const ADMIN_API_PREFIX = "/api/v1";
export const OPENAPI_PATH = "/openapi.json";

type JsonObject = Record<string, unknown>;
type Io = "input" | "output";

const ERROR_RESPONSES = {
  400: [
    "InvalidRequest",
    "The request is not valid; the message names the field (`invalid_request`, `invalid_cursor`).",
  ],
  401: ["Unauthorized", "No valid bearer token was sent (`unauthorized`)."],
  404: ["NotFound", "No such object in this workspace (`not_found`)."],
  409: ["Conflict", "It conflicts with an existing object (`conflict`)."],
  415: ["UnsupportedMediaType", "The body is not JSON (`unsupported_media_type`)."],
} as const;
type ErrorStatus = keyof typeof ERROR_RESPONSES;

const toJsonSchema = (schema: z.ZodType, io: Io) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io }) as JsonObject;

/** A named schema becomes a `$ref` to its component; any other is written out in place. */
function schemaOf(schema: z.ZodType, io: Io): JsonObject {
  const named = (io === "input" ? requestSchemas : responseSchemas).get(schema);
  if (named) return { $ref: `#/components/schemas/${named.id}` };
  const { $schema: _, ...inline } = toJsonSchema(schema, io);
  return inline;
}

function componentSchemas(registry: typeof requestSchemas, io: Io): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => `#/components/schemas/${id}`,
  });
  // A 2020-12 `$id` may not carry a fragment, and the document's dialect already says `$schema`.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $id: _, $schema: __, ...schema }]) => [id, schema]),
  );
}

function allComponentSchemas(): Record<string, JsonObject> {
  const requests = componentSchemas(requestSchemas, "input");
  const responses = componentSchemas(responseSchemas, "output");
  const clash = Object.keys(requests).find((id) => id in responses);
  if (clash) throw new Error(`schema ${clash} is registered both as a request and as a response`);
  return { ...requests, ...responses };
}

function parameters(route: AdminRoute): JsonObject[] | undefined {
  const pathParameters = [...route.path.matchAll(/:(\w+)/g)].map(([, name = ""]) => ({
    name,
    in: "path",
    required: true,
    description: route.ids[name] ? `The ${route.ids[name]}'s id.` : undefined,
    schema: route.ids[name] ? { type: "string", format: "uuid" } : { type: "string" },
  }));
  const query = toJsonSchema(route.query, "input") as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  const queryParameters = Object.entries(query.properties ?? {}).map(
    ([name, { description, ...schema }]) => ({
      name,
      in: "query",
      required: query.required?.includes(name) ?? false,
      description,
      schema,
    }),
  );
  const all = [...pathParameters, ...queryParameters];
  return all.length > 0 ? all : undefined;
}

/** Every route can meet a bad token or an unknown query parameter; the rest follows from its inputs. */
function errorStatuses(route: AdminRoute): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>([400, 401, ...route.errors]);
  if (Object.keys(route.ids).length > 0) statuses.add(404);
  if (route.body) statuses.add(415);
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: AdminRoute): JsonObject {
  const success =
    route.response === undefined
      ? { description: route.responseDescription }
      : {
          description: route.responseDescription,
          content: { "application/json": { schema: schemaOf(route.response, "output") } },
        };
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    parameters: parameters(route),
    requestBody: route.body && {
      required: true,
      content: { "application/json": { schema: schemaOf(route.body, "input") } },
    },
    responses: {
      [route.status]: success,
      ...Object.fromEntries(
        errorStatuses(route).map((status) => [
          status,
          { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` },
        ]),
      ),
    },
  };
}

export function openApiDocument(routes: AdminRoute[], serverUrl: string | undefined): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {
    [`${ADMIN_API_PREFIX}${OPENAPI_PATH}`]: {
      get: {
        operationId: "getOpenApiDocument",
        tags: ["API"],
        summary: "This document",
        security: [],
        responses: {
          200: {
            description: "The OpenAPI 3.1 document of the admin API. No token needed.",
            content: { "application/json": { schema: { type: "object" } } },
          },
        },
      },
    },
  };
  for (const route of routes) {
    const path = `${ADMIN_API_PREFIX}${route.path.replace(/:(\w+)/g, "{$1}")}`;
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  // JSON.stringify drops the optional fields left undefined above.
  return JSON.parse(
    JSON.stringify({
      openapi: "3.1.0",
      info: {
        title: "Parley admin API",
        version: "1",
        description:
          "Configure agents, their content and the channel accounts they answer, and read conversations. " +
          "Every request but this document's needs `Authorization: Bearer <token>` with an API token of a " +
          "workspace, and only ever sees that workspace. Lists are paginated: pass a page's `nextCursor` " +
          'as `cursor` for the next one. Errors are `{ "error": { "code", "message" } }`.',
      },
      servers: serverUrl ? [{ url: serverUrl }] : undefined,
      security: [{ bearerAuth: [] }],
      tags: [...new Set(["API", ...routes.map((r) => r.tag)])].map((name) => ({ name })),
      paths,
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", description: "An API token of the workspace." },
        },
        schemas: allComponentSchemas(),
        responses: Object.fromEntries(
          Object.values(ERROR_RESPONSES).map(([name, description]) => [
            name,
            {
              description,
              content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
            },
          ]),
        ),
      },
    }),
  );
}
