import { randomBytes } from "node:crypto";

/** What a business pastes into Meta's App Dashboard to subscribe Parley to its page or number. */
export interface WebhookSetup {
  callbackUrl: string;
  verifyToken: string;
}

/** `publicUrl` is PUBLIC_URL, or the origin the admin request came in on when it is unset. */
export function webhookSetup(
  kind: "messenger" | "whatsapp",
  publicUrl: string,
  verifyToken: string,
): WebhookSetup {
  return { callbackUrl: `${publicUrl.replace(/\/+$/, "")}/webhooks/${kind}`, verifyToken };
}

/** A verify token for an account created without one: unguessable, and safe to paste into a form. */
export function newVerifyToken(): string {
  return randomBytes(24).toString("base64url");
}
