import { DeliveryError, type OutboundDelivery, type SendResult } from "../../../core/channel.js";
import { splitText } from "../../meta/split-text.js";
import type { ClientLike } from "./client.js";

/** WhatsApp's limit for one text message, the same for WhatsApp Web as for the Cloud API. */
const MAX_TEXT = 4096;

export const NOT_READY = "linked_device_not_ready";
export const CHAT_NOT_FOUND = "chat_not_found";

/** Errors that say the recipient does not exist: retrying cannot help. */
const NO_SUCH_CHAT = /no lid for user|invalid wid|wid error|not a valid (wid|chat)|chat not found/i;
/** Errors of a browser that went away mid-send: the device reconnects and the retry goes through. */
const BROWSER_GONE = /session closed|target closed|protocol error|execution context was destroyed|detached/i;

/** Sends text through a ready WhatsApp Web client, split at WhatsApp's limit. */
export async function sendThroughClient(client: ClientLike, message: OutboundDelivery): Promise<SendResult> {
  let lastId: string | undefined;
  for (const part of splitText(message.text, MAX_TEXT)) {
    let sent: Awaited<ReturnType<ClientLike["sendMessage"]>>;
    try {
      sent = await client.sendMessage(message.threadKey, part);
    } catch (err) {
      throw sendFailure(err);
    }
    // whatsapp-web.js answers nothing, rather than throwing, when it finds no such chat.
    if (!sent) {
      throw new DeliveryError(
        CHAT_NOT_FOUND,
        `WhatsApp has no chat ${message.threadKey}: the number may not be on WhatsApp`,
        true,
      );
    }
    lastId = sent.id._serialized;
  }
  return { state: "sent", channelMessageId: lastId };
}

export function sendFailure(err: unknown): DeliveryError {
  const text = err instanceof Error ? err.message : String(err);
  if (NO_SUCH_CHAT.test(text)) return new DeliveryError(CHAT_NOT_FOUND, text, true);
  if (BROWSER_GONE.test(text)) return new DeliveryError(NOT_READY, text, false);
  return new DeliveryError("linked_device_send_failed", text, false);
}
