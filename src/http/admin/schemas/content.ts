import { z } from "zod";
import { language, objectId, pageSchema, requestSchemas, responseSchemas, timestamp } from "./common.js";

/** Short answers and knowledge articles: the content an agent answers from. */

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
const contentLanguage = language.describe(
  "The content's language (ISO 639-1); it decides how it is searched.",
);

const shortAnswerFields = {
  question: text(1000),
  answer: text(10_000),
  language: contentLanguage,
};

export const shortAnswerCreateSchema = z
  .strictObject({ ...shortAnswerFields, language: contentLanguage.default("en") })
  .register(requestSchemas, { id: "ShortAnswerCreate" });

export const shortAnswerPatchSchema = z
  .strictObject(shortAnswerFields)
  .partial()
  .register(requestSchemas, { id: "ShortAnswerPatch" });

export const shortAnswerSchema = z
  .object({
    id: objectId,
    agentId: objectId,
    question: z.string(),
    answer: z.string(),
    language: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: "ShortAnswer" });

export const shortAnswerPageSchema = pageSchema(shortAnswerSchema, "ShortAnswerPage");

const articleFields = {
  title: text(500),
  body: text(200_000),
  url: z
    .url({ protocol: /^https?$/, error: "must be an http or https URL" })
    .max(2000)
    .nullable()
    .describe("Where the article is published; cited as its source. Null: not published."),
  language: contentLanguage,
  isPrivate: z.boolean().describe("Private content informs answers but is never cited."),
};

export const knowledgeArticleCreateSchema = z
  .strictObject({
    ...articleFields,
    url: articleFields.url.default(null),
    language: contentLanguage.default("en"),
    isPrivate: articleFields.isPrivate.default(false),
  })
  .register(requestSchemas, { id: "KnowledgeArticleCreate" });

export const knowledgeArticlePatchSchema = z
  .strictObject(articleFields)
  .partial()
  .register(requestSchemas, { id: "KnowledgeArticlePatch" });

export const knowledgeArticleSchema = z
  .object({
    id: objectId,
    agentId: objectId,
    title: z.string(),
    body: z.string(),
    url: z.string().nullable(),
    language: z.string(),
    isPrivate: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: "KnowledgeArticle" });

export const knowledgeArticlePageSchema = pageSchema(knowledgeArticleSchema, "KnowledgeArticlePage");
