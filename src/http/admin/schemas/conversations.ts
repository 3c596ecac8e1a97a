import { z } from "zod";
import { CHANNEL_KINDS, conversations, type DeliveryState, messages } from "../../../db/schema.js";
import { pageQuerySchema } from "../pagination.js";
import { objectId, pageSchema, responseSchemas, timestamp, uuid } from "./common.js";

const status = z.enum(conversations.status.enumValues);
const holder = z
  .enum(conversations.holder.enumValues)
  .describe("Who holds the conversation: the AI agent, a user, a team, or nobody (the unassigned queue).");

export const INBOX_VIEWS = ["all", "unassigned", "mine", "my_teams"] as const;

export const conversationListQuerySchema = pageQuerySchema.extend({
  view: z
    .enum(INBOX_VIEWS)
    .default("all")
    .describe(
      "The inbox: `unassigned` (the queue: open, held by nobody), `mine` (held by the person), " +
        "`my_teams` (held by a team the person is in, or by one of its members), `all`.",
    ),
  userId: uuid
    .optional()
    .describe("The person `mine` and `my_teams` are about; a person's own token implies it."),
  status: status.optional(),
  channelAccountId: uuid.optional().describe("Only conversations in this channel account."),
  channelKind: z.enum(CHANNEL_KINDS).optional().describe("Only conversations on this kind of channel."),
  agentId: uuid.optional().describe("Only conversations of this AI agent."),
  holder: holder.optional(),
});

export const conversationSchema = z
  .object({
    id: objectId,
    status,
    holder,
    holderId: z.string().nullable().describe("The user or team holding it, when one does."),
    agentId: objectId.nullable(),
    language: z.string().nullable().describe("The language the conversation is held in, once known."),
    handoffReason: z.string().nullable(),
    handedOffAt: timestamp.nullable().describe("When it first went to people; null if it never did."),
    lastActivityAt: timestamp,
    closedAt: timestamp.nullable(),
    closeReason: z.string().nullable(),
    resolvedBy: z.enum(["agent", "person"]).nullable(),
    chargedAt: timestamp.nullable().describe("When it cost credits; null if it has not."),
    preview: z.boolean().describe("An admin's preview of an agent: never charged."),
    createdAt: timestamp,
    channelAccount: z.object({ id: objectId, kind: z.enum(CHANNEL_KINDS), name: z.string() }),
    contact: z.object({
      id: objectId,
      externalId: z.string().describe("The person's id on the channel: PSID, wa_id, chat user id, email."),
      name: z.string().nullable(),
      email: z.string().nullable(),
    }),
  })
  .register(responseSchemas, { id: "Conversation" });

export const conversationPageSchema = pageSchema(conversationSchema, "ConversationPage");

/** Every delivery state with its meaning; a Record, so a state added to the model must be described here. */
const DELIVERY_STATES: Record<DeliveryState, string> = {
  received: "inbound, stored and waiting for the agent",
  processed: "inbound, handled",
  skipped: "inbound, deliberately left unanswered",
  pending: "outbound, waiting to be sent",
  sent: "outbound, accepted by the channel",
  delivered: "outbound, delivered to the customer",
  read: "outbound, read by the customer",
  failed: "outbound, could not be delivered (see deliveryError)",
};

const attachmentSchema = z.object({
  name: z.string().optional(),
  contentType: z.string(),
  url: z.string().optional(),
  size: z.number().int().optional(),
});

const citationSchema = z.object({
  kind: z.enum(["short_answer", "article"]),
  id: objectId,
  title: z.string(),
  url: z.string().optional(),
});

export const messageSchema = z
  .object({
    id: objectId,
    seq: z.number().int().describe("The message's place in its channel thread; messages are listed by it."),
    direction: z.enum(messages.direction.enumValues),
    authorKind: z.enum(messages.authorKind.enumValues),
    authorId: z.string().nullable(),
    text: z.string(),
    attachments: z.array(attachmentSchema),
    citations: z.array(citationSchema).describe("The sources an agent's answer came from."),
    language: z.string().nullable(),
    deliveryState: z.enum(Object.keys(DELIVERY_STATES) as [DeliveryState, ...DeliveryState[]]).describe(
      Object.entries(DELIVERY_STATES)
        .map(([state, meaning]) => `\`${state}\`: ${meaning}`)
        .join("; "),
    ),
    deliveryError: z.string().nullable(),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: "Message" });

export const messagePageSchema = pageSchema(messageSchema, "MessagePage");
