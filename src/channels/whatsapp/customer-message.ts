import { UNREADABLE } from "../../core/unreadable-message.js";
import type { MediaReference } from "./media.js";
import type { WhatsappMessage } from "./webhook-payload.js";

export interface CustomerMessage {
  channelMessageId: string;
  text: string;
  /** Media whose metadata must still be fetched from Graph. */
  media: MediaReference | undefined;
  channelData: Record<string, unknown>;
}

/** Message types that carry nothing to answer: they are neither stored nor answered. */
const NOT_ANSWERED = new Set(["reaction", "system", "edit", "revoke", "request_welcome", "ephemeral"]);
const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"] as const;

/**
 * What the customer said: text, a media caption, a shared location, an interactive button or
 * list choice, a template button. Stickers, voice notes without words, contacts, orders and types
 * WhatsApp calls unsupported are stored flagged unreadable, so the agent says what it can read.
 */
export function customerMessageOf(message: WhatsappMessage): CustomerMessage | undefined {
  if (NOT_ANSWERED.has(message.type)) return undefined;
  const readable = (text: string, channelData: Record<string, unknown> = {}, media?: MediaReference) => ({
    channelMessageId: message.id,
    text,
    media,
    channelData: {
      ...channelData,
      ...(message.context?.id ? { replyToWamid: message.context.id } : {}),
      ...(message.referral ? { referral: message.referral } : {}),
      ...(text.trim() === "" ? { [UNREADABLE]: true } : {}),
    },
  });
  if (message.type === "text" && message.text) return readable(message.text.body);
  const mediaType = MEDIA_TYPES.find((t) => t === message.type);
  const mediaRef = mediaType ? message[mediaType] : undefined;
  if (mediaType && mediaRef) {
    // A sticker is a picture whatever its caption; the agent cannot read it.
    return readable(
      mediaType === "sticker" ? "" : (mediaRef.caption ?? ""),
      { mediaId: mediaRef.id },
      mediaRef,
    );
  }
  if (message.type === "location" && message.location) {
    const { name, address, latitude, longitude } = message.location;
    const place = [name, address].filter(Boolean).join(", ");
    return readable(`${place ? `${place} ` : ""}(${latitude}, ${longitude})`, { location: message.location });
  }
  const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
  if (message.type === "interactive" && choice) return readable(choice.title, { replyId: choice.id });
  if (message.type === "button" && message.button) {
    return readable(message.button.text, { buttonPayload: message.button.payload });
  }
  return readable("", { unreadableType: message.type });
}
