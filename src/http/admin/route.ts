import type { RouterContext } from "@koa/router";
import { z } from "zod";
import { HttpError, notFound } from "../errors.js";
import type { AdminState } from "./auth.js";

/**
 * An admin route is declared once, with the zod schemas of its inputs and output; the router
 * runs it and the OpenAPI document describes it from the same declaration, so the two cannot
 * drift apart.
 */

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
/** Failures a route declares beyond those its inputs imply (400, 404 for path ids, 415, 401). */
export type ExtraErrorStatus = 404 | 409;

export interface AdminRequest<IdName extends string, Query, Body> {
  workspaceId: string;
  /** Who asked, as the audit log records it. */
  actor: string;
  /** The person whose token this is (their inbox is "mine"); null for an admin token. */
  userId: string | null;
  ids: Record<IdName, string>;
  query: Query;
  body: Body;
  /** Where this request came in (scheme, host, port): for links to Parley when PUBLIC_URL is unset. */
  origin: string;
}

interface RouteSpec<
  IdName extends string,
  Query extends z.ZodType,
  Body extends z.ZodType,
  Result extends z.ZodType,
> {
  method: HttpMethod;
  /** Below `/api/v1`, in koa's syntax: `/agents/:agentId`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** The path parameters that hold ids, each with the noun its 404 names: `{ agentId: "agent" }`. */
  ids?: Record<IdName, string>;
  query?: Query;
  body?: Body;
  status: 200 | 201 | 204;
  /** The response body; none for 204. */
  response?: Result;
  responseDescription: string;
  errors?: ExtraErrorStatus[];
  handle(request: AdminRequest<IdName, z.output<Query>, z.output<Body>>): Promise<z.output<Result>>;
}

export interface AdminRoute {
  method: HttpMethod;
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string | undefined;
  ids: Record<string, string>;
  query: z.ZodType;
  body: z.ZodType | undefined;
  status: 200 | 201 | 204;
  response: z.ZodType | undefined;
  responseDescription: string;
  errors: ExtraErrorStatus[];
  handler(ctx: RouterContext<AdminState>): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const noQuery = z.strictObject({});

export function defineRoute<
  IdName extends string = never,
  Query extends z.ZodType = typeof noQuery,
  Body extends z.ZodType = z.ZodUndefined,
  Result extends z.ZodType = z.ZodVoid,
>(spec: RouteSpec<IdName, Query, Body, Result>): AdminRoute {
  const ids: Record<string, string> = spec.ids ?? {};
  const query: z.ZodType = spec.query ?? noQuery;
  const body = spec.body;
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    tag: spec.tag,
    summary: spec.summary,
    description: spec.description,
    ids,
    query,
    body,
    status: spec.status,
    response: spec.response,
    responseDescription: spec.responseDescription,
    errors: spec.errors ?? [],
    async handler(ctx) {
      // A malformed id cannot name anything, so it is answered like an id that names nothing.
      for (const [name, noun] of Object.entries(ids)) {
        if (!UUID.test(ctx.params[name] ?? "")) throw notFound(noun);
      }
      // An empty body (`Content-Length: 0`, what fetch sends for a bodiless POST) is no body at all.
      if (body && ctx.request.length !== 0 && ctx.request.is("json") === false) {
        throw new HttpError(
          415,
          "unsupported_media_type",
          "Send the body as JSON (Content-Type: application/json).",
        );
      }
      const result = await spec.handle({
        workspaceId: ctx.state.workspaceId,
        actor: ctx.state.actor,
        userId: ctx.state.userId,
        ids: ctx.params as Record<IdName, string>,
        query: query.parse(ctx.query) as z.output<Query>,
        body: (body ? body.parse(ctx.request.body) : undefined) as z.output<Body>,
        // Not ctx.origin: since koa 3 that is the browser's Origin header.
        origin: `${ctx.protocol}://${ctx.host}`,
      });
      ctx.status = spec.status;
      if (spec.status !== 204) ctx.body = result;
    },
  };
}
