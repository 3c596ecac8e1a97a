import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * A local stand-in for Zendesk's Tickets API (`POST /api/v2/tickets.json`), speaking its wire format.
 *
 * Provenance of the shapes:
 * - request, 201 response (`{ ticket: {…}, audit: {…} }`), Basic auth `{email}/token:{api_token}`:
 *   https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket
 *   and https://developer.zendesk.com/api-reference/introduction/security-and-auth/
 * - 401 `{"error":"Couldn't authenticate you"}` and 404 `{"error":"InvalidEndpoint",…}`: live probes
 *   recorded in CloudSecurityAlliance/csa-zendesk `analysis/API-SURFACE.md` §5.1, §5.5.
 * - 422 `{"error":"RecordInvalid","description":"Record validation errors","details":{"<field>":[…]}}`:
 *   same document §5.4e; the `Requester: Email: … is not properly formatted` entry is a body quoted
 *   in the PathCheck GPS app's Zendesk issue reporter. The `Description: cannot be blank` wording
 *   for an empty comment is constructed in that shape.
 * - 429 `{"error":"APIRateLimitExceeded",…}` with `Retry-After` (seconds):
 *   https://developer.zendesk.com/api-reference/introduction/rate-limits/
 * - `Idempotency-Key` replay with `x-idempotency-lookup: hit|miss`:
 *   https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency
 * - the 500 body is a proxy's HTML page (constructed), so clients must not need JSON to classify.
 */

export interface ZendeskCredentials {
  email: string;
  apiToken: string;
}

export type ZendeskFailure =
  | { status: 500 }
  | { status: 429; retryAfterSec: number }
  /** The token was revoked between two calls. */
  | { status: 401 };

const ticketInput = z.looseObject({
  subject: z.string().optional(),
  comment: z.looseObject({
    body: z.string().optional(),
    html_body: z.string().optional(),
    public: z.boolean().optional(),
  }),
  requester: z.looseObject({ name: z.string().optional(), email: z.string().optional() }).optional(),
  external_id: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
export type ZendeskTicketInput = z.infer<typeof ticketInput>;

export interface AcceptedZendeskTicket {
  id: number;
  /** The `ticket` object exactly as the client sent it. */
  input: ZendeskTicketInput;
  idempotencyKey: string | undefined;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const AGENT_USER_ID = 900_001;

export class ZendeskStub {
  readonly tickets: AcceptedZendeskTicket[] = [];
  /** Every request that reached the stub, accepted or not. */
  requestCount = 0;
  readonly #server: Server;
  readonly #failures: ZendeskFailure[] = [];
  readonly #replayed = new Map<string, Reply>();
  #url = "";

  constructor(
    readonly credentials: ZendeskCredentials = { email: "agent@example.com", apiToken: "zd-test-token" },
  ) {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => send(res, this.#reply(req, raw)));
    });
  }

  async start(): Promise<{ url: string }> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return { url: this.#url };
  }

  /** The next `count` requests fail this way, before authentication, as an outage would. */
  failNext(count: number, failure: ZendeskFailure): void {
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
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/api/v2/tickets.json") {
      return { status: 404, body: { error: "InvalidEndpoint", description: "Not found" } };
    }
    const expected = `Basic ${Buffer.from(`${this.credentials.email}/token:${this.credentials.apiToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      return {
        status: 401,
        body: { error: "Couldn't authenticate you" },
        headers: { "www-authenticate": 'Basic realm="Web Password"' },
      };
    }
    const key = header(req, "idempotency-key");
    const replay = key === undefined ? undefined : this.#replayed.get(key);
    if (replay) return { ...replay, headers: { ...replay.headers, "x-idempotency-lookup": "hit" } };
    const reply = this.#create(raw, key);
    if (key !== undefined && reply.status === 201) {
      this.#replayed.set(key, reply);
      return { ...reply, headers: { "x-idempotency-lookup": "miss" } };
    }
    return reply;
  }

  #create(raw: string, idempotencyKey: string | undefined): Reply {
    const parsed = ticketInput.safeParse(parseJson(raw)?.ticket);
    if (!parsed.success) {
      return invalid("ticket", 'Ticket: is missing or malformed (expected {"ticket": {"comment": {…}}})');
    }
    const input = parsed.data;
    if (!input.comment.body?.trim() && !input.comment.html_body?.trim()) {
      return invalid("description", "Description: cannot be blank");
    }
    const email = input.requester?.email ?? "";
    if (input.requester && !EMAIL.test(email)) {
      return invalid("requester", `Requester: Email: ${email} is not properly formatted`);
    }
    const id = this.tickets.length + 1;
    this.tickets.push({ id, input, idempotencyKey });
    return { status: 201, body: this.#created(id, input) };
  }

  /** The response body of Create Ticket, trimmed to the fields a client could look at. */
  #created(id: number, input: ZendeskTicketInput): unknown {
    const now = new Date().toISOString();
    const requesterId = input.requester ? 800_000 + id : AGENT_USER_ID;
    const body = input.comment.body ?? input.comment.html_body ?? "";
    const isPublic = input.comment.public ?? true;
    return {
      ticket: {
        url: `${this.#url}/api/v2/tickets/${id}.json`,
        id,
        external_id: input.external_id ?? null,
        via: { channel: "api", source: { from: {}, to: {}, rel: null } },
        created_at: now,
        updated_at: now,
        type: null,
        subject: input.subject ?? body.slice(0, 50),
        raw_subject: input.subject ?? body.slice(0, 50),
        description: body,
        priority: null,
        status: "new",
        recipient: null,
        requester_id: requesterId,
        submitter_id: AGENT_USER_ID,
        assignee_id: null,
        organization_id: null,
        group_id: null,
        collaborator_ids: [],
        follower_ids: [],
        email_cc_ids: [],
        has_incidents: false,
        is_public: isPublic,
        due_at: null,
        tags: [...new Set((input.tags ?? []).map((tag) => tag.toLowerCase()))].sort(),
        custom_fields: [],
        satisfaction_rating: null,
        sharing_agreement_ids: [],
        followup_ids: [],
        allow_channelback: false,
        allow_attachments: true,
        from_messaging_channel: false,
      },
      audit: {
        id: 700_000 + id,
        ticket_id: id,
        created_at: now,
        author_id: AGENT_USER_ID,
        events: [{ id: 600_000 + id, type: "Comment", author_id: AGENT_USER_ID, body, public: isPublic }],
      },
    };
  }
}

function failureReply(failure: ZendeskFailure): Reply {
  switch (failure.status) {
    case 500:
      return { status: 500, body: "<html><body><h1>500 Internal Server Error</h1></body></html>" };
    case 429:
      return {
        status: 429,
        body: {
          error: "APIRateLimitExceeded",
          description: "Number of allowed API requests per minute exceeded",
        },
        headers: { "retry-after": String(failure.retryAfterSec) },
      };
    case 401:
      return { status: 401, body: { error: "Couldn't authenticate you" } };
  }
}

function invalid(field: string, description: string): Reply {
  return {
    status: 422,
    body: {
      error: "RecordInvalid",
      description: "Record validation errors",
      details: { [field]: [{ description, error: "InvalidValue" }] },
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const isText = typeof reply.body === "string";
  res.writeHead(reply.status, {
    "content-type": isText ? "text/html" : "application/json; charset=utf-8",
    ...reply.headers,
  });
  res.end(isText ? reply.body : JSON.stringify(reply.body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(raw: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
