import type { ChannelAccountRef, InboundMessage } from "../../../core/channel.js";
import { UNREADABLE } from "../../../core/unreadable-message.js";
import type { LinkedMessage } from "./client.js";

/** Chats that are not one customer: groups, status updates, broadcast lists, channels. */
const NOT_A_CUSTOMER = /@(g\.us|broadcast|newsletter)$/;

/** Types that carry nothing to answer: deletions, notifications, calls, undecrypted placeholders. */
const NOT_ANSWERED = new Set([
  "revoked",
  "e2e_notification",
  "notification",
  "notification_template",
  "gp2",
  "group_notification",
  "broadcast_notification",
  "protocol",
  "call_log",
  "ciphertext",
  "debug",
  "reaction",
]);

/** Media whose caption, when there is one, is what the customer said (as with the Cloud API). */
const CAPTIONED = new Set(["image", "video", "document"]);

/**
 * A customer's message as the core takes it, or undefined for what is not one (our own
 * messages, groups, status updates, notifications). Voice notes, stickers, contacts and other
 * types without words are stored flagged unreadable, so the agent says what it can read.
 */
export function linkedInbound(
  account: ChannelAccountRef,
  message: LinkedMessage,
): InboundMessage | undefined {
  if (message.fromMe || message.isStatus || message.broadcast || NOT_A_CUSTOMER.test(message.from)) {
    return undefined;
  }
  if (NOT_ANSWERED.has(message.type)) return undefined;
  const text = message.body ?? "";
  const readable = message.type === "chat" || (CAPTIONED.has(message.type) && text.trim() !== "");
  return {
    channelAccountId: account.id,
    workspaceId: account.workspaceId,
    threadKey: message.from,
    contact: { externalId: message.from, name: message._data?.notifyName || undefined },
    channelMessageId: message.id._serialized,
    text: readable ? text : "",
    channelData: {
      transport: "linked_device",
      ...(message.type === "chat" ? {} : { messageType: message.type }),
      ...(readable && text.trim() !== "" ? {} : { [UNREADABLE]: true }),
    },
  };
}
