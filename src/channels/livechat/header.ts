import { and, eq, sql } from "drizzle-orm";
import { agentStanding } from "../../core/credits.js";
import { readHandoffSettings } from "../../core/handoff/settings.js";
import { systemText } from "../../core/texts.js";
import type { Database } from "../../db/client.js";
import { agents, channelThreads, conversations, users } from "../../db/schema.js";
import type { LivechatAccount } from "./accounts.js";

/**
 * What the chat header shows. "Powered by AI" is on while the AI agent holds the conversation
 * (and is active); before the first message, while the widget's agent is active and would take it.
 */
export interface HeaderState {
  poweredByAi: boolean;
  /** The AI agent that answers (or would answer) here, if any. */
  agentName: string | undefined;
  /** The conversation's language, once the worker has decided it. */
  language: string | undefined;
  /** The person holding the conversation, when the agent's "update chat avatar" option shows them. */
  assignee?: { name: string; avatarUrl: string | null } | undefined;
}

/** The header as clients receive it (widget token response, bot activities' channelData). */
export interface HeaderView {
  title: string;
  poweredByAi: boolean;
  /** "Powered by AI" in the visitor's language. */
  poweredByAiLabel: string;
  /** Who answers now, after a hand-off with "update chat avatar" on; null otherwise. */
  assignee: { name: string; avatarUrl: string | null } | null;
}

export async function headerState(
  database: Database,
  account: LivechatAccount,
  conversationId: string | undefined,
): Promise<HeaderState> {
  if (conversationId !== undefined) {
    const [open] = await database.db
      .select({
        holder: conversations.holder,
        holderId: conversations.holderId,
        language: conversations.language,
        agentName: agents.name,
        handoff: agents.handoff,
      })
      .from(channelThreads)
      .innerJoin(
        conversations,
        and(eq(conversations.threadId, channelThreads.id), eq(conversations.status, "open")),
      )
      .leftJoin(agents, eq(agents.id, conversations.agentId))
      .where(
        and(eq(channelThreads.channelAccountId, account.id), eq(channelThreads.threadKey, conversationId)),
      )
      .limit(1);
    if (open) {
      return {
        // The agent goes on answering what it holds, paused or not.
        poweredByAi: open.holder === "agent",
        agentName: open.agentName ?? undefined,
        language: open.language ?? undefined,
        assignee:
          open.holder === "user" && open.holderId && readHandoffSettings(open.handoff).updateChatAvatar
            ? await assigneeOf(database, open.holderId)
            : undefined,
      };
    }
  }
  if (!account.agentId) return { poweredByAi: false, agentName: undefined, language: undefined };
  // A new chat is the agent's only if it would take it now: active and with credits.
  const standing = await agentStanding(database.db, account.agentId);
  return { poweredByAi: standing.gate === "takes", agentName: standing.name, language: undefined };
}

async function assigneeOf(
  database: Database,
  userId: string,
): Promise<{ name: string; avatarUrl: string | null } | undefined> {
  const [user] = await database.db
    .select({ name: users.name, avatarUrl: users.avatarUrl })
    .from(users)
    .where(sql`${users.id}::text = ${userId}`)
    .limit(1);
  return user;
}

export function headerView(
  account: LivechatAccount,
  state: HeaderState,
  language: string | undefined,
): HeaderView {
  return {
    title: account.settings.title,
    poweredByAi: state.poweredByAi,
    poweredByAiLabel: systemText("poweredByAi", language),
    assignee: state.assignee ?? null,
  };
}
