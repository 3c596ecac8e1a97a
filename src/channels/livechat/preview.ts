import { and, eq } from "drizzle-orm";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../db/client.js";
import { agents, channelAccounts } from "../../db/schema.js";
import { newConversationId, newUserId } from "./ids.js";
import { issueToken } from "./tokens.js";

/**
 * An admin trying an agent out before it goes live: a Direct Line conversation on the agent's
 * own preview inbox (a live-chat account nobody else can reach), through the same message path
 * as every customer, so what the admin sees is what customers will get. Preview conversations
 * never cost credits and are answered even while the agent is paused or out of credits.
 */
export interface PreviewSession {
  token: string;
  conversationId: string;
  userId: string;
  expiresIn: number;
}

export interface PreviewSessions {
  /** Undefined when the agent is not in this workspace. */
  start(
    workspaceId: string,
    agentId: string,
    locale: string | undefined,
  ): Promise<PreviewSession | undefined>;
}

export function previewWidgetId(agentId: string): string {
  return `preview-${agentId}`;
}

export function createPreviewSessions(deps: {
  database: Database;
  tokenKey: Buffer;
  clock: Clock;
}): PreviewSessions {
  const { db } = deps.database;
  return {
    async start(workspaceId, agentId, locale) {
      const [agent] = await db
        .select({ id: agents.id, name: agents.name })
        .from(agents)
        .where(and(eq(agents.id, agentId), eq(agents.workspaceId, workspaceId)));
      if (!agent) return undefined;
      await db
        .insert(channelAccounts)
        .values({
          workspaceId,
          kind: "livechat",
          name: `${agent.name} (preview)`,
          externalId: previewWidgetId(agent.id),
          settings: { allowedOrigins: [], title: `${agent.name} (preview)` },
          agentId: agent.id,
          isPreview: true,
        })
        .onConflictDoNothing();
      const [account] = await db
        .select({ id: channelAccounts.id })
        .from(channelAccounts)
        .where(
          and(
            eq(channelAccounts.kind, "livechat"),
            eq(channelAccounts.externalId, previewWidgetId(agent.id)),
          ),
        );
      if (!account) throw new Error("preview inbox vanished");
      const conversationId = newConversationId();
      const userId = newUserId();
      const { token, expiresIn } = issueToken(
        deps.tokenKey,
        { channelAccountId: account.id, workspaceId, conversationId, userId, userName: "Preview", locale },
        deps.clock.now(),
      );
      return { token, conversationId, userId, expiresIn };
    },
  };
}
