import { and, eq } from "drizzle-orm";
import { knowledgeArticles } from "../../db/schema.js";
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
  knowledgeArticleCreateSchema,
  knowledgeArticlePageSchema,
  knowledgeArticlePatchSchema,
  knowledgeArticleSchema,
} from "./schemas/content.js";
import { requireWorkspaceAgent } from "./workspace-agent.js";

/** Named one by one: `search_vector` and `paragraph_vectors` are the database's business and never leave it. */
const knowledgeArticleColumns = {
  id: knowledgeArticles.id,
  agentId: knowledgeArticles.agentId,
  title: knowledgeArticles.title,
  body: knowledgeArticles.body,
  url: knowledgeArticles.url,
  language: knowledgeArticles.language,
  isPrivate: knowledgeArticles.isPrivate,
  createdAt: knowledgeArticles.createdAt,
  updatedAt: knowledgeArticles.updatedAt,
};

type KnowledgeArticleRow = Pick<typeof knowledgeArticles.$inferSelect, keyof typeof knowledgeArticleColumns>;

const knowledgeArticleJson = (row: KnowledgeArticleRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const agentIds = { agentId: "agent" };
const ids = { ...agentIds, articleId: "knowledge article" };
const inWorkspace = (workspaceId: string, ids: { agentId: string; articleId: string }) =>
  and(
    eq(knowledgeArticles.id, ids.articleId),
    eq(knowledgeArticles.agentId, ids.agentId),
    eq(knowledgeArticles.workspaceId, workspaceId),
  );

export function knowledgeArticleRoutes({ database, clock }: AdminDeps): AdminRoute[] {
  const { db } = database;
  const tag = "Knowledge articles";
  return [
    defineRoute({
      method: "get",
      path: "/agents/:agentId/knowledge-articles",
      operationId: "listKnowledgeArticles",
      tag,
      summary: "List an agent's knowledge articles",
      description: "Newest first.",
      ids: agentIds,
      query: pageQuerySchema,
      status: 200,
      response: knowledgeArticlePageSchema,
      responseDescription: "A page of knowledge articles.",
      async handle({ workspaceId, ids, query }) {
        const after = readCursor(query.cursor, timeKeySchema);
        await requireWorkspaceAgent(db, workspaceId, ids.agentId);
        const rows = await db
          .select({ ...knowledgeArticleColumns, key: timeKeyText(knowledgeArticles.createdAt) })
          .from(knowledgeArticles)
          .where(
            and(
              eq(knowledgeArticles.workspaceId, workspaceId),
              eq(knowledgeArticles.agentId, ids.agentId),
              after && olderThan(knowledgeArticles.createdAt, knowledgeArticles.id, after),
            ),
          )
          .orderBy(...newestFirst(knowledgeArticles.createdAt, knowledgeArticles.id))
          .limit(query.limit + 1);
        return toPage(
          rows,
          query.limit,
          (r) => [r.key, r.id],
          ({ key: _, ...r }) => knowledgeArticleJson(r),
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/agents/:agentId/knowledge-articles",
      operationId: "createKnowledgeArticle",
      tag,
      summary: "Add a knowledge article",
      description: "An article the agent answers from; unless private, it is cited by its title and URL.",
      ids: agentIds,
      body: knowledgeArticleCreateSchema,
      status: 201,
      response: knowledgeArticleSchema,
      responseDescription: "The new knowledge article.",
      async handle({ workspaceId, ids, body }) {
        const now = clock.now();
        const row = await db.transaction(async (tx) => {
          await requireWorkspaceAgent(tx, workspaceId, ids.agentId);
          const [inserted] = await tx
            .insert(knowledgeArticles)
            .values({ ...body, workspaceId, agentId: ids.agentId, createdAt: now, updatedAt: now })
            .returning(knowledgeArticleColumns);
          return inserted;
        });
        if (!row) throw new Error("knowledge article insert returned nothing");
        return knowledgeArticleJson(row);
      },
    }),
    defineRoute({
      method: "get",
      path: "/agents/:agentId/knowledge-articles/:articleId",
      operationId: "getKnowledgeArticle",
      tag,
      summary: "Get a knowledge article",
      ids,
      status: 200,
      response: knowledgeArticleSchema,
      responseDescription: "The knowledge article.",
      async handle({ workspaceId, ids }) {
        const [row] = await db
          .select(knowledgeArticleColumns)
          .from(knowledgeArticles)
          .where(inWorkspace(workspaceId, ids));
        if (!row) throw notFound("knowledge article");
        return knowledgeArticleJson(row);
      },
    }),
    defineRoute({
      method: "patch",
      path: "/agents/:agentId/knowledge-articles/:articleId",
      operationId: "updateKnowledgeArticle",
      tag,
      summary: "Update a knowledge article",
      description: "Changes the fields sent and leaves the others as they are.",
      ids,
      body: knowledgeArticlePatchSchema,
      status: 200,
      response: knowledgeArticleSchema,
      responseDescription: "The knowledge article as changed.",
      async handle({ workspaceId, ids, body }) {
        const [row] = await db
          .update(knowledgeArticles)
          .set({ ...body, updatedAt: clock.now() })
          .where(inWorkspace(workspaceId, ids))
          .returning(knowledgeArticleColumns);
        if (!row) throw notFound("knowledge article");
        return knowledgeArticleJson(row);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/agents/:agentId/knowledge-articles/:articleId",
      operationId: "deleteKnowledgeArticle",
      tag,
      summary: "Delete a knowledge article",
      ids,
      status: 204,
      responseDescription: "Deleted.",
      async handle({ workspaceId, ids }) {
        const deleted = await db
          .delete(knowledgeArticles)
          .where(inWorkspace(workspaceId, ids))
          .returning({ id: knowledgeArticles.id });
        if (deleted.length === 0) throw notFound("knowledge article");
      },
    }),
  ];
}
