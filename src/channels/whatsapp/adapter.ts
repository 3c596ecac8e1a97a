import { z } from "zod";
import {
  type ChannelAccountRef,
  type ChannelAdapter,
  type ChannelCapabilities,
  DeliveryError,
  HOUR_MS,
  type OutboundDelivery,
  type SendResult,
} from "../../core/channel.js";
import type { Clock } from "../../core/clock.js";
import { flagReplyWindowClosed, REPLY_WINDOW_CLOSED, replyWindowFor } from "../../core/reply-window.js";
import type { Database } from "../../db/client.js";
import type { GraphClient } from "../meta/graph-client.js";
import type { SecretBox } from "../meta/secret-box.js";
import { sendParts } from "../meta/sent-parts.js";
import { splitText } from "../meta/split-text.js";
import { whatsappAccess, whatsappTransport } from "./account.js";
import type { LinkedDeviceManager } from "./linked-device/manager.js";

export const WHATSAPP_CAPABILITIES: ChannelCapabilities = {
  maxTextLength: 4096,
  quickReplies: true,
  typingIndicator: false,
  replyWindowMs: 24 * HOUR_MS,
  inactivityLifetimeMs: 24 * HOUR_MS,
  reopensAfterClose: false,
};

/** A 200 only means accepted: the outcome arrives later as a status webhook naming this wamid. */
const sendResponse = z.looseObject({ messages: z.array(z.looseObject({ id: z.string() })).min(1) });

export interface WhatsappAdapterDeps {
  database: Database;
  clock: Clock;
  graph: GraphClient;
  secrets: SecretBox;
  /** Sends for accounts whose transport is linked_device (WhatsApp Web). */
  linkedDevices?: Pick<LinkedDeviceManager, "send"> | undefined;
}

/**
 * Sends through the Cloud API. Free text only inside the 24-hour customer-service window; after
 * it the account's approved template goes out instead, and without one the message is
 * undeliverable (a permanent failure) and the conversation is flagged for a person.
 */
export class WhatsappAdapter implements ChannelAdapter {
  readonly kind = "whatsapp" as const;
  readonly capabilities = WHATSAPP_CAPABILITIES;

  constructor(private readonly deps: WhatsappAdapterDeps) {}

  async send(account: ChannelAccountRef, message: OutboundDelivery): Promise<SendResult> {
    // WhatsApp Web has no 24-hour window or templates: it is a phone's own chat.
    if (whatsappTransport(account) === "linked_device") {
      if (!this.deps.linkedDevices) {
        throw new DeliveryError("linked_device_disabled", "the linked-device transport is not set up", true);
      }
      return this.deps.linkedDevices.send(account, message);
    }
    const access = whatsappAccess(this.deps.secrets, account);
    const window = await replyWindowFor(
      this.deps.database,
      message.messageId,
      WHATSAPP_CAPABILITIES.replyWindowMs ?? 0,
      this.deps.clock.now(),
    );
    const to = { messaging_product: "whatsapp", recipient_type: "individual", to: message.threadKey };
    const template = access.settings.fallbackTemplate;
    if (!window.open && !template) {
      await flagReplyWindowClosed(this.deps.database, message.messageId);
      throw new DeliveryError(
        REPLY_WINDOW_CLOSED,
        "The customer has not written in the last 24 hours and this account has no fallback template.",
        true,
      );
    }
    const bodies = window.open
      ? splitText(message.text, WHATSAPP_CAPABILITIES.maxTextLength).map((part) => ({
          ...to,
          type: "text",
          text: { preview_url: false, body: part },
        }))
      : [
          {
            ...to,
            type: "template",
            template: { name: template?.name, language: { code: template?.language } },
          },
        ];
    let lastId: string | undefined;
    try {
      lastId = await sendParts<Record<string, unknown>>(this.deps.database, message, bodies, async (body) => {
        const response = await this.deps.graph.post(
          `${encodeURIComponent(access.phoneNumberId)}/messages`,
          access.credentials.accessToken,
          body,
        );
        return sendResponse.parse(response).messages[0]?.id;
      });
    } catch (err) {
      if (err instanceof DeliveryError && err.code === REPLY_WINDOW_CLOSED) {
        await flagReplyWindowClosed(this.deps.database, message.messageId);
      }
      throw err;
    }
    return { state: "sent", channelMessageId: lastId };
  }

  /** Blue ticks for a Cloud API message; a linked device's phone shows its own. */
  async markSeen(account: ChannelAccountRef, _threadKey: string, wamid: string | null): Promise<void> {
    if (!wamid || whatsappTransport(account) === "linked_device") return;
    await this.markRead(account, wamid);
  }

  /** Shows the customer's message as read (blue ticks), as a person reading it would. */
  async markRead(account: ChannelAccountRef, wamid: string): Promise<void> {
    const access = whatsappAccess(this.deps.secrets, account);
    await this.deps.graph.post(
      `${encodeURIComponent(access.phoneNumberId)}/messages`,
      access.credentials.accessToken,
      {
        messaging_product: "whatsapp",
        status: "read",
        message_id: wamid,
      },
    );
  }
}
