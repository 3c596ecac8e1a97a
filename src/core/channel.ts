import type { Attachment, ChannelKind, Citation } from "../db/schema.js";

/**
 * The contract between the core and a channel adapter. Adapters know their platform and
 * nothing else; the core knows these shapes and the declared capabilities, never the platform.
 */

/** A customer's message as the adapter understood it, before the core has stored it. */
export interface InboundMessage {
  channelAccountId: string;
  workspaceId: string;
  /** The channel's own thread: Direct Line conversation id, PSID, wa_id, email thread root. */
  threadKey: string;
  contact: {
    externalId: string;
    name?: string | undefined;
    email?: string | undefined;
    locale?: string | undefined;
  };
  /** The channel's id for this message; a redelivery carries the same id and is ignored. */
  channelMessageId: string;
  text: string;
  attachments?: Attachment[] | undefined;
  /** An explicit language signal from the client (the live chat's browser language). */
  locale?: string | undefined;
  /** Extras the adapter wants back when it renders this message (e.g. Direct Line channelData). */
  channelData?: Record<string, unknown> | undefined;
}

/** What the core asks an adapter to deliver. */
export interface OutboundDelivery {
  messageId: string;
  threadKey: string;
  contactExternalId: string;
  text: string;
  citations: Citation[];
  language: string | null;
  authorKind: "agent" | "user" | "system";
  /** The inbound message this answers, with its channel id (for reply threading). */
  inReplyTo?: { channelMessageId: string | null; channelData: Record<string, unknown> } | undefined;
  channelData: Record<string, unknown>;
}

export interface ChannelAccountRef {
  id: string;
  workspaceId: string;
  kind: ChannelKind;
  externalId: string;
  name: string;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface SendResult {
  /** The platform's id for what was sent, when it gives one. */
  channelMessageId?: string | undefined;
  state: "sent" | "delivered";
}

/** Thrown by send(): `permanent` failures are recorded and never retried. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
    /**
     * This process cannot send it, another one can (a linked device driven elsewhere): handing
     * it on is not a failed attempt, so it does not use up the message's attempts.
     */
    readonly elsewhere = false,
  ) {
    super(message);
  }
}

export interface ChannelCapabilities {
  /** Longest text one platform message may hold; longer text is split by the adapter. */
  maxTextLength: number;
  quickReplies: boolean;
  typingIndicator: boolean;
  /** How long after the customer's last message free text may be sent, if limited. */
  replyWindowMs: number | null;
  /** Silence after which a conversation closes: 24 h for chat channels, 72 h for email. */
  inactivityLifetimeMs: number;
  /** Whether a message after the close reopens the old conversation (email) or starts a new one. */
  reopensAfterClose: boolean;
  /**
   * The reply reaches the customer by being committed (the live chat reads its activities from
   * the database), so it needs no outbox round and is stored as delivered.
   */
  deliveredOnCommit?: boolean | undefined;
}

export interface ChannelAdapter {
  readonly kind: ChannelKind;
  readonly capabilities: ChannelCapabilities;
  send(account: ChannelAccountRef, message: OutboundDelivery): Promise<SendResult>;
  /** Shows the customer that the agent is working on an answer (typing indicator), where the platform can. */
  typing?(account: ChannelAccountRef, threadKey: string): Promise<void>;
  /**
   * Shows the customer their message was seen (Messenger's "seen", WhatsApp's blue ticks), where
   * the platform can. The worker calls it when it takes the message up, not the webhook: the
   * acknowledgement stays one INSERT, and "seen" means Parley has actually read it.
   */
  markSeen?(account: ChannelAccountRef, threadKey: string, channelMessageId: string | null): Promise<void>;
}

export const HOUR_MS = 3_600_000;

/**
 * What a channel brings to the composition root: its adapter, and optionally HTTP routes,
 * WebSocket upgrades and background work of its own (an IMAP reader, say).
 */
export interface ChannelModule {
  readonly adapter: ChannelAdapter;
  readonly router?: import("@koa/router").default | undefined;
  /** Takes a WebSocket upgrade if the path is the channel's; returns false to leave it to others. */
  handleUpgrade?(
    req: import("node:http").IncomingMessage,
    socket: import("node:stream").Duplex,
    head: Buffer,
  ): boolean;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
