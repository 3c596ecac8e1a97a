import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * A local stand-in for Gorgias' REST API ticket creation (`POST /api/tickets`), speaking its wire format.
 *
 * Provenance of the shapes:
 * - request fields (`customer`, `channel`, `via`, `from_agent`, `subject`, `external_id`, `tags`
 *   as `[{name}]`, `meta`, 1–500 `messages` each with `channel`, `via`, `from_agent`, `sender`
 *   `{id|email}`, `body_text`, `body_html`) and the 201 Ticket object:
 *   https://developers.gorgias.com/reference/create-ticket,
 *   https://developers.gorgias.com/docs/create-a-ticket-using-api,
 *   https://developers.gorgias.com/reference/the-ticket-object
 * - Basic auth `base64(USERNAME:API_KEY)`: https://developers.gorgias.com/docs/access-tokens-api-keys
 * - status codes: https://developers.gorgias.com/reference/errors; 429 with `Retry-After`
 *   (seconds) and `X-Gorgias-Account-Api-Call-Limit`: https://developers.gorgias.com/reference/limitations
 * - error bodies are constructed, not captured: the docs only say to "read the error attribute".
 *   The `{"error":{"msg","data"}}` envelope with marshmallow-style field messages ("Missing data
 *   for required field.") is our best understanding of it; the client classifies on the status
 *   code alone and only quotes `msg`/`data` in its message, so a different wording breaks nothing.
 * - the 500 body is a proxy's HTML page (constructed), so clients must not need JSON to classify.
 */

export interface GorgiasCredentials {
  username: string;
  apiKey: string;
}

export type GorgiasFailure =
  | { status: 500 }
  | { status: 429; retryAfterSec: number }
  /** The API key was revoked between two calls. */
  | { status: 401 };

const party = z.looseObject({
  id: z.number().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
});

const messageInput = z.looseObject({
  channel: z.string(),
  via: z.string(),
  from_agent: z.boolean(),
  sender: party.optional(),
  subject: z.string().optional(),
  body_text: z.string().optional(),
  body_html: z.string().optional(),
});

const ticketInput = z.looseObject({
  customer: party.optional(),
  external_id: z.string().max(255).optional(),
  channel: z.string().optional(),
  via: z.string(),
  from_agent: z.boolean().optional(),
  subject: z.string().optional(),
  tags: z.array(z.looseObject({ name: z.string() })).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  messages: z.array(messageInput).min(1).max(500),
});
export type GorgiasTicketInput = z.infer<typeof ticketInput>;

export interface AcceptedGorgiasTicket {
  id: number;
  /** The body exactly as the client sent it. */
  input: GorgiasTicketInput;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CALL_LIMIT = 40;

export class GorgiasStub {
  readonly tickets: AcceptedGorgiasTicket[] = [];
  /** Every request that reached the stub, accepted or not. */
  requestCount = 0;
  readonly #server: Server;
  readonly #failures: GorgiasFailure[] = [];
  #url = "";

  constructor(
    readonly credentials: GorgiasCredentials = { username: "api@example.com", apiKey: "gorgias-test-key" },
  ) {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => send(res, this.#reply(req, raw), this.requestCount));
    });
  }

  async start(): Promise<{ url: string }> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return { url: this.#url };
  }

  /** The next `count` requests fail this way, before authentication, as an outage would. */
  failNext(count: number, failure: GorgiasFailure): void {
    for (let i = 0; i < count; i += 1) this.#failures.push(failure);
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #reply(req: IncomingMessage, raw: string): Reply {
    this.requestCount += 1;
    const failure = this.#failures.shift();
    if (failure) return failureReply(failure);
    if (req.method !== "POST" || !/^\/api\/tickets\/?$/.test(req.url?.split("?")[0] ?? "")) {
      return { status: 404, body: { error: { msg: "Not Found" } } };
    }
    const expected = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.apiKey}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      return { status: 401, body: { error: { msg: "Unauthorized" } } };
    }
    return this.#create(raw);
  }

  #create(raw: string): Reply {
    const parsed = ticketInput.safeParse(parseJson(raw));
    if (!parsed.success) {
      return badRequest(fieldErrors(parsed.error.issues));
    }
    const input = parsed.data;
    const senderless = input.messages.findIndex((m) => !m.from_agent && !m.sender?.id && !m.sender?.email);
    if (senderless >= 0) {
      return badRequest({ messages: { [senderless]: { sender: ["Missing data for required field."] } } });
    }
    const badEmail = [input.customer?.email, ...input.messages.map((m) => m.sender?.email)].find(
      (email) => email !== undefined && !EMAIL.test(email),
    );
    if (badEmail !== undefined) {
      return badRequest({ customer: { email: [`Not a valid email address: ${badEmail}`] } });
    }
    const id = 1000 + this.tickets.length + 1;
    this.tickets.push({ id, input });
    return { status: 201, body: this.#created(id, input) };
  }

  /** The Ticket object Gorgias answers with, trimmed to the fields a client could look at. */
  #created(id: number, input: GorgiasTicketInput): unknown {
    const now = new Date().toISOString();
    const customer = input.customer ?? input.messages[0]?.sender ?? {};
    const customerObject = { id: 5000 + id, email: customer.email ?? null, name: customer.name ?? null };
    return {
      id,
      uri: `/api/tickets/${id}/`,
      external_id: input.external_id ?? null,
      language: null,
      status: "open",
      priority: "normal",
      channel: input.channel ?? "api",
      via: input.via,
      from_agent: input.from_agent ?? false,
      customer: customerObject,
      assignee_user: null,
      assignee_team: null,
      subject: input.subject ?? null,
      excerpt: (input.messages[0]?.body_text ?? "").slice(0, 100),
      integrations: [],
      meta: input.meta ?? null,
      tags: (input.tags ?? []).map((tag, i) => ({ id: 300 + i, name: tag.name, decoration: null })),
      messages: input.messages.map((m, i) => ({
        id: 90_000 + id * 10 + i,
        uri: `/api/tickets/${id}/messages/${90_000 + id * 10 + i}/`,
        ticket_id: id,
        channel: m.channel,
        via: m.via,
        from_agent: m.from_agent,
        public: true,
        sender: { ...customerObject, ...m.sender },
        subject: m.subject ?? null,
        body_text: m.body_text ?? null,
        body_html: m.body_html ?? null,
        created_datetime: now,
      })),
      created_datetime: now,
      opened_datetime: null,
      last_received_message_datetime: now,
      last_message_datetime: now,
      updated_datetime: now,
      closed_datetime: null,
      snooze_datetime: null,
      trashed_datetime: null,
      spam: false,
      is_unread: true,
    };
  }
}

/** zod's issues as marshmallow's nested `{field: {index: {field: [message]}}}` map. */
function fieldErrors(issues: z.core.$ZodIssue[]): Record<string, unknown> {
  const errors: Record<string, unknown> = {};
  for (const issue of issues) {
    const path = issue.path.map(String);
    const leaf = path.pop() ?? "_schema";
    let node = errors;
    for (const key of path) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    const message =
      issue.code === "invalid_type" && issue.input === undefined
        ? "Missing data for required field."
        : issue.message;
    node[leaf] = [...((node[leaf] as string[] | undefined) ?? []), message];
  }
  return errors;
}

function badRequest(data: Record<string, unknown>): Reply {
  return { status: 400, body: { error: { msg: "Failed to create ticket: invalid request.", data } } };
}

function failureReply(failure: GorgiasFailure): Reply {
  switch (failure.status) {
    case 500:
      return { status: 500, body: "<html><body><h1>500 Internal Server Error</h1></body></html>" };
    case 429:
      return {
        status: 429,
        body: { error: { msg: "Too many requests." } },
        headers: { "retry-after": String(failure.retryAfterSec) },
      };
    case 401:
      return { status: 401, body: { error: { msg: "Unauthorized" } } };
  }
}

function send(res: ServerResponse, reply: Reply, calls: number): void {
  const isText = typeof reply.body === "string";
  res.writeHead(reply.status, {
    "content-type": isText ? "text/html" : "application/json",
    "x-gorgias-account-api-call-limit": `${Math.min(calls, CALL_LIMIT)}/${CALL_LIMIT}`,
    ...reply.headers,
  });
  res.end(isText ? reply.body : JSON.stringify(reply.body));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
