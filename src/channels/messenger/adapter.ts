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
import { messengerAccess } from "./account.js";
import { messengerSendResponse } from "./send-response.js";

export const MESSENGER_CAPABILITIES: ChannelCapabilities = {
  maxTextLength: 2000,
  quickReplies: true,
  typingIndicator: true,
  replyWindowMs: 24 * HOUR_MS,
  inactivityLifetimeMs: 24 * HOUR_MS,
  reopensAfterClose: false,
};

/** How long after the customer's last message a person may still answer with the HUMAN_AGENT tag. */
const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR_MS;

export interface MessengerAdapterDeps {
  database: Database;
  clock: Clock;
  graph: GraphClient;
  secrets: SecretBox;
}

export type SenderAction = "typing_on" | "mark_seen";

/**
 * Sends through the Send API. Free text goes out as RESPONSE inside 24 h of the customer's last
 * message; after that only a person's reply may, tagged HUMAN_AGENT, when the account has that
 * permission. Anything else would be refused by Meta, so it fails here for good and the
 * conversation is flagged for a person.
 */
export class MessengerAdapter implements ChannelAdapter {
  readonly kind = "messenger" as const;
  readonly capabilities = MESSENGER_CAPABILITIES;

  constructor(private readonly deps: MessengerAdapterDeps) {}

  async send(account: ChannelAccountRef, message: OutboundDelivery): Promise<SendResult> {
    const access = messengerAccess(this.deps.secrets, account);
    const now = this.deps.clock.now();
    const window = await replyWindowFor(
      this.deps.database,
      message.messageId,
      MESSENGER_CAPABILITIES.replyWindowMs ?? 0,
      now,
    );
    const sinceLastInbound = window.lastInboundAt ? now.getTime() - window.lastInboundAt.getTime() : Infinity;
    const personMayTag =
      message.authorKind === "user" &&
      access.settings.humanAgentTag &&
      sinceLastInbound < HUMAN_AGENT_WINDOW_MS;
    if (!window.open && !personMayTag) {
      await flagReplyWindowClosed(this.deps.database, message.messageId);
      throw new DeliveryError(
        REPLY_WINDOW_CLOSED,
        "The customer has not written in the last 24 hours, so Messenger accepts no free text now.",
        true,
      );
    }
    const type = window.open
      ? { messaging_type: "RESPONSE" }
      : { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" };
    let lastId: string | undefined;
    try {
      const parts = splitText(message.text, MESSENGER_CAPABILITIES.maxTextLength);
      lastId = await sendParts(this.deps.database, message, parts, async (part) => {
        const response = await this.deps.graph.post("me/messages", access.credentials.pageAccessToken, {
          recipient: { id: message.threadKey },
          ...type,
          message: { text: part },
        });
        return messengerSendResponse.parse(response).message_id;
      });
    } catch (err) {
      if (err instanceof DeliveryError && err.code === REPLY_WINDOW_CLOSED) {
        await flagReplyWindowClosed(this.deps.database, message.messageId);
      }
      throw err;
    }
    return { state: "sent", channelMessageId: lastId };
  }

  markSeen(account: ChannelAccountRef, threadKey: string): Promise<void> {
    return this.senderAction(account, threadKey, "mark_seen");
  }

  /** Shown while the agent prepares an answer; Messenger clears it when the answer arrives. */
  typing(account: ChannelAccountRef, threadKey: string): Promise<void> {
    return this.senderAction(account, threadKey, "typing_on");
  }

  async senderAction(account: ChannelAccountRef, threadKey: string, action: SenderAction): Promise<void> {
    const { credentials } = messengerAccess(this.deps.secrets, account);
    await this.deps.graph.post("me/messages", credentials.pageAccessToken, {
      recipient: { id: threadKey },
      sender_action: action,
    });
  }
}
