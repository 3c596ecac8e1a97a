import { randomBytes, randomUUID } from "node:crypto";
import { HttpError } from "../../http/errors.js";

/**
 * Direct Line identifiers. A conversation is a channel thread; an activity is one of its
 * messages, named by the thread's commit-ordered `seq`, and the watermark is simply the last
 * `seq` a client has seen, so "what is new" is `seq > watermark`.
 */

export function newConversationId(): string {
  return randomBytes(18).toString("base64url");
}

/** `dl_` ids are the ones a token vouches for; clients must not invent them (Direct Line's rule). */
export function newUserId(): string {
  return `dl_${randomUUID()}`;
}

/** Names a conversation across replicas (NOTIFY payloads, socket registries). */
export function conversationKey(channelAccountId: string, conversationId: string): string {
  return `${channelAccountId}/${conversationId}`;
}

export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, "0")}`;
}

/** Non-message activities (typing, events) are acknowledged but not stored; they get an id of their own. */
export function transientActivityId(conversationId: string): string {
  return `${conversationId}|t${randomBytes(6).toString("hex")}`;
}

export function greetingActivityId(conversationId: string): string {
  return `${conversationId}|greeting`;
}

/** An absent or empty watermark means "from the start"; anything else must be a seq we handed out. */
export function parseWatermark(raw: string | string[] | null | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new HttpError(
      400,
      "invalid_watermark",
      `"${value.slice(0, 40)}" is not a watermark this server issued.`,
    );
  }
  return Number(value);
}
