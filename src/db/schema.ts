import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * One schema for PostgreSQL and PGlite. Every side effect that must happen once has a
 * unique key here (the channel's message id, one reply per inbound message, one work row
 * per thread), so retries and redeliveries are made harmless by the database itself.
 */

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
const now = () => timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow();
const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const AGENT_ROLES = ["customer_service", "marketing_specialist", "sales_representative"] as const;
export const AGENT_PERSONALITIES = ["friendly", "professional", "casual", "empathetic", "witty"] as const;
export const CHANNEL_KINDS = ["livechat", "messenger", "whatsapp", "email"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type ConversationHolder = "agent" | "user" | "team" | "nobody";
export type AuthorKind = "contact" | "agent" | "user" | "system";
export type DeliveryState =
  | "received"
  | "processed"
  | "skipped"
  | "pending"
  | "sent"
  | "delivered"
  | "read"
  | "failed";

export interface Attachment {
  name?: string | undefined;
  contentType: string;
  url?: string | undefined;
  size?: number | undefined;
}
export interface SenderHints {
  name?: string | undefined;
  email?: string | undefined;
  locale?: string | undefined;
  /** An explicit language signal for this message (the live chat's browser language). */
  messageLocale?: string | undefined;
}
export interface Citation {
  kind: "short_answer" | "article";
  id: string;
  title: string;
  url?: string | undefined;
}

export const workspaces = pgTable("workspaces", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  createdAt: now(),
});

/** Process-wide settings shared by every replica (e.g. the key that signs live-chat tokens). */
export const instanceSettings = pgTable("instance_settings", {
  key: text().primaryKey(),
  value: text().notNull(),
});

export const apiTokens = pgTable("api_tokens", {
  id: uuid().primaryKey().defaultRandom(),
  workspaceId: uuid()
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  name: text().notNull(),
  /** sha256 of the token; the token itself is shown once and never stored. */
  tokenHash: text().notNull().unique(),
  createdAt: now(),
  lastUsedAt: ts(),
});

export const agents = pgTable(
  "agents",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text().notNull(),
    role: text({ enum: AGENT_ROLES }).notNull().default("customer_service"),
    personality: text({ enum: AGENT_PERSONALITIES }).notNull().default("friendly"),
    brandVoice: text(),
    status: text({ enum: ["active", "paused"] })
      .notNull()
      .default("active"),
    citationsEnabled: boolean().notNull().default(true),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("agents_workspace_idx").on(t.workspaceId)],
);

export const channelAccounts = pgTable(
  "channel_accounts",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text({ enum: CHANNEL_KINDS }).notNull(),
    name: text().notNull(),
    /** The platform's id for this inbox: widget id, page id, phone_number_id, mailbox address. */
    externalId: text().notNull(),
    credentials: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    agentId: uuid().references(() => agents.id, { onDelete: "set null" }),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [
    uniqueIndex("channel_accounts_kind_external_uq").on(t.kind, t.externalId),
    index("channel_accounts_workspace_idx").on(t.workspaceId),
  ],
);

export const contacts = pgTable(
  "contacts",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    /** The person's id on the channel: PSID, wa_id, Direct Line user id, email address. */
    externalId: text().notNull(),
    name: text(),
    email: text(),
    locale: text(),
    ownerUserId: text(),
    createdAt: now(),
  },
  (t) => [uniqueIndex("contacts_account_external_uq").on(t.channelAccountId, t.externalId)],
);

/**
 * A thread is the channel's own continuous line of talk: a Direct Line conversation, a
 * Messenger or WhatsApp chat, an email thread. Conversations are segments of it (a chat
 * thread gets a new conversation after 24 h of silence). The thread hands out `seq`
 * numbers under its row lock, so a thread's messages commit in `seq` order and a reader
 * that remembers the last `seq` (the Direct Line watermark) never skips one.
 */
export const channelThreads = pgTable(
  "channel_threads",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    threadKey: text().notNull(),
    contactExternalId: text().notNull(),
    contactId: uuid().references(() => contacts.id, { onDelete: "set null" }),
    lastSeq: bigint({ mode: "number" }).notNull().default(0),
    createdAt: now(),
  },
  (t) => [uniqueIndex("channel_threads_account_key_uq").on(t.channelAccountId, t.threadKey)],
);

export const conversations = pgTable(
  "conversations",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    threadId: uuid()
      .notNull()
      .references(() => channelThreads.id, { onDelete: "cascade" }),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    agentId: uuid().references(() => agents.id, { onDelete: "set null" }),
    status: text({ enum: ["open", "closed"] })
      .notNull()
      .default("open"),
    holder: text({ enum: ["agent", "user", "team", "nobody"] })
      .$type<ConversationHolder>()
      .notNull(),
    holderId: text(),
    language: text(),
    handoffReason: text(),
    lastActivityAt: now(),
    closedAt: ts(),
    closeReason: text(),
    createdAt: now(),
  },
  (t) => [
    uniqueIndex("conversations_one_open_per_thread_uq").on(t.threadId).where(sql`status = 'open'`),
    index("conversations_workspace_activity_idx").on(t.workspaceId, t.lastActivityAt),
  ],
);

export const messages = pgTable(
  "messages",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    threadId: uuid()
      .notNull()
      .references(() => channelThreads.id, { onDelete: "cascade" }),
    /** Set when the worker places an inbound message in a conversation; outbound ones have it at once. */
    conversationId: uuid().references(() => conversations.id, { onDelete: "cascade" }),
    seq: bigint({ mode: "number" }).notNull(),
    direction: text({ enum: ["in", "out"] }).notNull(),
    authorKind: text({ enum: ["contact", "agent", "user", "system"] })
      .$type<AuthorKind>()
      .notNull(),
    authorId: text(),
    text: text().notNull().default(""),
    attachments: jsonb().$type<Attachment[]>().notNull().default([]),
    citations: jsonb().$type<Citation[]>().notNull().default([]),
    language: text(),
    /** The channel's own id for this message (mid, wamid, Message-ID, Direct Line activity id). */
    channelMessageId: text(),
    /** For the agent's reply: the inbound message it answers. Unique, so a message is answered once. */
    inReplyToId: uuid(),
    deliveryState: text().$type<DeliveryState>().notNull(),
    deliveryError: text(),
    /** Channel extras the adapter needs back (Direct Line channelData, locale, email headers). */
    channelData: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** What the channel told us about the sender and their language; read by the worker. */
    senderHints: jsonb().$type<SenderHints>().notNull().default({}),
    processedAt: ts(),
    createdAt: now(),
  },
  (t) => [
    uniqueIndex("messages_channel_message_uq").on(t.channelAccountId, t.channelMessageId),
    uniqueIndex("messages_one_reply_per_inbound_uq").on(t.inReplyToId),
    uniqueIndex("messages_thread_seq_uq").on(t.threadId, t.seq),
    index("messages_conversation_idx").on(t.conversationId, t.seq),
    index("messages_unprocessed_idx")
      .on(t.threadId, t.seq)
      .where(sql`direction = 'in' AND processed_at IS NULL`),
  ],
);

export const shortAnswers = pgTable(
  "short_answers",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    question: text().notNull(),
    answer: text().notNull(),
    language: text().notNull().default("en"),
    /** Maintained by a trigger from `language`, question and answer (see the migration). */
    searchVector: tsvector(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("short_answers_agent_idx").on(t.agentId)],
);

export const knowledgeArticles = pgTable(
  "knowledge_articles",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    title: text().notNull(),
    body: text().notNull(),
    url: text(),
    language: text().notNull().default("en"),
    /** Private content informs answers but is never cited. */
    isPrivate: boolean().notNull().default(false),
    searchVector: tsvector(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("knowledge_articles_agent_idx").on(t.agentId)],
);

/** One row per thread with unprocessed inbound messages; claimed with a lease. */
export const threadWork = pgTable(
  "thread_work",
  {
    threadId: uuid()
      .primaryKey()
      .references(() => channelThreads.id, { onDelete: "cascade" }),
    availableAt: now(),
    leaseOwner: text(),
    leaseUntil: ts(),
    /** Bumped by every receive, so a worker only deletes the row if nothing arrived meanwhile. */
    version: integer().notNull().default(0),
    attempts: integer().notNull().default(0),
    lastError: text(),
  },
  (t) => [index("thread_work_available_idx").on(t.availableAt)],
);

/** Outbound messages waiting for their adapter's send(); one row per message. */
export const outbox = pgTable(
  "outbox",
  {
    messageId: uuid()
      .primaryKey()
      .references(() => messages.id, { onDelete: "cascade" }),
    threadId: uuid().notNull(),
    seq: bigint({ mode: "number" }).notNull(),
    availableAt: now(),
    leaseOwner: text(),
    leaseUntil: ts(),
    attempts: integer().notNull().default(0),
    lastError: text(),
  },
  (t) => [
    index("outbox_available_idx").on(t.availableAt),
    index("outbox_thread_seq_idx").on(t.threadId, t.seq),
  ],
);

/**
 * Where each email mailbox's reader stopped: the IMAP UIDVALIDITY and the highest UID handled.
 * A changed UIDVALIDITY means the server renumbered the mailbox, so the reader resynchronises
 * (Message-ID de-duplication keeps that from answering anything twice).
 */
export const emailCheckpoints = pgTable(
  "email_checkpoints",
  {
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    mailbox: text().notNull(),
    uidValidity: bigint({ mode: "number" }).notNull(),
    lastUid: bigint({ mode: "number" }).notNull(),
    updatedAt: now(),
  },
  (t) => [primaryKey({ columns: [t.channelAccountId, t.mailbox] })],
);
