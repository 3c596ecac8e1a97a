import type { SecretBox } from "../../channels/meta/secret-box.js";
import type { ChannelKind } from "../../db/schema.js";
import { badRequest, HttpError } from "../errors.js";
import { emailCredentialsCreateSchema } from "./schemas/email-accounts.js";
import { messengerCredentialsSchema, whatsappSecretsSchema } from "./schemas/meta-accounts.js";

/**
 * The kinds whose secrets Parley itself uses (Meta's tokens and app secrets, a mailbox's
 * passwords): they are sealed with the same SecretBox the channels open them with, so what the
 * API stores is what the channel reads.
 */
export type SealedKind = "messenger" | "whatsapp" | "email";

export const isSealedKind = (kind: ChannelKind): kind is SealedKind =>
  kind === "messenger" || kind === "whatsapp" || kind === "email";

/** The secrets each kind cannot work without. */
const SECRET_NAMES: Record<SealedKind, string[]> = {
  messenger: Object.keys(messengerCredentialsSchema.shape),
  whatsapp: Object.keys(whatsappSecretsSchema.shape),
  email: Object.keys(emailCredentialsCreateSchema.shape),
};

/**
 * The stored secrets with those of `patch` replacing theirs, all sealed again. Opening and
 * resealing, rather than merging sealed values, also seals a value stored in plain before
 * PARLEY_SECRET_KEY was set. Keys the kind does not use (left by an earlier, laxer API) are dropped.
 * Secrets that are not `required` (a linked-device account's) may be missing.
 */
export function mergedSecrets(
  box: SecretBox,
  kind: SealedKind,
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
