import { and, desc, eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { agents, type ConversationHolder, contacts, conversations, type SenderHints } from "../db/schema.js";
import type { ChannelCapabilities } from "./channel.js";

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

/** Who takes a new conversation: the account's agent when it is active, otherwise the people's queue. */
export async function initialHolder(
  tx: Tx,
  agentId: string | null,
): Promise<{ holder: ConversationHolder; agentId: string | null }> {
  if (!agentId) return { holder: "nobody", agentId: null };
  const [agent] = await tx
    .select({ status: agents.status })
    .from(agents)
    .where(eq(agents.id, agentId))
    .limit(1);
  return agent?.status === "active" ? { holder: "agent", agentId } : { holder: "nobody", agentId: null };
}

/**
 * The conversation a new inbound message belongs to. An open conversation whose silence has
 * outlived the channel's lifetime is closed here (the sweeper closes most of them earlier); the
 * message then starts a new conversation, or, on channels that reopen (email), reopens it.
 */
export async function conversationForMessage(
  tx: Tx,
  input: {
    workspaceId: string;
    channelAccountId: string;
    threadId: string;
    contactId: string;
    accountAgentId: string | null;
    capabilities: ChannelCapabilities;
    now: Date;
  },
): Promise<ConversationRow> {
  const [open] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.threadId, input.threadId), eq(conversations.status, "open")))
    .for("update")
    .limit(1);
  const expired = (c: ConversationRow) =>
    input.now.getTime() - c.lastActivityAt.getTime() >= input.capabilities.inactivityLifetimeMs;

  if (open && !expired(open)) return open;
  if (open) {
    await tx
      .update(conversations)
      .set({ status: "closed", closedAt: input.now, closeReason: "inactivity" })
      .where(eq(conversations.id, open.id));
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
  const { holder, agentId } = await initialHolder(tx, input.accountAgentId);
  const [created] = await tx
    .insert(conversations)
    .values({
      workspaceId: input.workspaceId,
      channelAccountId: input.channelAccountId,
      threadId: input.threadId,
      contactId: input.contactId,
      agentId,
      holder,
      lastActivityAt: input.now,
    })
    .returning();
  if (!created) throw new Error("conversation insert returned nothing");
  return created;
}

async function reopen(tx: Tx, id: string, now: Date): Promise<ConversationRow> {
  const [row] = await tx
    .update(conversations)
    .set({ status: "open", closedAt: null, closeReason: null, lastActivityAt: now })
    .where(eq(conversations.id, id))
    .returning();
  if (!row) throw new Error("conversation to reopen vanished");
  return row;
}
