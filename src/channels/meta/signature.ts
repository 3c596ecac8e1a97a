import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck = "valid" | "missing" | "invalid";

const HEADER_PATTERN = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks Meta's `X-Hub-Signature-256` (HMAC-SHA256 of the body keyed with the app secret). It
 * must be computed over the bytes exactly as received: parsed and re-serialised JSON differs in
 * whitespace and escaping, so it would never match. The comparison takes constant time.
 */
export function checkSignature(
  rawBody: string | Buffer,
  header: string | undefined,
  appSecret: string,
): SignatureCheck {
  if (!header) return "missing";
  const match = HEADER_PATTERN.exec(header.trim());
  if (!match?.[1]) return "invalid";
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return timingSafeEqual(given, expected) ? "valid" : "invalid";
}

/** The header value Meta would send for this body; for tests and tools that replay webhooks. */
export function signatureHeader(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}
