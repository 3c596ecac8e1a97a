import { asc, eq, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { type ConversationHolder, conversationNotes } from "../db/schema.js";
import type { ChannelAdapter } from "./channel.js";
import type { Clock } from "./clock.js";
import { EVENTS_CHANNEL, type EventType, recordEvent } from "./events/record.js";
import { closeConversations } from "./lifecycle.js";
import type { Metrics } from "./metrics.js";
import { postMessage, signalPosted } from "./outbound.js";

/**
 * What people do with conversations: claim, assign, reply, close, hand back. Every change of
 * holder is a compare-and-set on the conversation row, the same row the agent's reply commit
 * checks, so whoever commits first wins and the other side sees it: a person who claims while the
 * agent is composing makes the agent's reply disappear instead of going out.
 */

export class InboxError extends Error {
  override name = "InboxError";
  constructor(
    readonly code: "not_found" | "conflict" | "no_agent",
    message: string,
  ) {
    super(message);
  }
}

export interface InboxDeps {
  database: Database;
  clock: Clock;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics?: Metrics | undefined;
}

interface ConversationState {
  id: string;
  holder: ConversationHolder;
  holder_id: string | null;
  status: "open" | "closed";
  agent_id: string | null;
  handed_off_at: Date | null;
  kind: string;
}

async function lockConversation(
  database: Database,
  tx: Tx,
  workspaceId: string,
  conversationId: string,
): Promise<ConversationState> {
  const [row] = await database.rows<ConversationState>(
    sql`SELECT c.id, c.holder, c.holder_id, c.status, c.agent_id, c.handed_off_at, a.kind
        FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id
        WHERE c.id = ${conversationId} AND c.workspace_id = ${workspaceId}
        FOR UPDATE OF c`,
    tx,
  );
  if (!row) throw new InboxError("not_found", "No such conversation.");
  return row;
}

async function userInWorkspace(
  database: Database,
  tx: Tx,
  workspaceId: string,
  userId: string,
): Promise<void> {
  const rows = await database.rows(
    sql`SELECT 1 FROM users WHERE id = ${userId} AND workspace_id = ${workspaceId}`,
    tx,
  );
  if (rows.length === 0) throw new InboxError("not_found", "No such user.");
}

async function setHolder(
  deps: InboxDeps,
  tx: Tx,
  c: ConversationState,
  workspaceId: string,
  holder: ConversationHolder,
  holderId: string | null,
  reason: string,
  events: Array<{ type: EventType; data: Record<string, unknown> }>,
): Promise<void> {
  const now = deps.clock.now();
  await deps.database.rows(
    sql`UPDATE conversations
        SET holder = ${holder}, holder_id = ${holderId},
            handed_off_at = CASE WHEN ${holder} = 'agent' THEN handed_off_at ELSE coalesce(handed_off_at, ${now.toISOString()}::timestamptz) END,
            handoff_reason = CASE WHEN ${holder} = 'agent' THEN handoff_reason ELSE coalesce(handoff_reason, ${reason}) END,
            handoff_step = NULL,
            rephrase_requested_at = CASE WHEN ${holder} = 'agent' THEN NULL ELSE rephrase_requested_at END
        WHERE id = ${c.id}`,
    tx,
  );
  for (const e of events) {
    await recordEvent(
      deps.database,
      { workspaceId, type: e.type, conversationId: c.id, data: e.data, now },
      tx,
    );
  }
}

/**
 * A person takes the conversation: from the queue, from a team, or from the agent (which then
 * stays silent). Taking it from another person is an assignment, not a claim: 409.
 */
export async function claimConversation(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string; userId: string },
): Promise<void> {
  await deps.database.db.transaction((tx) => claimIn(deps, tx, input));
  await deps.database.notify(EVENTS_CHANNEL, input.workspaceId);
}

/** The claim inside the caller's transaction; returns the conversation as it locked it. */
async function claimIn(
  deps: InboxDeps,
  tx: Tx,
  input: { workspaceId: string; conversationId: string; userId: string },
): Promise<ConversationState> {
  await userInWorkspace(deps.database, tx, input.workspaceId, input.userId);
  const c = await lockConversation(deps.database, tx, input.workspaceId, input.conversationId);
  if (c.status !== "open") throw new InboxError("conflict", "The conversation is closed.");
  if (c.holder === "user" && c.holder_id === input.userId) return c;
  if (c.holder === "user") {
    throw new InboxError(
      "conflict",
      "Another person holds this conversation; assign it instead of claiming it.",
    );
  }
  const events: Array<{ type: EventType; data: Record<string, unknown> }> = [];
  if (c.holder === "agent") events.push({ type: "handoff.requested", data: { reason: "claimed_by_person" } });
  events.push({ type: "handoff.assigned", data: { holder: "user", holderId: input.userId, by: "claim" } });
  await setHolder(deps, tx, c, input.workspaceId, "user", input.userId, "claimed_by_person", events);
  return c;
}

export type AssignTarget = { kind: "user"; id: string } | { kind: "team"; id: string } | { kind: "nobody" };

export async function assignConversation(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string; to: AssignTarget },
): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    const c = await lockConversation(deps.database, tx, input.workspaceId, input.conversationId);
    if (c.status !== "open") throw new InboxError("conflict", "The conversation is closed.");
    const { to } = input;
    if (to.kind === "user") await userInWorkspace(deps.database, tx, input.workspaceId, to.id);
    if (to.kind === "team") {
      const rows = await deps.database.rows(
        sql`SELECT 1 FROM teams WHERE id = ${to.id} AND workspace_id = ${input.workspaceId}`,
        tx,
      );
      if (rows.length === 0) throw new InboxError("not_found", "No such team.");
    }
    const holderId = to.kind === "nobody" ? null : to.id;
    const events: Array<{ type: EventType; data: Record<string, unknown> }> = [];
    if (c.holder === "agent")
      events.push({ type: "handoff.requested", data: { reason: "assigned_by_person" } });
    if (to.kind !== "nobody")
      events.push({ type: "handoff.assigned", data: { holder: to.kind, holderId, by: "assign" } });
    await setHolder(deps, tx, c, input.workspaceId, to.kind, holderId, "assigned_by_person", events);
  });
  await deps.database.notify(EVENTS_CHANNEL, input.workspaceId);
}

/** Back to the AI agent that the conversation's channel account had; it answers the next message. */
export async function handBackToAgent(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string },
): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    const c = await lockConversation(deps.database, tx, input.workspaceId, input.conversationId);
    if (c.status !== "open") throw new InboxError("conflict", "The conversation is closed.");
    if (!c.agent_id)
      throw new InboxError("no_agent", "This conversation has no AI agent to hand it back to.");
    if (c.holder === "agent") return;
    await setHolder(deps, tx, c, input.workspaceId, "agent", null, "", [
      { type: "handoff.completed", data: { outcome: "handed_back_to_agent" } },
    ]);
  });
  await deps.database.notify(EVENTS_CHANNEL, input.workspaceId);
}

/**
 * A person's reply, delivered through the customer's own channel (and its rules: the delivery
 * worker and the adapter apply reply windows and message tags). Replying to a conversation the
 * person does not hold yet claims it first, in the same transaction.
 */
export async function replyAsPerson(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string; userId: string; text: string },
): Promise<{ messageId: string }> {
  let posted: { messageId: string; threadId: string } | undefined;
  let deliveredOnCommit = false;
  await deps.database.db.transaction(async (tx) => {
    const c = await claimIn(deps, tx, input);
    deliveredOnCommit = deps.adapters.get(c.kind)?.capabilities.deliveredOnCommit === true;
    posted = await postMessage(
      deps.database,
      {
        conversationId: input.conversationId,
        workspaceId: input.workspaceId,
        author: "user",
        authorId: input.userId,
        text: input.text,
        language: null,
        deliveredOnCommit,
        expectedHolder: { holder: "user", holderId: input.userId },
        now: deps.clock.now(),
      },
      tx,
    );
  });
  if (!posted) throw new InboxError("conflict", "The conversation changed while replying; try again.");
  await signalPosted(deps.database, posted.threadId, deliveredOnCommit);
  await deps.database.notify(EVENTS_CHANNEL, input.workspaceId);
  return { messageId: posted.messageId };
}

export async function closeByPerson(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string; userId: string | null },
): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    const c = await lockConversation(deps.database, tx, input.workspaceId, input.conversationId);
    if (c.status !== "open") return;
    const now = deps.clock.now();
    await closeConversations(deps.database, { kind: "ids", ids: [c.id], reason: "closed_by_person" }, now, {
      tx,
      metrics: deps.metrics,
    });
    if (c.handed_off_at) {
      await recordEvent(
        deps.database,
        {
          workspaceId: input.workspaceId,
          type: "handoff.completed",
          conversationId: c.id,
          data: { outcome: "closed_by_person", userId: input.userId },
          now,
        },
        tx,
      );
    }
  });
  await deps.database.notify(EVENTS_CHANNEL, input.workspaceId);
}

export interface Note {
  id: string;
  userId: string | null;
  text: string;
  createdAt: Date;
}

/** An internal note: for the team, never sent. Only a person of the workspace can sign one. */
export async function addNote(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string; userId: string | null; text: string },
): Promise<Note> {
  return deps.database.db.transaction(async (tx) => {
    await conversationInWorkspace(deps.database, tx, input.workspaceId, input.conversationId);
    if (input.userId) await userInWorkspace(deps.database, tx, input.workspaceId, input.userId);
    const [row] = await tx
      .insert(conversationNotes)
      .values({
        workspaceId: input.workspaceId,
        conversationId: input.conversationId,
        userId: input.userId,
        text: input.text,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!row) throw new Error("note insert returned nothing");
    return { id: row.id, userId: row.userId, text: row.text, createdAt: row.createdAt };
  });
}

/** The conversation's notes, oldest first. */
export async function listNotes(
  deps: InboxDeps,
  input: { workspaceId: string; conversationId: string },
): Promise<Note[]> {
  const { db } = deps.database;
  await conversationInWorkspace(deps.database, db, input.workspaceId, input.conversationId);
  const rows = await db
    .select()
    .from(conversationNotes)
    .where(eq(conversationNotes.conversationId, input.conversationId))
    .orderBy(asc(conversationNotes.createdAt));
  return rows.map((r) => ({ id: r.id, userId: r.userId, text: r.text, createdAt: r.createdAt }));
}

async function conversationInWorkspace(
  database: Database,
  tx: Tx,
  workspaceId: string,
  conversationId: string,
): Promise<void> {
  const rows = await database.rows(
    sql`SELECT 1 FROM conversations WHERE id = ${conversationId} AND workspace_id = ${workspaceId}`,
    tx,
  );
  if (rows.length === 0) throw new InboxError("not_found", "No such conversation.");
}
