import { z } from "zod";
import {
  basicAuth,
  type CreatedTicket,
  formatTicketHtml,
  formatTicketText,
  type HelpdeskClient,
  type HelpdeskEndpoint,
  HelpdeskError,
  helpdeskHttpError,
  parleyTags,
  postJson,
  type TicketRequest,
} from "./ticket.js";

export interface GorgiasClientOptions {
  /** `https://<account>.gorgias.com` (a local stub's URL in tests). */
  baseUrl: string;
  /** The REST API username: the email of the user the API key belongs to. */
  username: string;
  apiKey: string;
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  /** IANA zone of the transcript's timestamps; UTC when absent. */
  timeZone?: string | undefined;
}

/** 201 answers with the Ticket object: `{ "id": 12345, "uri": "/api/tickets/12345/", … }`. */
const createdTicket = z.object({ id: z.number().int() });

/** Gorgias' error envelope, `{"error":{"msg":"…","data":{…}}}`; `data` names the fields at fault. */
const errorEnvelope = z.object({
  error: z.union([z.string(), z.looseObject({ msg: z.string().optional(), data: z.unknown().optional() })]),
});

const MAX_DATA_CHARS = 500;

/**
 * Creates Gorgias tickets through the REST API (`POST /api/tickets`), authenticated with the
 * API username and key.
 *
 * The ticket is an incoming message on the `api` channel (`via: api`, `from_agent: false`) whose
 * sender is the customer: Gorgias does not run auto-reply rules for that channel, so nothing is
 * sent to the customer, and agents reply from the ticket as usual. The conversation's id is the
 * ticket's `external_id`; the contact's id is at the top of the message and, with the
 * conversation's, in the ticket's `meta` (structured data an integration can read back).
 */
export function gorgiasClient(options: GorgiasClientOptions): HelpdeskClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const endpoint: HelpdeskEndpoint = {
    provider: "gorgias",
    url: `${baseUrl}/api/tickets`,
    authorization: basicAuth(options.username, options.apiKey),
    credentialsHint: "the API username (the account email) and the API key under Settings → REST API",
    fetch: options.fetch ?? fetch,
    timeoutMs: options.timeoutMs ?? 15_000,
  };
  return {
    provider: "gorgias",
    async createTicket(req: TicketRequest, signal?: AbortSignal): Promise<CreatedTicket> {
      const customer = {
        email: req.requester.email,
        ...(req.requester.name ? { name: req.requester.name } : {}),
      };
      const body = {
        customer,
        external_id: req.conversationId,
        channel: "api",
        via: "api",
        from_agent: false,
        subject: req.subject,
        tags: parleyTags(req.channel).map((name) => ({ name })),
        meta: { parley_contact_id: req.contactId, parley_conversation_id: req.conversationId },
        messages: [
          {
            channel: "api",
            via: "api",
            from_agent: false,
            sender: customer,
            subject: req.subject,
            body_text: formatTicketText(req, { timeZone: options.timeZone }),
            body_html: formatTicketHtml(req, { timeZone: options.timeZone }),
          },
        ],
      };
      const answer = await postJson(endpoint, body, {}, signal);
      if (answer.status < 200 || answer.status >= 300) {
        throw helpdeskHttpError(endpoint, answer, reasonOf(answer.body));
      }
      const parsed = createdTicket.safeParse(answer.body);
      if (!parsed.success) {
        throw new HelpdeskError(
          "helpdesk_bad_response",
          `Gorgias answered HTTP ${answer.status} without a ticket id; look for external id ${req.conversationId} before creating the ticket again`,
          false,
        );
      }
      const id = parsed.data.id;
      return { provider: "gorgias", externalId: String(id), url: `${baseUrl}/app/ticket/${id}` };
    },
  };
}

function reasonOf(body: unknown): string | undefined {
  const parsed = errorEnvelope.safeParse(body);
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  if (typeof error === "string") return error;
  const data = error.data === undefined ? "" : JSON.stringify(error.data).slice(0, MAX_DATA_CHARS);
  return [error.msg, data].filter(Boolean).join(" ") || undefined;
}
