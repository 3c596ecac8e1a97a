import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
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
export const CHARGE_RULES = ["first-agent-reply", "resolution"] as const;
export type ChargeRule = (typeof CHARGE_RULES)[number];
export const LEDGER_KINDS = ["grant", "charge", "adjustment"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];
/** Why a conversation ended. */
export const CLOSE_REASONS = [
  "inactivity",
  "resolved_by_agent",
  "closed_by_person",
  "helpdesk_ticket",
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
export type EventDeliveryState = "pending" | "delivered" | "failed" | "none";
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
  /** Where Parley POSTs its signed events (hand-off, low credit balance); none when null. */
  webhookUrl: text(),
  /** The HMAC key for the `parley-signature` header of those events. */
  webhookSecret: text(),
  /** The team's business hours (see core/availability/business-hours.ts); always open when null. */
  businessHours: jsonb().$type<Record<string, unknown>>(),
  /** Admin-edited availability messages: state → language → text. */
  availabilityMessages: jsonb().$type<Record<string, Record<string, string>>>().notNull().default({}),
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
  /** A person's own token (their inbox is "mine"); workspace admin tokens have none. */
  userId: uuid().references((): AnyPgColumn => users.id, { onDelete: "cascade" }),
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
    /** What happens when the agent should not or cannot answer (see core/handoff/settings.ts). */
    handoff: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** The round-robin cursor of its "assign to specific users and teams" route. */
    lastAssignedUserId: uuid(),
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
    /** An agent's preview inbox: its conversations never charge and it is not listed as a channel. */
    isPreview: boolean().notNull().default(false),
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
    ownerUserId: uuid().references((): AnyPgColumn => users.id, { onDelete: "set null" }),
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
    /** When the conversation first went to people (null: the agent never handed it off). */
    handedOffAt: ts(),
    /** When the agent asked the customer to rephrase; it asks once before it transfers. */
    rephraseRequestedAt: ts(),
    /** Where the helpdesk-ticket dialogue stands (asking whether they want a person, then the email). */
    handoffStep: text({ enum: ["ask_wants_person", "ask_email"] }),
    lastActivityAt: now(),
    /** Set in the same statement as the charge's ledger entry. */
    chargedAt: ts(),
    /** A conversation in an agent's preview: it never costs credits. */
    preview: boolean().notNull().default(false),
    closedAt: ts(),
    closeReason: text({ enum: CLOSE_REASONS }).$type<CloseReason>(),
    /** Who resolved it: the agent (it answered and never handed off) or a person. */
    resolvedBy: text({ enum: ["agent", "person"] }),
    createdAt: now(),
  },
  (t) => [
    uniqueIndex("conversations_one_open_per_thread_uq").on(t.threadId).where(sql`status = 'open'`),
    index("conversations_workspace_activity_idx").on(t.workspaceId, t.lastActivityAt),
    index("conversations_open_activity_idx").on(t.lastActivityAt).where(sql`status = 'open'`),
    index("conversations_inbox_idx").on(t.workspaceId, t.holder, t.holderId).where(sql`status = 'open'`),
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
    // Partial, as the next one: an inbound message has no in_reply_to_id, and has no conversation
    // when it is stored, so a NULL entry in each for every message stored was work for nothing.
    uniqueIndex("messages_one_reply_per_inbound_uq").on(t.inReplyToId).where(sql`in_reply_to_id IS NOT NULL`),
    uniqueIndex("messages_thread_seq_uq").on(t.threadId, t.seq),
    index("messages_conversation_idx").on(t.conversationId, t.seq).where(sql`conversation_id IS NOT NULL`),
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
  // By language too: retrieval lists an agent's content languages by skipping through it.
  (t) => [index("short_answers_agent_language_idx").on(t.agentId, t.language)],
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
    /**
     * The body's paragraphs (split as retrieval splits them) lexed one by one, in order; kept by
     * the same trigger as `searchVector`, so a question never lexes a candidate article again.
     */
    paragraphVectors: tsvector().array(),
    createdAt: now(),
    updatedAt: now(),
  },
  // By language too: retrieval lists an agent's content languages by skipping through it.
  (t) => [index("knowledge_articles_agent_language_idx").on(t.agentId, t.language)],
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

/**
 * A workspace's credits. `balance` is only ever changed by inserting into `credit_ledger`
 * (a trigger applies each entry), so the balance is always the sum of its ledger.
 */
export const creditAccounts = pgTable("credit_accounts", {
  workspaceId: uuid()
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  balance: bigint({ mode: "number" }).notNull().default(0),
  pricePerConversation: integer().notNull().default(1),
  chargeRule: text({ enum: CHARGE_RULES }).$type<ChargeRule>().notNull().default("first-agent-reply"),
  /** Below this balance a `credits.low_balance` event goes out, once per crossing. */
  lowBalanceThreshold: bigint({ mode: "number" }),
  updatedAt: now(),
});

/** Append-only: every change of a balance, with its reason and the conversation it concerns. */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    kind: text({ enum: LEDGER_KINDS }).$type<LedgerKind>().notNull(),
    /** Positive for grants, negative for charges. */
    amount: bigint({ mode: "number" }).notNull(),
    /**
     * The balance once this entry was applied; null while it waits. Grants and adjustments are
     * applied as they are inserted, charges a moment later in batches (core/charge-applier.ts).
     */
    balanceAfter: bigint({ mode: "number" }),
    reason: text().notNull(),
    conversationId: uuid(),
    /** Who caused it: `system`, or the admin token's name. */
    actor: text().notNull(),
    createdAt: now(),
  },
  (t) => [
    uniqueIndex("credit_ledger_one_charge_per_conversation_uq")
      .on(t.conversationId)
      .where(sql`kind = 'charge'`),
    index("credit_ledger_workspace_idx").on(t.workspaceId, t.id),
    /** The entries still to apply: few at any moment, found without reading the ledger. */
    index("credit_ledger_pending_idx").on(t.workspaceId, t.id).where(sql`balance_after IS NULL`),
  ],
);

/** Who did what, when: pauses, resumes, grants, price changes, hand-off settings. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    actor: text().notNull(),
    action: text().notNull(),
    subjectType: text().notNull(),
    subjectId: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: now(),
  },
  (t) => [index("audit_log_workspace_idx").on(t.workspaceId, t.id)],
);

/**
 * Things that happened (a conversation closed, a hand-off, a low balance), written in the same
 * statement as the change itself, and delivered from here as signed webhooks with retries.
 */
export const events = pgTable(
  "events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    type: text().notNull(),
    conversationId: uuid(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: now(),
    webhookState: text().$type<EventDeliveryState>().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    availableAt: now(),
    leaseOwner: text(),
    leaseUntil: ts(),
    lastError: text(),
    deliveredAt: ts(),
  },
  (t) => [
    index("events_pending_idx").on(t.availableAt).where(sql`webhook_state = 'pending'`),
    index("events_workspace_idx").on(t.workspaceId, t.id),
  ],
);

/** Support staff: they pick up handed-off conversations. Presence lives here, shared by all replicas. */
export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text().notNull(),
    email: text().notNull(),
    status: text({ enum: ["available", "away"] })
      .notNull()
      .default("available"),
    /** The most open conversations they take at once; null is no limit. */
    maxOpenConversations: integer(),
    avatarUrl: text(),
    createdAt: now(),
  },
  (t) => [uniqueIndex("users_workspace_email_uq").on(t.workspaceId, t.email)],
);

export const teams = pgTable("teams", {
  id: uuid().primaryKey().defaultRandom(),
  workspaceId: uuid()
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  name: text().notNull(),
  /** The team's own hours; the workspace's apply when null. */
  businessHours: jsonb().$type<Record<string, unknown>>(),
  createdAt: now(),
});

export const teamMembers = pgTable(
  "team_members",
  {
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_idx").on(t.userId)],
);

/** A person's note on a conversation: for the team only, never sent to the customer. */
export const conversationNotes = pgTable(
  "conversation_notes",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    text: text().notNull(),
    createdAt: now(),
  },
  (t) => [index("conversation_notes_conversation_idx").on(t.conversationId, t.createdAt)],
);

/** A helpdesk ticket to create (Zendesk, Gorgias) or created; one per conversation, retried with backoff. */
export const helpdeskTickets = pgTable(
  "helpdesk_tickets",
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    conversationId: uuid()
      .notNull()
      .unique()
      .references(() => conversations.id, { onDelete: "cascade" }),
    provider: text({ enum: ["builtin", "zendesk", "gorgias"] }).notNull(),
    state: text({ enum: ["pending", "created", "failed"] })
      .notNull()
      .default("pending"),
    requesterEmail: text().notNull(),
    externalId: text(),
    url: text(),
    attempts: integer().notNull().default(0),
    availableAt: now(),
    leaseOwner: text(),
    leaseUntil: ts(),
    lastError: text(),
    createdAt: now(),
    updatedAt: now(),
  },
  (t) => [index("helpdesk_tickets_pending_idx").on(t.availableAt).where(sql`state = 'pending'`)],
);

/**
 * A platform's delivery report for a message id we do not know yet: WhatsApp's `sent` status can
 * overtake the response of the very send that produced the id. It waits here until the delivery
 * worker records the id (then it is applied), or for a day (then it was never ours).
 */
export const earlyDeliveryReports = pgTable(
  "early_delivery_reports",
  {
    channelAccountId: uuid()
      .notNull()
      .references(() => channelAccounts.id, { onDelete: "cascade" }),
    channelMessageId: text().notNull(),
    state: text({ enum: ["sent", "delivered", "read", "failed"] }).notNull(),
    error: text(),
    windowClosed: boolean().notNull().default(false),
    receivedAt: now(),
  },
  (t) => [
    primaryKey({ columns: [t.channelAccountId, t.channelMessageId, t.state] }),
    index("early_delivery_reports_received_idx").on(t.receivedAt),
  ],
);
