ALTER TABLE "knowledge_articles" ADD COLUMN "paragraph_vectors" "tsvector"[];--> statement-breakpoint
-- Retrieval quotes the paragraphs of an article that hold most of the question's terms, and
-- needs each paragraph's lexemes for that. It used to lex every paragraph of every candidate
-- article for every question (20 candidates of 17 paragraphs: 340 to_tsvector calls, about half
-- of the statement's time with a large knowledge base). The lexemes only change when the article
-- does, so the trigger that keeps search_vector keeps them too, one tsvector per paragraph, the
-- body split exactly as retrieval splits it (the same expression, so the n-th vector belongs to
-- the n-th paragraph retrieval sees).
CREATE OR REPLACE FUNCTION parley_article_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.body, '')), 'B');
  NEW.paragraph_vectors := ARRAY(
    SELECT to_tsvector(parley_ts_config(NEW.language), p.paragraph)
    FROM regexp_split_to_table(coalesce(NEW.body, ''), '\n\s*\n') WITH ORDINALITY AS p(paragraph, ord)
    ORDER BY p.ord);
  RETURN NEW;
END $$;
--> statement-breakpoint
-- The articles written before: the trigger fires on these columns, so writing the language back
-- recomputes both vectors.
UPDATE knowledge_articles SET language = language;
