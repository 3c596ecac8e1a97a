import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { agents } from "../../db/schema.js";
import { notFound } from "../errors.js";

/**
 * Makes sure `agentId` is an agent of this workspace before something refers to it: the
 * foreign key alone would accept another workspace's agent. Within a transaction the row stays
 * share-locked, so the agent cannot be deleted before the caller's write commits.
 */
export async function requireWorkspaceAgent(tx: Tx, workspaceId: string, agentId: string): Promise<void> {
  const [agent] = await tx
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.workspaceId, workspaceId)))
    .for("key share");
  if (!agent) throw notFound("agent");
}
