import { UNREADABLE } from "../../core/unreadable-message.js";
import type { Attachment } from "../../db/schema.js";
import type { MessengerEvent } from "./webhook-payload.js";

export interface CustomerMessage {
  channelMessageId: string;
  text: string;
  attachments: Attachment[];
  channelData: Record<string, unknown>;
}

/** Messenger gives an attachment's kind, not its MIME type. */
const CONTENT_TYPES: Record<string, string> = {
  image: "image/*",
  video: "video/*",
  audio: "audio/*",
  file: "application/octet-stream",
  fallback: "text/uri-list",
};

/**
 * What the customer said, if the event is a customer message: text, a quick-reply tap (its
 * title, or its payload when there is no title), a postback (button title, else payload), or
 * attachments. Echoes, receipts and referrals are not customer messages.
 */
export function customerMessageOf(event: MessengerEvent): CustomerMessage | undefined {
  const { message, postback } = event;
  if (message && !message.is_echo) {
    const attachments = (message.attachments ?? []).map(
      (a): Attachment => ({
        contentType: CONTENT_TYPES[a.type] ?? `application/x-messenger-${a.type}`,
        url: a.payload?.url ?? a.URL ?? a.url,
        name: a.title,
      }),
    );
    const text = message.text ?? message.quick_reply?.payload ?? "";
    return {
      channelMessageId: message.mid,
      text,
      attachments,
      channelData: {
        ...(message.quick_reply ? { quickReplyPayload: message.quick_reply.payload } : {}),
        ...(message.reply_to ? { replyToMid: message.reply_to.mid } : {}),
        // Pictures and files without words: the agent cannot read them, and says so.
        ...(text.trim() === "" ? { [UNREADABLE]: true } : {}),
      },
    };
  }
  if (postback) {
    const text = postback.title ?? postback.payload ?? "";
    return {
      // Older postbacks have no mid; sender and time identify a tap just as uniquely.
      channelMessageId: postback.mid ?? `postback:${event.sender.id}:${event.timestamp ?? 0}`,
      text,
      attachments: [],
      channelData: {
        postbackPayload: postback.payload,
        ...(postback.referral ? { referral: postback.referral } : {}),
        ...(text.trim() === "" ? { [UNREADABLE]: true } : {}),
      },
    };
  }
  return undefined;
}
