import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { knowledgeArticles, shortAnswers } from "../../src/db/schema.js";
import type { agentSchema } from "../../src/http/admin/schemas/agents.js";
import { knowledgeArticleSchema, shortAnswerSchema } from "../../src/http/admin/schemas/content.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  expectError,
  expectShape,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

type Agent = z.output<typeof agentSchema>;
type ShortAnswer = z.output<typeof shortAnswerSchema>;
type KnowledgeArticle = z.output<typeof knowledgeArticleSchema>;

for (const engine of engines) {
  describe(`admin API: short answers and knowledge articles (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let agent: Agent;

    beforeAll(async () => {
      gateway = await startTestParley(engine);
      api = new AdminClient(gateway.url, gateway.adminToken);
      agent = await api.create<Agent>("/agents", { name: "Content agent" });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("creates, reads, lists, updates and deletes a short answer", async () => {
      const base = `/agents/${agent.id}/short-answers`;
      const created = await api.post<ShortAnswer>(base, {
        question: "Do you ship to Norway?",
        answer: "Yes, in 3 to 5 days.",
      });
      expect(created.status).toBe(201);
      expectShape(shortAnswerSchema, created.body);
      expect(created.body).toMatchObject({
        agentId: agent.id,
        question: "Do you ship to Norway?",
        answer: "Yes, in 3 to 5 days.",
        language: "en",
      });
      const path = `${base}/${created.body.id}`;
      expect((await api.get<ShortAnswer>(path)).body).toEqual(created.body);
      expect((await api.get<Page<ShortAnswer>>(base)).body.data).toEqual([created.body]);

      const updated = await api.patch<ShortAnswer>(path, {
        answer: "Ja, innen 3 til 5 dager.",
        language: "NO",
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        question: "Do you ship to Norway?",
        answer: "Ja, innen 3 til 5 dager.",
        language: "no",
      });
      expect((await api.get<ShortAnswer>(path)).body).toEqual(updated.body);

      expect((await api.delete(path)).status).toBe(204);
      expectError(await api.get(path), 404, "not_found", "short answer");
      expect((await api.get<Page<ShortAnswer>>(base)).body.data).toEqual([]);
    });

    it("creates, reads, lists, updates and deletes a knowledge article", async () => {
      const base = `/agents/${agent.id}/knowledge-articles`;
      const created = await api.post<KnowledgeArticle>(base, {
        title: "Returns",
        body: "You can return any item within 30 days.",
        url: "https://help.shop.example/returns",
      });
      expect(created.status).toBe(201);
      expectShape(knowledgeArticleSchema, created.body);
      expect(created.body).toMatchObject({
        agentId: agent.id,
        title: "Returns",
        url: "https://help.shop.example/returns",
        language: "en",
        isPrivate: false,
      });
      const path = `${base}/${created.body.id}`;
      expect((await api.get<KnowledgeArticle>(path)).body).toEqual(created.body);
      expect((await api.get<Page<KnowledgeArticle>>(base)).body.data).toContainEqual(created.body);

      const updated = await api.patch<KnowledgeArticle>(path, { isPrivate: true, url: null });
      expect(updated.body).toEqual({
        ...created.body,
        isPrivate: true,
        url: null,
        updatedAt: expect.any(String),
      });

      expect((await api.delete(path)).status).toBe(204);
      expectError(await api.get(path), 404, "not_found", "knowledge article");
    });

    it("never returns the search vector the database keeps beside the content", async () => {
      const base = `/agents/${agent.id}/knowledge-articles`;
      const created = await api.create<KnowledgeArticle>(base, {
        title: "Sizes",
        body: "Our shoes run small.",
      });
      const texts = [
        JSON.stringify(created),
        (await api.get(`${base}/${created.id}`)).text,
        (await api.get(base)).text,
        (await api.patch(`${base}/${created.id}`, { title: "Sizing" })).text,
      ];
      for (const text of texts) expect(text).not.toMatch(/search_?vector|'shoe'/i);
    });

    it("refuses invalid bodies with 400 and a message naming the field", async () => {
      const answers = `/agents/${agent.id}/short-answers`;
      expectError(await api.post(answers, { question: "Q?" }), 400, "invalid_request", "answer");
      expectError(
        await api.post(answers, { question: "Q?", answer: "A", language: "english" }),
        400,
        "invalid_request",
        "language",
      );
      expectError(
        await api.post(answers, { question: "Q?", answer: "A", agentId: agent.id }),
        400,
        "invalid_request",
        "agentId",
      );
      const articles = `/agents/${agent.id}/knowledge-articles`;
      expectError(
        await api.post(articles, { title: "T", body: "B", url: "javascript:alert(1)" }),
        400,
        "invalid_request",
        "url",
      );
      expectError(await api.post(articles, { title: "", body: "B" }), 400, "invalid_request", "title");
      const article = await api.create<KnowledgeArticle>(articles, { title: "T", body: "B" });
      expectError(
        await api.patch(`${articles}/${article.id}`, { isPrivate: "no" }),
        400,
        "invalid_request",
        "isPrivate",
      );
    });

    it("keeps each agent's content under that agent", async () => {
      const second = await api.create<Agent>("/agents", { name: "Second agent" });
      const answer = await api.create<ShortAnswer>(`/agents/${agent.id}/short-answers`, {
        question: "Q",
        answer: "A",
      });
      const wrongParent = `/agents/${second.id}/short-answers/${answer.id}`;
      expectError(await api.get(wrongParent), 404, "not_found");
      expectError(await api.patch(wrongParent, { answer: "B" }), 404, "not_found");
      expectError(await api.delete(wrongParent), 404, "not_found");
      expect((await api.get<Page<ShortAnswer>>(`/agents/${second.id}/short-answers`)).body.data).toEqual([]);
      expectError(await api.get(`/agents/${MISSING_ID}/short-answers`), 404, "not_found", "agent");
      expectError(
        await api.post(`/agents/${MISSING_ID}/short-answers`, { question: "Q", answer: "A" }),
        404,
        "not_found",
        "agent",
      );
    });

    it("deletes an agent's content with the agent", async () => {
      const doomed = await api.create<Agent>("/agents", { name: "Doomed" });
      const answer = await api.create<ShortAnswer>(`/agents/${doomed.id}/short-answers`, {
        question: "Q",
        answer: "A",
      });
      expect((await api.delete(`/agents/${doomed.id}`)).status).toBe(204);
      const rows = await gateway.testDb.database.rows(
        sql`SELECT id FROM short_answers WHERE id = ${answer.id}`,
      );
      expect(rows).toEqual([]);
    });

    it("hides another workspace's content and agents: 404 everywhere, nothing changed", async () => {
      const other = await otherWorkspace(gateway);
      const theirAgent = await other.api.create<Agent>("/agents", { name: "Theirs" });
      const theirAnswer = await other.api.create<ShortAnswer>(`/agents/${theirAgent.id}/short-answers`, {
        question: "Secret question",
        answer: "Secret answer",
      });
      const theirArticle = await other.api.create<KnowledgeArticle>(
        `/agents/${theirAgent.id}/knowledge-articles`,
        {
          title: "Secret article",
          body: "Secret body",
        },
      );
      const answerPath = `/agents/${theirAgent.id}/short-answers/${theirAnswer.id}`;
      const articlePath = `/agents/${theirAgent.id}/knowledge-articles/${theirArticle.id}`;

      for (const path of [answerPath, articlePath]) {
        expectError(await api.get(path), 404, "not_found");
        expectError(await api.patch(path, { language: "de" }), 404, "not_found");
        expectError(await api.delete(path), 404, "not_found");
      }
      expectError(await api.get(`/agents/${theirAgent.id}/short-answers`), 404, "not_found", "agent");
      expectError(await api.get(`/agents/${theirAgent.id}/knowledge-articles`), 404, "not_found", "agent");
      expectError(
        await api.post(`/agents/${theirAgent.id}/short-answers`, { question: "Mine?", answer: "No." }),
        404,
        "not_found",
        "agent",
      );
      // Their object's id under my own agent's path is no way in either.
      expectError(await api.get(`/agents/${agent.id}/short-answers/${theirAnswer.id}`), 404, "not_found");

      expect((await other.api.get(answerPath)).body).toEqual(theirAnswer);
      expect((await other.api.get(articlePath)).body).toEqual(theirArticle);
      const leaked = api.received.filter((text) => text.includes("Secret"));
      expect(leaked).toEqual([]);
    });

    it("pages by exact timestamps: rows in one millisecond are neither skipped nor repeated", async () => {
      const holder = await api.create<Agent>("/agents", { name: "Many answers" });
      const { db } = gateway.testDb.database;
      // Microseconds apart, and some exactly equal: a cursor rounded to milliseconds would lose rows here.
      const instants = [
        "2026-01-05 09:00:00.123001+00",
        "2026-01-05 09:00:00.123400+00",
        "2026-01-05 09:00:00.123400+00",
        "2026-01-05 09:00:00.123400+00",
        "2026-01-05 09:00:00.123999+00",
        "2026-01-05 09:00:00.124000+00",
        "2026-01-05 09:00:01+00",
      ];
      const [{ workspaceId } = { workspaceId: "" }] = await gateway.testDb.database.rows<{
        workspaceId: string;
      }>(sql`SELECT workspace_id AS "workspaceId" FROM agents WHERE id = ${holder.id}`);
      for (const [i, at] of instants.entries()) {
        await db.insert(shortAnswers).values({
          workspaceId,
          agentId: holder.id,
          question: `Question ${i}`,
          answer: `Answer ${i}`,
          createdAt: sql`${at}::timestamptz`,
          updatedAt: sql`${at}::timestamptz`,
        });
      }
      const base = `/agents/${holder.id}/short-answers`;
      const all = await api.get<Page<ShortAnswer>>(`${base}?limit=200`);
      for (const limit of [1, 2, 3]) {
        const { items } = await api.walk<ShortAnswer>(base, limit);
        expect(items.map((a) => a.id)).toEqual(all.body.data.map((a) => a.id));
      }
      expect(all.body.data).toHaveLength(7);
      expect(all.body.data[0]?.question).toBe("Question 6");
      expect(all.body.data.at(-1)?.question).toBe("Question 0");

      await db.insert(knowledgeArticles).values(
        instants.map((at, i) => ({
          workspaceId,
          agentId: holder.id,
          title: `Article ${i}`,
          body: "Text",
          createdAt: sql`${at}::timestamptz`,
        })),
      );
      const articles = await api.walk<KnowledgeArticle>(`/agents/${holder.id}/knowledge-articles`, 2);
      expect(new Set(articles.items.map((a) => a.id)).size).toBe(7);
      expect(articles.pageSizes).toEqual([2, 2, 2, 1]);
    });
  });
}
