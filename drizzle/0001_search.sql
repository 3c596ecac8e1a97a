-- Full-text search in the content's own language. PostgreSQL has stemming configurations for
-- many languages; for the rest (Polish, for one) we use `simple` with accents folded away.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'parley_unaccent') THEN
    CREATE TEXT SEARCH CONFIGURATION parley_unaccent (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION parley_unaccent
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parley_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE lower(split_part(coalesce(lang, ''), '-', 1))
    WHEN 'en' THEN 'english' WHEN 'nl' THEN 'dutch' WHEN 'sv' THEN 'swedish'
    WHEN 'de' THEN 'german' WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish'
    WHEN 'pt' THEN 'portuguese' WHEN 'it' THEN 'italian' WHEN 'da' THEN 'danish'
    WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
    WHEN 'fi' THEN 'finnish' WHEN 'hu' THEN 'hungarian' WHEN 'ro' THEN 'romanian'
    WHEN 'ru' THEN 'russian' WHEN 'tr' THEN 'turkish' WHEN 'ga' THEN 'irish'
    WHEN 'el' THEN 'greek' WHEN 'id' THEN 'indonesian' WHEN 'lt' THEN 'lithuanian'
    WHEN 'ca' THEN 'catalan' WHEN 'eu' THEN 'basque' WHEN 'hy' THEN 'armenian'
    WHEN 'ar' THEN 'arabic' WHEN 'sr' THEN 'serbian' WHEN 'ta' THEN 'tamil'
    WHEN 'ne' THEN 'nepali' WHEN 'hi' THEN 'hindi'
    ELSE 'parley_unaccent' END)::regconfig
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parley_short_answer_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.question, '')), 'A') ||
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.answer, '')), 'B');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER short_answers_search_vector BEFORE INSERT OR UPDATE OF question, answer, language
  ON short_answers FOR EACH ROW EXECUTE FUNCTION parley_short_answer_vector();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parley_article_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector(parley_ts_config(NEW.language), coalesce(NEW.body, '')), 'B');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER knowledge_articles_search_vector BEFORE INSERT OR UPDATE OF title, body, language
  ON knowledge_articles FOR EACH ROW EXECUTE FUNCTION parley_article_vector();
--> statement-breakpoint
CREATE INDEX short_answers_search_idx ON short_answers USING gin (search_vector);
--> statement-breakpoint
CREATE INDEX knowledge_articles_search_idx ON knowledge_articles USING gin (search_vector);
