-- Retrieval lexes the question once per language the agent has content in, and listed those
-- languages with a DISTINCT over all of the agent's short answers and articles: a scan of every
-- row for every question (about 2.5 ms with 2,000 short answers). Indexed by agent and language,
-- the list is a skip through the index, one step per language (see retrieval.ts). The agent's
-- index is replaced, not joined: lookups by agent alone use the new index's first column.
DROP INDEX "knowledge_articles_agent_idx";--> statement-breakpoint
DROP INDEX "short_answers_agent_idx";--> statement-breakpoint
CREATE INDEX "knowledge_articles_agent_language_idx" ON "knowledge_articles" USING btree ("agent_id","language");--> statement-breakpoint
CREATE INDEX "short_answers_agent_language_idx" ON "short_answers" USING btree ("agent_id","language");