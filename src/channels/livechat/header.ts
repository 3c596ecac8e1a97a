import { and, eq } from "drizzle-orm";
import { systemText } from "../../core/texts.js";
import type { Database } from "../../db/client.js";
import { agents, channelThreads, conversations } from "../../db/schema.js";
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
}

/** The header as clients receive it (widget token response, bot activities' channelData). */
export interface HeaderView {
  title: string;
  poweredByAi: boolean;
  /** "Powered by AI" in the visitor's language. */
  poweredByAiLabel: string;
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
        language: conversations.language,
        agentName: agents.name,
        agentStatus: agents.status,
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
        poweredByAi: open.holder === "agent" && open.agentStatus === "active",
        agentName: open.agentName ?? undefined,
        language: open.language ?? undefined,
      };
    }
  }
  if (!account.agentId) return { poweredByAi: false, agentName: undefined, language: undefined };
  const [agent] = await database.db
    .select({ name: agents.name, status: agents.status })
    .from(agents)
    .where(eq(agents.id, account.agentId))
    .limit(1);
  return { poweredByAi: agent?.status === "active", agentName: agent?.name, language: undefined };
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
  };
}
