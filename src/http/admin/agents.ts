import { and, eq } from "drizzle-orm";
import { accountsChanged } from "../../core/account-cache.js";
import { recordAudit } from "../../core/audit.js";
import { agents } from "../../db/schema.js";
import { notFound } from "../errors.js";
import type { AdminDeps } from "./deps.js";
import {
  newestFirst,
  olderThan,
  pageQuerySchema,
  readCursor,
  timeKeySchema,
  timeKeyText,
  toPage,
} from "./pagination.js";
import { type AdminRoute, defineRoute } from "./route.js";
import {
  agentCreateSchema,
  agentPageSchema,
  agentPatchSchema,
  agentSchema,
  previewRequestSchema,
  previewSessionSchema,
} from "./schemas/agents.js";

const agentColumns = {
  id: agents.id,
  name: agents.name,
  role: agents.role,
  personality: agents.personality,
  brandVoice: agents.brandVoice,
  status: agents.status,
  citationsEnabled: agents.citationsEnabled,
  createdAt: agents.createdAt,
  updatedAt: agents.updatedAt,
};

type AgentRow = Pick<typeof agents.$inferSelect, keyof typeof agentColumns>;

const agentJson = (row: AgentRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const ids = { agentId: "agent" };
const inWorkspace = (workspaceId: string, agentId: string) =>
  and(eq(agents.id, agentId), eq(agents.workspaceId, workspaceId));

export function agentRoutes({ database, clock, previews, config }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Agents";

  /**
   * Pausing takes effect at the next new conversation (it goes to people); conversations the
   * agent holds go on. Each real change of state is in the audit log.
   */
  async function setStatus(workspaceId: string, actor: string, agentId: string, status: "active" | "paused") {
    const now = clock.now();
    await db.transaction(async (tx) => {
      const [before] = await tx
        .select({ status: agents.status })
        .from(agents)
        .where(inWorkspace(workspaceId, agentId))
        .for("update");
      if (!before) throw notFound("agent");
      if (before.status === status) return;
      await tx.update(agents).set({ status, updatedAt: now }).where(eq(agents.id, agentId));
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: status === "paused" ? "agent.paused" : "agent.resumed",
        subjectType: "agent",
        subjectId: agentId,
        now,
      });
    });
  }

  function statusRoute(action: "pause" | "resume") {
    return defineRoute({
      method: "post",
      path: `/agents/:agentId/${action}`,
      operationId: action === "pause" ? "pauseAgent" : "resumeAgent",
      tag,
      summary: action === "pause" ? "Pause an agent" : "Resume an agent",
      description:
        action === "pause"
          ? "From the next new conversation on, the agent takes none: they follow the hand-off rules. " +
            "Conversations it already holds go on until they close."
          : "The next new conversation is the agent's again (if the workspace has credits).",
      ids,
      status: 200,
      response: agentSchema,
      responseDescription: "The agent.",
      async handle({ workspaceId, actor, ids }) {
        await setStatus(workspaceId, actor, ids.agentId, action === "pause" ? "paused" : "active");
        const [row] = await db.select(agentColumns).from(agents).where(inWorkspace(workspaceId, ids.agentId));
        if (!row) throw notFound("agent");
        return agentJson(row);
      },
    });
  }

  return [
    defineRoute({
      method: "get",
      path: "/agents",
      operationId: "listAgents",
      tag,
      summary: "List agents",
      description: "Newest first.",
      query: pageQuerySchema,
      status: 200,
      response: agentPageSchema,
      responseDescription: "A page of agents.",
      async handle({ workspaceId, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        const rows = await db
          .select({ ...agentColumns, key: timeKeyText(agents.createdAt) })
          .from(agents)
          .where(
            and(eq(agents.workspaceId, workspaceId), after && olderThan(agents.createdAt, agents.id, after)),
          )
          .orderBy(...newestFirst(agents.createdAt, agents.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => agentJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/agents",
      operationId: "createAgent",
      tag,
      summary: "Create an agent",
      body: agentCreateSchema,
      status: 201,
      response: agentSchema,
      responseDescription: "The new agent.",
      async handle({ workspaceId, body }) {
        const now = clock.now();
        const [row] = await db
          .insert(agents)
          .values({ ...body, workspaceId, createdAt: now, updatedAt: now })
          .returning(agentColumns);
        if (!row) throw new Error("agent insert returned nothing");
        return agentJson(row);
      },
    }),
    defineRoute({
      method: "get",
      path: "/agents/:agentId",
      operationId: "getAgent",
      tag,
      summary: "Get an agent",
      ids,
      status: 200,
      response: agentSchema,
      responseDescription: "The agent.",
      async handle({ workspaceId, ids }) {
        const [row] = await db.select(agentColumns).from(agents).where(inWorkspace(workspaceId, ids.agentId));
        if (!row) throw notFound("agent");
        return agentJson(row);
      },
    }),
    defineRoute({
      method: "patch",
      path: "/agents/:agentId",
      operationId: "updateAgent",
      tag,
      summary: "Update an agent",
      description: "Changes the fields sent and leaves the others as they are.",
      ids,
      body: agentPatchSchema,
      status: 200,
      response: agentSchema,
      responseDescription: "The agent as changed.",
      async handle({ workspaceId, actor, ids, body }) {
        const { status, ...rest } = body;
        if (status !== undefined) await setStatus(workspaceId, actor, ids.agentId, status);
        const [row] = await db
          .update(agents)
          .set({ ...rest, updatedAt: clock.now() })
          .where(inWorkspace(workspaceId, ids.agentId))
          .returning(agentColumns);
        if (!row) throw notFound("agent");
        return agentJson(row);
      },
    }),
    statusRoute("pause"),
    statusRoute("resume"),
    defineRoute({
      method: "post",
      path: "/agents/:agentId/preview",
      operationId: "previewAgent",
      tag,
      summary: "Chat with an agent before it goes live",
      description:
        "Starts a preview conversation: a Direct Line token for the live chat (`/v3/directline`), " +
        "answered by this agent through the same path customers use, in the given language. " +
        "Previews never cost credits and work while the agent is paused.",
      ids,
      body: previewRequestSchema,
      status: 201,
      response: previewSessionSchema,
      responseDescription: "The Direct Line token and conversation of the preview.",
      async handle({ workspaceId, ids, body, origin }) {
        const session = await previews.start(workspaceId, ids.agentId, body.locale);
        if (!session) throw notFound("agent");
        return {
          ...session,
          directLineUrl: `${config.publicUrl ?? origin}/v3/directline`,
        };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/agents/:agentId",
      operationId: "deleteAgent",
      tag,
      summary: "Delete an agent",
      description:
        "Also deletes its short answers and knowledge articles; " +
        "its channel accounts are left without an agent.",
      ids,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, ids }) {
        const deleted = await db
          .delete(agents)
          .where(inWorkspace(workspaceId, ids.agentId))
          .returning({ id: agents.id });
        if (deleted.length === 0) throw notFound("agent");
        // Its channel accounts now have no agent: lookups kept elsewhere must see that.
        await accountsChanged(database);
      },
    }),
  ];
}
