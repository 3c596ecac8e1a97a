import { newVerifyToken, type WebhookSetup, webhookSetup } from "../../channels/meta/webhook-setup.js";
import type { ChannelKind } from "../../db/schema.js";

/**
 * Messenger and WhatsApp accounts hold secrets that Parley itself uses (to check webhook
 * signatures, to call Graph), so they are sealed before they are stored; and they need a verify
 * token for Meta's subscription handshake, which is shown with the callback URL to paste.
 */

export type MetaKind = "messenger" | "whatsapp";

export const isMetaKind = (kind: ChannelKind): kind is MetaKind =>
  kind === "messenger" || kind === "whatsapp";

/**
 * Whether an account of this kind, with these settings, needs its secrets: a linked-device
 * WhatsApp account receives no webhooks and calls no Graph, so it has none.
 */
export function needsSecrets(kind: MetaKind, settings: Record<string, unknown>): boolean {
  return !(kind === "whatsapp" && settings.transport === "linked_device");
}

/**
 * The settings to store. A verify token left out keeps the stored one, since Meta's subscription
 * was set up with it; an account without one (a new one) gets a fresh token.
 */
export function withVerifyToken<S extends Record<string, unknown>>(
  settings: S,
  stored: Record<string, unknown> = {},
): S & { verifyToken: string } {
  const given = typeof settings.verifyToken === "string" ? settings.verifyToken : undefined;
  const kept = typeof stored.verifyToken === "string" ? stored.verifyToken : undefined;
  return { ...settings, verifyToken: given ?? kept ?? newVerifyToken() };
}

/**
 * What to paste into Meta's dashboard. Every account created or updated through this API has a
 * verify token; a row without one (written before settings were checked) shows no webhook.
 */
export function webhookOf(
  kind: MetaKind,
  settings: Record<string, unknown>,
  baseUrl: string,
): WebhookSetup | undefined {
  const { verifyToken } = settings;
  return typeof verifyToken === "string" ? webhookSetup(kind, baseUrl, verifyToken) : undefined;
}
