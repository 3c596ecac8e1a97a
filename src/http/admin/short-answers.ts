import { and, eq } from "drizzle-orm";
import { shortAnswers } from "../../db/schema.js";
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
  shortAnswerCreateSchema,
  shortAnswerPageSchema,
  shortAnswerPatchSchema,
  shortAnswerSchema,
} from "./schemas/content.js";
import { requireWorkspaceAgent } from "./workspace-agent.js";

/** Named one by one: `search_vector` is the database's business and never leaves it. */
const shortAnswerColumns = {
  id: shortAnswers.id,
  agentId: shortAnswers.agentId,
  question: shortAnswers.question,
  answer: shortAnswers.answer,
  language: shortAnswers.language,
  createdAt: shortAnswers.createdAt,
  updatedAt: shortAnswers.updatedAt,
};

type ShortAnswerRow = Pick<typeof shortAnswers.$inferSelect, keyof typeof shortAnswerColumns>;

const shortAnswerJson = (row: ShortAnswerRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const agentIds = { agentId: "agent" };
const ids = { ...agentIds, shortAnswerId: "short answer" };
const inWorkspace = (workspaceId: string, ids: { agentId: string; shortAnswerId: string }) =>
  and(
    eq(shortAnswers.id, ids.shortAnswerId),
    eq(shortAnswers.agentId, ids.agentId),
    eq(shortAnswers.workspaceId, workspaceId),
  );

export function shortAnswerRoutes({ database, clock }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Short answers";
  return [
    defineRoute({
      method: "get",
      path: "/agents/:agentId/short-answers",
      operationId: "listShortAnswers",
      tag,
      summary: "List an agent's short answers",
      description: "Newest first.",
      ids: agentIds,
      query: pageQuerySchema,
      status: 200,
      response: shortAnswerPageSchema,
      responseDescription: "A page of short answers.",
      async handle({ workspaceId, ids, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        await requireWorkspaceAgent(db, workspaceId, ids.agentId);
        const rows = await db
          .select({ ...shortAnswerColumns, key: timeKeyText(shortAnswers.createdAt) })
          .from(shortAnswers)
          .where(
            and(
              eq(shortAnswers.workspaceId, workspaceId),
              eq(shortAnswers.agentId, ids.agentId),
              after && olderThan(shortAnswers.createdAt, shortAnswers.id, after),
            ),
          )
          .orderBy(...newestFirst(shortAnswers.createdAt, shortAnswers.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => shortAnswerJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/agents/:agentId/short-answers",
      operationId: "createShortAnswer",
      tag,
      summary: "Add a short answer",
      description: "A question with its answer, which the agent can give as it is.",
      ids: agentIds,
      body: shortAnswerCreateSchema,
      status: 201,
      response: shortAnswerSchema,
      responseDescription: "The new short answer.",
      async handle({ workspaceId, ids, body }) {
        const now = clock.now();
        const row = await db.transaction(async (tx) => {
          await requireWorkspaceAgent(tx, workspaceId, ids.agentId);
          const [inserted] = await tx
            .insert(shortAnswers)
            .values({ ...body, workspaceId, agentId: ids.agentId, createdAt: now, updatedAt: now })
            .returning(shortAnswerColumns);
          return inserted;
        });
        if (!row) throw new Error("short answer insert returned nothing");
        return shortAnswerJson(row);
      },
    }),
    defineRoute({
      method: "get",
      path: "/agents/:agentId/short-answers/:shortAnswerId",
      operationId: "getShortAnswer",
      tag,
      summary: "Get a short answer",
      ids,
      status: 200,
      response: shortAnswerSchema,
      responseDescription: "The short answer.",
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select(shortAnswerColumns)
          .from(shortAnswers)
          .where(inWorkspace(workspaceId, ids));
        if (!row) throw notFound("short answer");
        return shortAnswerJson(row);
      },
    }),
    defineRoute({
      method: "patch",
      path: "/agents/:agentId/short-answers/:shortAnswerId",
      operationId: "updateShortAnswer",
      tag,
      summary: "Update a short answer",
      description: "Changes the fields sent and leaves the others as they are.",
      ids,
      body: shortAnswerPatchSchema,
      status: 200,
      response: shortAnswerSchema,
      responseDescription: "The short answer as changed.",
      async handle({ workspaceId, ids, body }) {
        const [row] = await db
          .update(shortAnswers)
          .set({ ...body, updatedAt: clock.now() })
          .where(inWorkspace(workspaceId, ids))
          .returning(shortAnswerColumns);
        if (!row) throw notFound("short answer");
        return shortAnswerJson(row);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/agents/:agentId/short-answers/:shortAnswerId",
      operationId: "deleteShortAnswer",
      tag,
      summary: "Delete a short answer",
      ids,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, ids }) {
        const deleted = await db
          .delete(shortAnswers)
          .where(inWorkspace(workspaceId, ids))
          .returning({ id: shortAnswers.id });
        if (deleted.length === 0) throw notFound("short answer");
      },
    }),
  ];
}
