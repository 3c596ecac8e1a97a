import { z } from "zod";
import {
  basicAuth,
  type CreatedTicket,
  formatTicketText,
  type HelpdeskClient,
  type HelpdeskEndpoint,
  HelpdeskError,
  helpdeskHttpError,
  parleyTags,
  postJson,
  type TicketRequest,
} from "./ticket.js";

export interface ZendeskClientOptions {
  /** `https://<subdomain>.zendesk.com` (a local stub's URL in tests). */
  baseUrl: string;
  /** The agent the API token belongs to; the ticket's first comment is authored by this agent. */
  email: string;
  apiToken: string;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  /** IANA zone of the transcript's timestamps; UTC when absent. */
  timeZone?: string | undefined;
}

/** `{ "ticket": { "id": 35436, "url": "https://…/api/v2/tickets/35436.json", … } }` */
const createdTicket = z.object({ ticket: z.object({ id: z.number().int() }) });

/**
 * Zendesk's error envelopes: `{"error":"Couldn't authenticate you"}` (401),
 * `{"error":"RecordInvalid","description":"Record validation errors","details":{"<field>":[{"description"}]}}`
 * (422), `{"error":{"title":"Forbidden","message":"…"}}` (403).
 */
const errorEnvelope = z.object({
  error: z
    .union([z.string(), z.looseObject({ title: z.string().optional(), message: z.string().optional() })])
    .optional(),
  description: z.string().optional(),
  details: z.record(z.string(), z.array(z.looseObject({ description: z.string() }))).optional(),
});

/**
 * Creates Zendesk tickets through the Tickets API (`POST /api/v2/tickets.json`), authenticated
 * with an agent's API token (`{email}/token:{token}`).
 *
 * The transcript goes in as the first comment, marked private (an internal note): it is context
 * for the agents, and Zendesk's default triggers email public comments to the requester, who
 * would otherwise receive their own conversation back, with the AI agent's replies shown as if
 * the agent had written them. The conversation's id is the ticket's `external_id`; the contact's
 * id is written at the top of the note, where an agent sees it (a per-contact tag would flood the
 * account's tag list).
 */
export function zendeskClient(options: ZendeskClientOptions): HelpdeskClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const endpoint: HelpdeskEndpoint = {
    provider: "zendesk",
    url: `${baseUrl}/api/v2/tickets.json`,
    authorization: basicAuth(`${options.email}/token`, options.apiToken),
    credentialsHint: "the agent email and API token, and that token access is enabled in the Admin Center",
    fetch: options.fetch ?? fetch,
    timeoutMs: options.timeoutMs ?? 15_000,
  };
  return {
    provider: "zendesk",
    async createTicket(req: TicketRequest, signal?: AbortSignal): Promise<CreatedTicket> {
      const body = {
        ticket: {
          subject: req.subject,
          comment: { body: formatTicketText(req, { timeZone: options.timeZone }), public: false },
          // Zendesk creates an unknown requester from these and shows people by name; when the
          // customer never gave one, their address is the only name we can vouch for.
          requester: { name: req.requester.name ?? req.requester.email, email: req.requester.email },
          external_id: req.conversationId,
          tags: parleyTags(req.channel),
        },
      };
      const headers: Record<string, string> = req.idempotencyKey
        ? { "idempotency-key": req.idempotencyKey }
        : {};
      const answer = await postJson(endpoint, body, headers, signal);
      if (answer.status < 200 || answer.status >= 300) {
        throw helpdeskHttpError(endpoint, answer, reasonOf(answer.body));
      }
      const parsed = createdTicket.safeParse(answer.body);
      if (!parsed.success) {
        throw new HelpdeskError(
          "helpdesk_bad_response",
          `Zendesk answered HTTP ${answer.status} without a ticket id; look for external id ${req.conversationId} before creating the ticket again`,
          false,
        );
      }
      const id = parsed.data.ticket.id;
      return { provider: "zendesk", externalId: String(id), url: `${baseUrl}/agent/tickets/${id}` };
    },
  };
}

/** The most specific explanation in the envelope: field errors first, then the description. */
function reasonOf(body: unknown): string | undefined {
  const parsed = errorEnvelope.safeParse(body);
  if (!parsed.success) return undefined;
  const { error, description, details } = parsed.data;
  const fieldErrors = Object.values(details ?? {}).flatMap((problems) => problems.map((p) => p.description));
  const code = typeof error === "string" ? error : error?.title;
  const explanation =
    fieldErrors.length > 0
      ? fieldErrors.join("; ")
      : (description ?? (typeof error === "object" ? error.message : undefined));
  return [code, explanation].filter(Boolean).join(": ") || undefined;
}
