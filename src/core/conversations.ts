import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { type ConversationHolder, contacts, conversations, type SenderHints } from "../db/schema.js";
import type { ChannelCapabilities } from "./channel.js";
import { type AgentGate, agentGate } from "./credits.js";
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
