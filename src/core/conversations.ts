import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { fromJsonRow } from "../db/json-rows.js";
import { type ConversationHolder, contacts, conversations, type SenderHints } from "../db/schema.js";
import type { ChannelCapabilities } from "./channel.js";
import { type AgentGate, agentGate, agentTakesSql } from "./credits.js";
import { closeConversations } from "./lifecycle.js";
import type { Metrics } from "./metrics.js";

export type ConversationRow = typeof conversations.$inferSelect;

/** Finds or creates the contact a thread's messages come from, refreshing what the channel told us. */
export async function upsertContact(
  tx: Tx,
  input: { workspaceId: string; channelAccountId: string; externalId: string; hints: SenderHints },
): Promise<string> {
  const { name, email, locale } = input.hints;
  const [row] = await tx
    .insert(contacts)
    .values({
      workspaceId: input.workspaceId,
      channelAccountId: input.channelAccountId,
      externalId: input.externalId,
      name: name ?? null,
      email: email ?? null,
      locale: locale ?? null,
    })
    .onConflictDoUpdate({
      target: [contacts.channelAccountId, contacts.externalId],
      set: {
        name: sql`coalesce(excluded.name, ${contacts.name})`,
        email: sql`coalesce(excluded.email, ${contacts.email})`,
        locale: sql`coalesce(excluded.locale, ${contacts.locale})`,
      },
    })
    .returning({ id: contacts.id });
  if (!row) throw new Error("contact upsert returned nothing");
  return row.id;
}

/**
 * The common case in one statement: the message continues the thread's open conversation, which
 * is still within the channel's lifetime (and the thread already points at its contact). It
 * refreshes the contact (only when the channel told us something new), moves the conversation's
 * language and last activity and places the message (done at once when nobody automated holds
 * the conversation: it waits for a person). The conversation is updated only while it is still
 * open and alive, so a close that won the race makes this return undefined and the caller takes
 * the general path.
 *
 * It never locks the thread row: storing a redelivered message locks the thread and then waits
 * on this message's index entries, so locking the thread after the message here would deadlock.
 */
const CONTINUE_CONVERSATION = `
  WITH contact AS (
    INSERT INTO contacts (workspace_id, channel_account_id, external_id, name, email, locale)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (channel_account_id, external_id) DO UPDATE
      SET name = coalesce(excluded.name, contacts.name),
          email = coalesce(excluded.email, contacts.email),
          locale = coalesce(excluded.locale, contacts.locale)
      WHERE (excluded.name IS NOT NULL AND excluded.name IS DISTINCT FROM contacts.name)
         OR (excluded.email IS NOT NULL AND excluded.email IS DISTINCT FROM contacts.email)
         OR (excluded.locale IS NOT NULL AND excluded.locale IS DISTINCT FROM contacts.locale)
    RETURNING id
  ), conv AS (
    UPDATE conversations SET language = $7, last_activity_at = $8::timestamptz
    WHERE id = $9 AND status = 'open'
      AND last_activity_at > $8::timestamptz - $10 * interval '1 millisecond'
    RETURNING *
  ), placed AS (
    UPDATE messages
    SET conversation_id = conv.id, language = $7,
        processed_at = CASE WHEN conv.holder = 'agent' AND conv.agent_id IS NOT NULL
                            THEN messages.processed_at ELSE $8::timestamptz END,
        delivery_state = CASE WHEN conv.holder = 'agent' AND conv.agent_id IS NOT NULL
                              THEN messages.delivery_state ELSE 'processed' END
    FROM conv
    WHERE messages.id = $11
    RETURNING messages.id
  )
  SELECT row_to_json(conv) AS conversation, (SELECT id FROM contact) AS contact_id
  FROM conv WHERE EXISTS (SELECT 1 FROM placed)`;

export async function continueConversation(
  database: Database,
  input: {
    message: {
      id: string;
      workspaceId: string;
      channelAccountId: string;
      threadId: string;
      senderHints: SenderHints;
    };
    contactExternalId: string;
    conversationId: string;
    language: string;
    lifetimeMs: number;
    now: Date;
  },
): Promise<{ conversation: ConversationRow; contactId: string | null } | undefined> {
  const { message } = input;
  const { name, email, locale } = message.senderHints;
  const [row] = await database.query<{ conversation: Record<string, unknown>; contact_id: string | null }>(
    CONTINUE_CONVERSATION,
    [
      message.workspaceId,
      message.channelAccountId,
      input.contactExternalId,
      name ?? null,
      email ?? null,
      locale ?? null,
      input.language,
      input.now.toISOString(),
      input.conversationId,
      input.lifetimeMs,
      message.id,
    ],
  );
  if (!row) return undefined;
  return { conversation: fromJsonRow<ConversationRow>(row.conversation), contactId: row.contact_id };
}

/**
 * A new conversation on a channel that does not reopen, in one statement, for the common case:
 * the account's agent takes it (it is active and the workspace has credits for one more
 * conversation, or it is a preview). It refreshes the contact, creates the conversation in the
 * message's language, places the message and points the thread at its contact. Undefined when
 * the agent does not take it (or is gone): the caller's general path then hands it to people and
 * tells the customer what to expect, in one transaction.
 *
 * The thread row is locked first, in the order storing a message takes its locks (thread, then
 * the message's index entries): a redelivery arriving meanwhile waits instead of deadlocking.
 */
const START_CONVERSATION = `
  WITH thread AS (
    SELECT id FROM channel_threads WHERE id = $9 FOR NO KEY UPDATE
  ), contact AS (
    INSERT INTO contacts (workspace_id, channel_account_id, external_id, name, email, locale)
    SELECT $1, $2, $3, $4, $5, $6 FROM thread
    ON CONFLICT (channel_account_id, external_id) DO UPDATE
      SET name = coalesce(excluded.name, contacts.name),
          email = coalesce(excluded.email, contacts.email),
          locale = coalesce(excluded.locale, contacts.locale)
    RETURNING id
  ), taker AS (
    SELECT a.id FROM agents a
    LEFT JOIN credit_accounts ca ON ca.workspace_id = a.workspace_id
    WHERE a.id = $7 AND ${agentTakesSql("a", "ca", "$8::boolean")}
  ), conv AS (
    INSERT INTO conversations (workspace_id, channel_account_id, thread_id, contact_id, agent_id, holder,
                               preview, language, last_activity_at, created_at)
    SELECT $1, $2, $9, contact.id, taker.id, 'agent', $8::boolean, $10, $11::timestamptz, $11::timestamptz
    FROM contact, taker
    ON CONFLICT (thread_id) WHERE status = 'open' DO NOTHING
    RETURNING *
  ), placed AS (
    UPDATE messages SET conversation_id = conv.id, language = $10
    FROM conv WHERE messages.id = $12
    RETURNING messages.id
  ), pointed AS (
    UPDATE channel_threads SET contact_id = contact.id
    FROM contact, conv
    WHERE channel_threads.id = $9 AND channel_threads.contact_id IS DISTINCT FROM contact.id
  )
  SELECT row_to_json(conv) AS conversation FROM conv WHERE EXISTS (SELECT 1 FROM placed)`;

export async function startConversation(
  database: Database,
  input: {
    message: {
      id: string;
      workspaceId: string;
      channelAccountId: string;
      threadId: string;
      senderHints: SenderHints;
    };
    contactExternalId: string;
    agentId: string;
    preview: boolean;
    language: string;
    now: Date;
  },
): Promise<ConversationRow | undefined> {
  const { message } = input;
  const { name, email, locale } = message.senderHints;
  const [row] = await database.query<{ conversation: Record<string, unknown> }>(START_CONVERSATION, [
    message.workspaceId,
    message.channelAccountId,
    input.contactExternalId,
    name ?? null,
    email ?? null,
    locale ?? null,
    input.agentId,
    input.preview,
    message.threadId,
    input.language,
    input.now.toISOString(),
    message.id,
  ]);
  return row ? fromJsonRow<ConversationRow>(row.conversation) : undefined;
}

/**
 * Who takes a new conversation: the account's agent when it takes new conversations (active,
 * with credits), otherwise people. A preview always goes to the agent: it never costs credits
 * and is how an admin tries a paused agent out.
 */
export async function initialHolder(
  tx: Tx,
  agentId: string | null,
  preview: boolean,
): Promise<{ holder: ConversationHolder; agentId: string | null; gate: AgentGate | null }> {
  if (!agentId) return { holder: "nobody", agentId: null, gate: null };
  const gate = preview ? "takes" : await agentGate(tx, agentId);
  return { holder: gate === "takes" ? "agent" : "nobody", agentId, gate };
}

export interface PlacedConversation extends ConversationRow {
  /** Created for this message (not continued or reopened). */
  isNew: boolean;
  /** For a new conversation of an account with an agent: whether the agent took it, and if not why. */
  gate: AgentGate | null;
}

/**
 * The conversation a new inbound message belongs to. An open conversation whose silence has
 * outlived the channel's lifetime is closed here (the sweeper closes most of them earlier); the
 * message then starts a new conversation, or, on channels that reopen (email), reopens it —
 * keeping its charge, so a reopening never costs again.
 */
export async function conversationForMessage(
  database: Database,
  tx: Tx,
  input: {
    workspaceId: string;
    channelAccountId: string;
    threadId: string;
    contactId: string;
    accountAgentId: string | null;
    preview: boolean;
    capabilities: ChannelCapabilities;
    now: Date;
    metrics?: Metrics | undefined;
  },
): Promise<PlacedConversation> {
  const [open] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.threadId, input.threadId), eq(conversations.status, "open")))
    .for("update")
    .limit(1);
  const expired = (c: ConversationRow) =>
    input.now.getTime() - c.lastActivityAt.getTime() >= input.capabilities.inactivityLifetimeMs;

  if (open && !expired(open)) return { ...open, isNew: false, gate: null };
  if (open) {
    await closeConversations(database, { kind: "ids", ids: [open.id], reason: "inactivity" }, input.now, {
      tx,
      metrics: input.metrics,
    });
    if (input.capabilities.reopensAfterClose) return reopen(tx, open.id, input.now);
  } else if (input.capabilities.reopensAfterClose) {
    const [last] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.threadId, input.threadId))
      .orderBy(desc(conversations.createdAt))
      .limit(1);
    if (last) return reopen(tx, last.id, input.now);
  }
  const { holder, agentId, gate } = await initialHolder(tx, input.accountAgentId, input.preview);
  const gated = gate !== null && gate !== "takes";
  const [created] = await tx
    .insert(conversations)
    .values({
      workspaceId: input.workspaceId,
      channelAccountId: input.channelAccountId,
      threadId: input.threadId,
      contactId: input.contactId,
      agentId,
      holder,
      preview: input.preview,
      handoffReason: gated ? gate : null,
      handedOffAt: gated ? input.now : null,
      lastActivityAt: input.now,
      createdAt: input.now,
    })
    .returning();
  if (!created) throw new Error("conversation insert returned nothing");
  return { ...created, isNew: true, gate };
}

async function reopen(tx: Tx, id: string, now: Date): Promise<PlacedConversation> {
  const [row] = await tx
    .update(conversations)
    .set({ status: "open", closedAt: null, closeReason: null, resolvedBy: null, lastActivityAt: now })
    .where(eq(conversations.id, id))
    .returning();
  if (!row) throw new Error("conversation to reopen vanished");
  return { ...row, isNew: false, gate: null };
}
