import { DateTime } from "luxon";

/**
 * What Parley hands to a helpdesk (Zendesk, Gorgias) when a conversation becomes a ticket, what
 * comes back, and how a failed attempt is described. The providers' own wire formats live in
 * their clients; everything both of them need (the transcript text, the HTTP round trip and its
 * error classification) lives here so they cannot drift apart.
 */

export type HelpdeskProvider = "zendesk" | "gorgias";

export interface TranscriptEntry {
  at: Date;
  /** `agent` is Parley's AI agent; `person` is a human teammate who answered in Parley. */
  author: "customer" | "agent" | "person" | "system";
  authorName?: string | undefined;
  text: string;
}

export interface TicketRequest {
  subject: string;
  transcript: TranscriptEntry[];
  requester: { email: string; name?: string | undefined };
  contactId: string;
  conversationId: string;
  /** livechat | messenger | whatsapp | email */
  channel: string;
  language?: string | undefined;
  /**
   * The same key for every attempt at the same hand-off (e.g. the hand-off event's id), so a retry
   * after a lost response returns the first ticket instead of opening a second. Zendesk honours
   * it (its `Idempotency-Key` header); Gorgias has no equivalent.
   */
  idempotencyKey?: string | undefined;
}

export interface CreatedTicket {
  provider: HelpdeskProvider;
  externalId: string;
  /** Where an agent opens the ticket in the helpdesk's own web app. */
  url?: string | undefined;
}

export interface HelpdeskClient {
  readonly provider: HelpdeskProvider;
  createTicket(req: TicketRequest, signal?: AbortSignal): Promise<CreatedTicket>;
}

/**
 * Why a helpdesk call failed. `code` is what a program branches on; the clients here produce
 * - `helpdesk_auth_failed` (401/403): the credentials or the API user's permissions; a person
 *   must fix the settings;
 * - `helpdesk_rejected` (any other 4xx): this request will never be accepted as it is;
 * - `helpdesk_rate_limited` (429): try again after `retryAfterMs`;
 * - `helpdesk_unavailable` (408, 5xx): the service is having trouble;
 * - `helpdesk_network`: no answer at all (refused, unresolvable, reset, timed out);
 * - `helpdesk_bad_response`: a success we cannot read; the ticket may exist, so retrying could
 *   make a second one.
 * Callers may raise their own codes (e.g. a missing configuration) with the same class.
 */
export class HelpdeskError extends Error {
  override name = "HelpdeskError";
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const AUTHOR_LABELS: Record<TranscriptEntry["author"], string> = {
  customer: "Customer",
  agent: "AI agent",
  person: "Team member",
  system: "System",
};

const CONTINUATION_INDENT = "    ";

export interface TranscriptOptions {
  /** IANA zone the timestamps are written in (the workspace's); UTC when absent. */
  timeZone?: string | undefined;
}

/**
 * The conversation as plain text, one message per paragraph headed by its time and author:
 * `[2026-01-05 09:00 UTC] Customer (Jane): Hello`. Further lines of a message are indented, so a
 * line of the customer's own text can never pass for a new message.
 */
export function formatTranscript(entries: TranscriptEntry[], opts: TranscriptOptions = {}): string {
  return entries
    .map((entry) => {
      const [first = "", ...rest] = linesOf(entry.text);
      const head = `[${stamp(entry.at, opts.timeZone)}] ${authorOf(entry)}:`;
      return [first ? `${head} ${first}` : head, ...rest.map((l) => (l ? CONTINUATION_INDENT + l : l))].join(
        "\n",
      );
    })
    .join("\n");
}

/** The same transcript as HTML paragraphs, for providers that render a message body as HTML. */
export function formatTranscriptHtml(entries: TranscriptEntry[], opts: TranscriptOptions = {}): string {
  return entries
    .map((entry) => {
      const head = `[${stamp(entry.at, opts.timeZone)}] ${authorOf(entry)}:`;
      const body = linesOf(entry.text).map(escapeHtml).join("<br>");
      return `<p><strong>${escapeHtml(head)}</strong>${body ? `<br>${body}` : ""}</p>`;
    })
    .join("\n");
}

/**
 * The ticket's first message: who and where the conversation came from (the Parley ids an agent
 * needs to find it again), then the transcript.
 */
export function formatTicketText(req: TicketRequest, opts: TranscriptOptions = {}): string {
  return `${ticketFacts(req).join("\n")}\n\n${formatTranscript(req.transcript, opts)}`;
}

export function formatTicketHtml(req: TicketRequest, opts: TranscriptOptions = {}): string {
  return `<p>${ticketFacts(req).map(escapeHtml).join("<br>")}</p>\n${formatTranscriptHtml(req.transcript, opts)}`;
}

function ticketFacts(req: TicketRequest): string[] {
  const customer = req.requester.name
    ? `${req.requester.name} <${req.requester.email}>`
    : req.requester.email;
  return [
    `Handed over by Parley from a ${req.channel} conversation.`,
    `Parley conversation: ${req.conversationId}`,
    `Parley contact: ${req.contactId}`,
    `Customer: ${customer}`,
    ...(req.language ? [`Language: ${req.language}`] : []),
  ];
}

function authorOf(entry: TranscriptEntry): string {
  const label = AUTHOR_LABELS[entry.author];
  return entry.authorName ? `${label} (${entry.authorName})` : label;
}

function linesOf(text: string): string[] {
  const trimmed = text.replace(/\r\n?/g, "\n").trim();
  return trimmed ? trimmed.split("\n").map((line) => line.trimEnd()) : [];
}

function stamp(at: Date, timeZone = "UTC"): string {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`);
  return local.toFormat(local.zone.isUniversal ? "yyyy-MM-dd HH:mm 'UTC'" : "yyyy-MM-dd HH:mm ZZ");
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** One provider's create-ticket endpoint, as both clients call it. */
export interface HelpdeskEndpoint {
  provider: HelpdeskProvider;
  url: string;
  authorization: string;
  /** What a person should check when the credentials are refused. */
  credentialsHint: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface HelpdeskAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when empty or not JSON (a proxy's HTML error page). */
  body: unknown;
}

const SERVICE_NAMES: Record<HelpdeskProvider, string> = { zendesk: "Zendesk", gorgias: "Gorgias" };

/**
 * POSTs a JSON body and returns whatever came back. Getting no answer at all (refused, DNS,
 * reset, timeout) is a retryable `helpdesk_network` error; an abort by the caller is passed on
 * as the caller's own abort reason, since nobody is waiting for a classification then.
 */
export async function postJson(
  endpoint: HelpdeskEndpoint,
  body: unknown,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<HelpdeskAnswer> {
  const service = SERVICE_NAMES[endpoint.provider];
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  try {
    const response = await endpoint.fetch(endpoint.url, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        authorization: endpoint.authorization,
        ...headers,
      },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseJson(text) };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new HelpdeskError(
        "helpdesk_network",
        `${service} did not answer within ${endpoint.timeoutMs / 1000} s at ${endpoint.url}; the ticket may have been created`,
        true,
      );
    }
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    const reason = `${(err as Error).message}${typeof cause === "string" ? ` (${cause})` : ""}`;
    throw new HelpdeskError(
      "helpdesk_network",
      `Could not reach ${service} at ${endpoint.url}: ${reason}`,
      true,
    );
  }
}

/**
 * Classifies an unsuccessful answer. `reason` is the provider's own explanation, taken from its
 * error envelope; it goes into the message as is, since it usually names the field to fix.
 */
export function helpdeskHttpError(
  endpoint: HelpdeskEndpoint,
  answer: HelpdeskAnswer,
  reason: string | undefined,
  now = Date.now(),
): HelpdeskError {
  const service = SERVICE_NAMES[endpoint.provider];
  const { status } = answer;
  const said = `HTTP ${status}${reason ? `: ${reason}` : ""}`;
  const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), now);
  if (status === 401) {
    return new HelpdeskError(
      "helpdesk_auth_failed",
      `${service} refused the credentials (${said}); check ${endpoint.credentialsHint}`,
      false,
    );
  }
  if (status === 403) {
    return new HelpdeskError(
      "helpdesk_auth_failed",
      `${service} refused the request (${said}); the API user needs permission to create tickets`,
      false,
    );
  }
  if (status === 404) {
    return new HelpdeskError(
      "helpdesk_rejected",
      `${service} has nothing at ${endpoint.url} (${said}); check the base URL`,
      false,
    );
  }
  if (status === 429) {
    const wait = retryAfterMs === undefined ? "" : `; retry in ${Math.ceil(retryAfterMs / 1000)} s`;
    return new HelpdeskError(
      "helpdesk_rate_limited",
      `${service} rate limit reached (${said})${wait}`,
      true,
      retryAfterMs,
    );
  }
  if (status === 408 || status >= 500) {
    return new HelpdeskError(
      "helpdesk_unavailable",
      `${service} is unavailable (${said})`,
      true,
      retryAfterMs,
    );
  }
  return new HelpdeskError("helpdesk_rejected", `${service} rejected the ticket (${said})`, false);
}

/** Retry-After is either a number of seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(header: string | null, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** `Authorization: Basic …` for a user and password (or API token). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

/** Tags both providers accept: lower case letters, digits and underscores. */
export function parleyTags(channel: string): string[] {
  return ["parley", `parley_${channel.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`];
}
