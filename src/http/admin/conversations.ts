import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { channelAccounts, contacts, conversations, messages } from "../../db/schema.js";
import { notFound } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import {
  newestFirst,
  olderThan,
  pageQuerySchema,
  readCursor,
  timeKeySchema,
  timeKeyText,
  toPage,
} from "./pagination.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  conversationListQuerySchema,
  conversationPageSchema,
  conversationSchema,
  messagePageSchema,
} from "./schemas/conversations.js";

const conversationColumns = {
  id: conversations.id,
  status: conversations.status,
  holder: conversations.holder,
  holderId: conversations.holderId,
  agentId: conversations.agentId,
  language: conversations.language,
  handoffReason: conversations.handoffReason,
  lastActivityAt: conversations.lastActivityAt,
  closedAt: conversations.closedAt,
  closeReason: conversations.closeReason,
  createdAt: conversations.createdAt,
  channelAccount: { id: channelAccounts.id, kind: channelAccounts.kind, name: channelAccounts.name },
  contact: { id: contacts.id, externalId: contacts.externalId, name: contacts.name, email: contacts.email },
};

type ConversationRow = Pick<
  typeof conversations.$inferSelect,
  Exclude<keyof typeof conversationColumns, "channelAccount" | "contact">
> & {
  channelAccount: Pick<typeof channelAccounts.$inferSelect, "id" | "kind" | "name">;
  contact: Pick<typeof contacts.$inferSelect, "id" | "externalId" | "name" | "email">;
};

const conversationJson = (row: ConversationRow) => ({
  ...row,
  lastActivityAt: row.lastActivityAt.toISOString(),
  closedAt: row.closedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});

const messageColumns = {
  id: messages.id,
  seq: messages.seq,
  direction: messages.direction,
  authorKind: messages.authorKind,
  authorId: messages.authorId,
  text: messages.text,
  attachments: messages.attachments,
  citations: messages.citations,
  language: messages.language,
  deliveryState: messages.deliveryState,
  deliveryError: messages.deliveryError,
  createdAt: messages.createdAt,
};

/** Messages are listed oldest first, in the order of their thread. */
const seqKeySchema = z.tuple([z.number().int().nonnegative()]);

const ids = { conversationId: "conversation" };
const inWorkspace = (workspaceId: string, conversationId: string) =>
  and(eq(conversations.id, conversationId), eq(conversations.workspaceId, workspaceId));

export function conversationRoutes({ database }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Conversations";
  /** `key` is the list's sort key; a single conversation leaves it unused. */
  const selectConversations = () =>
    db
      .select({ ...conversationColumns, key: timeKeyText(conversations.lastActivityAt) })
      .from(conversations)
      .innerJoin(channelAccounts, eq(channelAccounts.id, conversations.channelAccountId))
      .innerJoin(contacts, eq(contacts.id, conversations.contactId));
  return [
    defineRoute({
      method: "get",
      path: "/conversations",
      operationId: "listConversations",
      tag,
      summary: "List conversations",
      description: "Most recent activity first.",
      query: conversationListQuerySchema,
      status: 200,
      response: conversationPageSchema,
      responseDescription: "A page of conversations.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await selectConversations()
          .where(
            and(
              eq(conversations.workspaceId, workspaceId),
              query.status && eq(conversations.status, query.status),
              query.channelAccountId ? eq(conversations.channelAccountId, query.channelAccountId) : undefined,
              query.holder && eq(conversations.holder, query.holder),
              after && olderThan(conversations.lastActivityAt, conversations.id, after),
            ),
          )
          .orderBy(...newestFirst(conversations.lastActivityAt, conversations.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => conversationJson(r),
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/conversations/:conversationId",
      operationId: "getConversation",
      tag,
      summary: "Get a conversation",
      ids,
      status: 200,
      response: conversationSchema,
      responseDescription: "The conversation.",
      async handle({ workspaceId, ids }) {
        const [row] = await selectConversations().where(inWorkspace(workspaceId, ids.conversationId));
        if (!row) throw notFound("conversation");
        const { key: _, ...conversation } = row;
        return conversationJson(conversation);
      },
    }),
    defineRoute({
      method: "get",
      path: "/conversations/:conversationId/messages",
      operationId: "listConversationMessages",
      tag,
      summary: "List a conversation's messages",
      description: "Oldest first, in the order the channel thread holds them.",
      ids,
      query: pageQuerySchema,
      status: 200,
      response: messagePageSchema,
      responseDescription: "A page of messages.",
      async handle({ workspaceId, ids, query }) {
        const after = readCursor(query.cursor, seqKeySchema);
        const [conversation] = await db
          .select({ id: conversations.id })
          .from(conversations)
          .where(inWorkspace(workspaceId, ids.conversationId));
        if (!conversation) throw notFound("conversation");
        const rows = await db
          .select(messageColumns)
          .from(messages)
          .where(
            and(
              eq(messages.conversationId, conversation.id),
              eq(messages.workspaceId, workspaceId),
              after && gt(messages.seq, after[0]),
            ),
          )
          .orderBy(asc(messages.seq))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.seq],
          (r) => ({ ...r, createdAt: r.createdAt.toISOString() }),
        );
      },
    }),
  ];
}
