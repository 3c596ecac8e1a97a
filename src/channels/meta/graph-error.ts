import { z } from "zod";
import { DeliveryError } from "../../core/channel.js";
import { REPLY_WINDOW_CLOSED } from "../../core/reply-window.js";

/** Graph's error envelope: `{"error":{"message","type","code","error_subcode","error_data","fbtrace_id"}}`. */
export const graphErrorEnvelope = z.object({
  error: z.looseObject({
    message: z.string().default("Graph API error"),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_data: z.unknown().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type GraphErrorEnvelope = z.infer<typeof graphErrorEnvelope>;

/**
 * Codes Meta documents as temporary: 1/2 (unknown/service), 4/17/32/613 (rate limits),
 * 80007 (WhatsApp account rate limit), 130429 (throughput), 131000 (generic, retry),
 * 131016 (service unavailable), 131056 (pair rate limit), 133004 (server unavailable).
 */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 133004]);

/** Meta's ways of saying the customer has not written recently enough for free text. */
const WINDOW_CLOSED_ERRORS = new Set(["10/2018278", "131047"]);

/** Why a send failed, as a DeliveryError: transient ones are retried, permanent ones recorded. */
export function graphDeliveryError(
  status: number,
  body: unknown,
  retryAfterHeader?: string | null,
): DeliveryError {
  const parsed = graphErrorEnvelope.safeParse(body);
  const retryAfterMs =
    retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) * 1000 : undefined;
  if (!parsed.success) {
    const message = `Graph API answered HTTP ${status} without an error envelope`;
    return new DeliveryError(`http_${status}`, message, !isTransientStatus(status), retryAfterMs);
  }
  const { code, error_subcode: subcode, message } = parsed.data.error;
  const details = detailsOf(parsed.data.error.error_data);
  const id =
    code === undefined ? `http_${status}` : subcode === undefined ? String(code) : `${code}/${subcode}`;
  const transient =
    code === undefined ? isTransientStatus(status) : TRANSIENT_CODES.has(code) || status >= 500;
  const reason = `${details ? `${message} (${details})` : message} [Graph error ${id}]`;
  const windowClosed = WINDOW_CLOSED_ERRORS.has(id) || WINDOW_CLOSED_ERRORS.has(String(code));
  return new DeliveryError(windowClosed ? REPLY_WINDOW_CLOSED : id, reason, !transient, retryAfterMs);
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function detailsOf(errorData: unknown): string | undefined {
  const details = (errorData as { details?: unknown } | undefined)?.details;
  return typeof details === "string" ? details : undefined;
}
