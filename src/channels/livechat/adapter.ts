import {
  type ChannelAccountRef,
  type ChannelAdapter,
  type ChannelCapabilities,
  HOUR_MS,
} from "../../core/channel.js";
import type { Database } from "../../db/client.js";
import { conversationKey } from "./ids.js";

export const LIVECHAT_CAPABILITIES: ChannelCapabilities = {
  maxTextLength: 10_000,
  quickReplies: true,
  typingIndicator: true,
  replyWindowMs: null,
  inactivityLifetimeMs: 24 * HOUR_MS,
  reopensAfterClose: false,
  deliveredOnCommit: true,
};

/** NOTIFY channel telling the replica that holds a visitor's socket to show "typing…" there. */
export const TYPING_CHANNEL = "parley_livechat_typing";

export interface LivechatAdapter extends ChannelAdapter {
  /** The agent started working on an answer: Web Chat shows its typing indicator until the reply. */
  typing(account: ChannelAccountRef, threadKey: string): Promise<void>;
}

/**
 * Delivery for live chat has nothing to send anywhere: the reply row is the activity, visible
 * to GET /activities the moment it committed, and the NOTIFY of that commit already woke the
 * visitor's socket. So a reply is delivered when it is committed.
 */
export function createLivechatAdapter(database: Database): LivechatAdapter {
  return {
    kind: "livechat",
    capabilities: LIVECHAT_CAPABILITIES,
    async send() {
      return { state: "delivered" };
    },
    async typing(account, threadKey) {
      await database.notify(TYPING_CHANNEL, conversationKey(account.id, threadKey));
    },
  };
}
