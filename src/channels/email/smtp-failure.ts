import { DeliveryError } from "../../core/channel.js";

/**
 * Sorts an SMTP failure the way RFC 5321 does: a 5xx reply is permanent (the address does not
 * exist, the message is refused, the login is wrong) and is recorded on the message; a 4xx reply
 * and anything without a reply (refused connection, timeout, dropped socket) may pass, so it is
 * retried with backoff.
 */
export function smtpFailure(err: unknown): DeliveryError {
  const { responseCode, code, message } = (err ?? {}) as {
    responseCode?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const reply = typeof responseCode === "number" ? responseCode : undefined;
  const text = typeof message === "string" ? message : String(err);
  if (reply !== undefined && reply >= 500) return new DeliveryError(`smtp_${reply}`, text, true);
  if (reply !== undefined) return new DeliveryError(`smtp_${reply}`, text, false);
  return new DeliveryError(
    typeof code === "string" ? `smtp_${code.toLowerCase()}` : "smtp_network",
    text,
    false,
  );
}
