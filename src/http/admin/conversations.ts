import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { channelAccounts, contacts, conversations, messages } from "../../db/schema.js";
import { badRequest, notFound } from "../errors.js";
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
  type INBOX_VIEWS,
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
  handedOffAt: conversations.handedOffAt,
  lastActivityAt: conversations.lastActivityAt,
  closedAt: conversations.closedAt,
  closeReason: conversations.closeReason,
  resolvedBy: conversations.resolvedBy,
  chargedAt: conversations.chargedAt,
  preview: conversations.preview,
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
  handedOffAt: row.handedOffAt?.toISOString() ?? null,
  chargedAt: row.chargedAt?.toISOString() ?? null,
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

/** The inbox views as conditions; `mine` and `my_teams` need to know whose. */
function inboxView(view: (typeof INBOX_VIEWS)[number], userId: string | null | undefined): SQL | undefined {
  if (view === "all") return undefined;
  if (view === "unassigned")
    return sql`${conversations.status} = 'open' AND ${conversations.holder} = 'nobody'`;
  if (!userId) {
    throw badRequest(
      `view: "${view}" needs a person: use a person's token, or say whose with userId.`,
      "invalid_request",
    );
  }
  if (view === "mine") return sql`${conversations.holder} = 'user' AND ${conversations.holderId} = ${userId}`;
  const myTeams = sql`SELECT team_id::text FROM team_members WHERE user_id = ${userId}::uuid`;
  const teammates = sql`SELECT m2.user_id::text FROM team_members m1
                        JOIN team_members m2 ON m2.team_id = m1.team_id WHERE m1.user_id = ${userId}::uuid`;
  return sql`((${conversations.holder} = 'team' AND ${conversations.holderId} IN (${myTeams}))
              OR (${conversations.holder} = 'user' AND ${conversations.holderId} IN (${teammates})))`;
}

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
      async handle({ workspaceId, query, userId }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await selectConversations()
          .where(
            and(
              eq(conversations.workspaceId, workspaceId),
              inboxView(query.view, query.userId ?? userId),
              query.status && eq(conversations.status, query.status),
              query.channelAccountId ? eq(conversations.channelAccountId, query.channelAccountId) : undefined,
              query.channelKind ? eq(channelAccounts.kind, query.channelKind) : undefined,
              query.agentId ? eq(conversations.agentId, query.agentId) : undefined,
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
