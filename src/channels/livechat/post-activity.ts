import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { InboundMessage } from "../../core/channel.js";
import type { Metrics } from "../../core/metrics.js";
import { receiveInbound } from "../../core/receive.js";
import { UNREADABLE } from "../../core/unreadable-message.js";
import type { Database } from "../../db/client.js";
import type { Attachment } from "../../db/schema.js";
import { badRequest } from "../../http/errors.js";
import type { DirectLineConversation } from "./auth.js";
import { activityId, transientActivityId } from "./ids.js";

/** Longest visitor message we store; longer text is refused rather than silently cut. */
export const MAX_INBOUND_TEXT = 10_000;

const attachmentSchema = z.looseObject({
  contentType: z.string().min(1).max(255),
  contentUrl: z.string().max(2048).nullish(),
  name: z.string().max(255).nullish(),
});

/** The fields of a posted Activity we read; the rest is allowed and ignored (clients send many). */
export const postedActivitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(255).nullish(),
  text: z.string().max(MAX_INBOUND_TEXT).nullish(),
  from: z.looseObject({ id: z.string().max(255).nullish(), name: z.string().max(255).nullish() }).nullish(),
  locale: z.string().max(64).nullish(),
  channelData: z.record(z.string(), z.unknown()).nullish(),
  attachments: z.array(attachmentSchema).max(20).nullish(),
});

export type PostedActivity = z.infer<typeof postedActivitySchema>;

export interface PostDeps {
  database: Database;
  metrics?: Metrics | undefined;
}

/**
 * A posted activity: a message becomes a customer message (stored once, however often it is
 * posted); typing, events and the like are acknowledged and dropped, as nothing acts on them.
 */
export async function postActivity(
  deps: PostDeps,
  conversation: DirectLineConversation,
  activity: PostedActivity,
  uploaded: Attachment[] = [],
): Promise<{ id: string }> {
  if (activity.type !== "message") return { id: transientActivityId(conversation.conversationId) };
  const text = activity.text ?? "";
  const attachments: Attachment[] = [
    ...(activity.attachments ?? []).map((a) => ({
      contentType: a.contentType,
      ...(a.contentUrl ? { url: a.contentUrl } : {}),
      ...(a.name ? { name: a.name } : {}),
    })),
    ...uploaded,
  ];
  if (!text.trim() && attachments.length === 0) {
    throw badRequest("A message activity needs `text` or at least one attachment.", "empty_message");
  }
  const inbound = toInboundMessage(conversation, activity, text, attachments);
  const received = await receiveInbound(deps.database, inbound);
  deps.metrics?.inboundMessages.inc({ channel: "livechat", duplicate: String(received.duplicate) });
  return { id: activityId(conversation.conversationId, received.seq) };
}

/**
 * Web Chat gives every activity a `channelData.clientActivityID` and posts it again when it
 * retries; that (or the client's own activity id) is the message's identity, scoped to the
 * conversation so one visitor can never collide with, or read back, another's message.
 */
function idempotencyKey(activity: PostedActivity): string {
  const clientActivityId = activity.channelData?.clientActivityID;
  if (typeof clientActivityId === "string" && clientActivityId) return clientActivityId;
  return activity.id ?? randomUUID();
}

function toInboundMessage(
  conversation: DirectLineConversation,
  activity: PostedActivity,
  text: string,
  attachments: Attachment[],
): InboundMessage {
  const { account, conversationId } = conversation;
  const locale = activity.locale || conversation.locale;
  const name = activity.from?.name?.trim() || conversation.userName;
  // Files without a word: the agent reads text only, so it answers that it cannot read them.
  const channelData = text.trim() ? activity.channelData : { ...activity.channelData, [UNREADABLE]: true };
  return {
    channelAccountId: account.id,
    workspaceId: account.workspaceId,
    threadKey: conversationId,
    contact: {
      // A token vouches for its user, so a posted `from.id` cannot claim to be someone else.
      externalId: conversation.userId,
      ...(name ? { name } : {}),
      ...(locale ? { locale } : {}),
    },
    channelMessageId: `${conversationId}:${idempotencyKey(activity)}`,
    text,
    attachments,
    ...(locale ? { locale } : {}),
    ...(channelData ? { channelData } : {}),
  };
}
