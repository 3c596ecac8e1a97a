import type { SecretBox } from "../../channels/meta/secret-box.js";
import { newVerifyToken, type WebhookSetup, webhookSetup } from "../../channels/meta/webhook-setup.js";
import type { ChannelKind } from "../../db/schema.js";
import { badRequest, HttpError } from "../errors.js";
import { messengerCredentialsSchema, whatsappSecretsSchema } from "./schemas/meta-accounts.js";

/**
 * Messenger and WhatsApp accounts hold secrets that Parley itself uses (to check webhook
 * signatures, to call Graph), so they are sealed before they are stored; and they need a verify
 * token for Meta's subscription handshake, which is shown with the callback URL to paste.
 */

export type MetaKind = "messenger" | "whatsapp";

export const isMetaKind = (kind: ChannelKind): kind is MetaKind =>
  kind === "messenger" || kind === "whatsapp";

/** The secrets each kind cannot work without. */
const SECRET_NAMES: Record<MetaKind, string[]> = {
  messenger: Object.keys(messengerCredentialsSchema.shape),
  whatsapp: Object.keys(whatsappSecretsSchema.shape),
};

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
 * The stored secrets with those of `patch` replacing theirs, all sealed again. Opening and
 * resealing, rather than merging sealed values, also seals a value stored in plain before
 * PARLEY_SECRET_KEY was set. Keys the kind does not use (left by an earlier, laxer API) are dropped.
 * Secrets that are not `required` (a linked-device account's) may be missing.
 */
export function mergedSecrets(
  box: SecretBox,
  kind: MetaKind,
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
  required = true,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const name of SECRET_NAMES[kind]) {
    const given = patch[name];
    const kept = stored[name];
    if (typeof given === "string") merged[name] = given;
    else if (typeof kept === "string") merged[name] = opened(box, name, kept);
    else if (required) throw badRequest(`credentials.${name}: none is stored yet, so it must be sent.`);
  }
  return box.sealAll(merged);
}

function opened(box: SecretBox, name: string, stored: string): string {
  try {
    return box.open(stored);
  } catch {
    // The key was changed or removed since it was sealed: only a new value can help.
    throw new HttpError(
      409,
      "conflict",
      `credentials.${name}: the stored value cannot be decrypted with the PARLEY_SECRET_KEY now ` +
        "configured; send it again.",
    );
  }
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
