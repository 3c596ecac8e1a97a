import type { Database } from "../../db/client.js";
import { normalizeLanguage } from "../language.js";
import type { Passage } from "./types.js";

/**
 * Finds the agent's own content that answers a question, with PostgreSQL full-text search in
 * each content language. Every query is scoped by workspace *and* agent: no workspace ever
 * sees another's content.
 */

export interface RetrievalInput {
  workspaceId: string;
  agentId: string;
  question: string;
  /** The conversation's language: content in it is preferred. */
  language: string;
  limit?: number | undefined;
}

const DEFAULT_LIMIT = 5;

/** Enough candidates that the language boost and paragraph coverage can reorder them. */
const CANDIDATES_PER_PASSAGE = 4;

/**
 * Added to a passage's coverage when it is in the conversation's language: an answer the
 * customer can read directly beats a slightly better one they would have to translate.
 */
const SAME_LANGUAGE_BOOST = 0.15;

/** An article paragraph at most this long without sentence punctuation is taken for a heading. */
const HEADING_MAX_LENGTH = 80;

/**
 * PostgreSQL has no Polish stemmer, so Polish goes through the `simple` configuration, which
 * keeps function words. Left in, they would match almost any text and inflate coverage.
 * (Lexemes are unaccented by the configuration, hence "sa" for "są".)
 */
const POLISH_STOP_WORDS = (
  "a aby ale albo ani bez by byc co czy dla do gdzie go i ich ja jak jaka jaki jakie jest jestem " +
  "jestescie jesli juz kiedy ktora ktore ktory lub ma macie mam mi mnie moge moj moja na nad nam nas " +
  "nie o od oraz po pod prosze przez przy sa sie tak ten to tu tylko w was wasz wasze we z za ze"
).split(" ");

interface ShortAnswerHit {
  id: string;
  question: string;
  answer: string;
  language: string;
  rank: number;
  lexeme_count: number;
  matched: string[];
}

interface ArticleHit {
  id: string;
  title: string;
  url: string | null;
  language: string;
  is_private: boolean;
  rank: number;
  lexeme_count: number;
  title_matched: string[];
}

interface ParagraphRow {
  article_id: string;
  paragraph: string;
  matched: string[];
}

/**
 * The body of a recursive CTE named `cte` listing the agent's languages in `table` one by one
 * through its (agent_id, language) index, each step the next language after the last, instead of
 * reading every row to find a dozen of them. Ends with a NULL row.
 */
const languagesIn = (cte: string, table: string) => `
    (SELECT language FROM ${table}
     WHERE agent_id = $2::uuid AND workspace_id = $1::uuid ORDER BY language LIMIT 1)
    UNION ALL
    SELECT (SELECT c.language FROM ${table} c
            WHERE c.agent_id = $2::uuid AND c.language > l.language AND c.workspace_id = $1::uuid
            ORDER BY c.language LIMIT 1)
    FROM ${cte} l WHERE l.language IS NOT NULL`;

/**
 * The whole search in one statement, with constant text: the question's lexemes once per
 * language the agent has content in (Polish stop words taken out), each language's OR query of
 * them — quoted so that PostgreSQL takes them as they are instead of stemming them a second
 * time — the best short answers and articles, and the articles' paragraphs with the query terms
 * each holds (computed here, so large articles never travel whole, from the paragraphs' lexemes
 * the article's trigger stored, so no paragraph is lexed again per question). Every part is
 * scoped by workspace *and* agent. $1 workspace, $2 agent, $3 question, $4 Polish stop words,
 * $5 candidates per kind.
 */
const SEARCH = `
  WITH RECURSIVE short_languages AS (${languagesIn("short_languages", "short_answers")}
  ), article_languages AS (${languagesIn("article_languages", "knowledge_articles")}
  ), content_languages AS (
    SELECT language FROM short_languages WHERE language IS NOT NULL
    UNION
    SELECT language FROM article_languages WHERE language IS NOT NULL
  ), lexed AS MATERIALIZED (
    SELECT c.language,
           ARRAY(SELECT lexeme
                 FROM unnest(tsvector_to_array(to_tsvector(parley_ts_config(c.language), $3::text))) AS lexeme
                 WHERE lower(split_part(translate(c.language, '_.@', '---'), '-', 1)) <> 'pl'
                    OR lexeme <> ALL ($4::text[])) AS lexemes
    FROM content_languages c
  ), q AS MATERIALIZED (
    SELECT language, lexemes,
           array_to_string(ARRAY(SELECT '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''''
                                 FROM unnest(lexemes) AS lexeme), ' | ')::tsquery AS query
    FROM lexed WHERE cardinality(lexemes) > 0
  ), short_hits AS (
    SELECT s.id, s.question, s.answer, s.language,
           ts_rank_cd(s.search_vector, q.query) AS rank, cardinality(q.lexemes) AS lexeme_count,
           ARRAY(SELECT unnest(q.lexemes) INTERSECT SELECT unnest(tsvector_to_array(s.search_vector))) AS matched
    FROM short_answers s JOIN q ON q.language = s.language
    WHERE s.workspace_id = $1::uuid AND s.agent_id = $2::uuid AND s.search_vector @@ q.query
    ORDER BY rank DESC
    LIMIT $5::int
  ), article_hits AS (
    SELECT a.id, a.title, a.url, a.language, a.is_private,
           ts_rank_cd(a.search_vector, q.query) AS rank, cardinality(q.lexemes) AS lexeme_count,
           ARRAY(SELECT unnest(q.lexemes) INTERSECT
                 SELECT unnest(tsvector_to_array(to_tsvector(parley_ts_config(a.language), a.title)))) AS title_matched
    FROM knowledge_articles a JOIN q ON q.language = a.language
    WHERE a.workspace_id = $1::uuid AND a.agent_id = $2::uuid AND a.search_vector @@ q.query
    ORDER BY rank DESC
    LIMIT $5::int
  ), paragraphs AS (
    SELECT a.id AS article_id, p.paragraph, p.ord,
           ARRAY(SELECT unnest(q.lexemes) INTERSECT
                 SELECT unnest(tsvector_to_array(a.paragraph_vectors[p.ord]))) AS matched
    FROM article_hits h
      JOIN knowledge_articles a ON a.id = h.id
      JOIN q ON q.language = a.language
      -- Split as the article's trigger splits it for paragraph_vectors (migration 0010).
      CROSS JOIN LATERAL regexp_split_to_table(a.body, '\\n\\s*\\n') WITH ORDINALITY AS p(paragraph, ord)
  )
  SELECT (SELECT coalesce(json_agg(h ORDER BY h.rank DESC), '[]') FROM short_hits h) AS short_answers,
         (SELECT coalesce(json_agg(h ORDER BY h.rank DESC), '[]') FROM article_hits h) AS articles,
         (SELECT coalesce(json_agg(json_build_object('article_id', p.article_id, 'paragraph', p.paragraph,
                                                     'matched', p.matched) ORDER BY p.article_id, p.ord), '[]')
          FROM paragraphs p) AS paragraphs`;

export async function retrievePassages(database: Database, input: RetrievalInput): Promise<Passage[]> {
  const limit = input.limit ?? DEFAULT_LIMIT;
  const [found] = await database.query<{
    short_answers: ShortAnswerHit[];
    articles: ArticleHit[];
    paragraphs: ParagraphRow[];
  }>(SEARCH, [
    input.workspaceId,
    input.agentId,
    input.question,
    POLISH_STOP_WORDS,
    limit * CANDIDATES_PER_PASSAGE,
  ]);
  if (!found) return [];
  const paragraphs = found.paragraphs
    .map((p) => ({ ...p, paragraph: p.paragraph.trim() }))
    .filter((p) => p.paragraph !== "");
  const passages = [
    ...found.short_answers.map(shortAnswerPassage),
    ...found.articles.map((hit) =>
      articlePassage(
        hit,
        paragraphs.filter((p) => p.article_id === hit.id),
      ),
    ),
  ];
  const conversationLanguage = normalizeLanguage(input.language);
  const score = (p: Passage) =>
    p.coverage + (normalizeLanguage(p.language) === conversationLanguage ? SAME_LANGUAGE_BOOST : 0);
  // Curated short answers go before articles on equal footing: an admin wrote them for this question.
  const kindOrder = (p: Passage) => (p.source.kind === "short_answer" ? 0 : 1);
  return passages
    .sort((a, b) => score(b) - score(a) || kindOrder(a) - kindOrder(b) || b.rank - a.rank)
    .slice(0, limit);
}

function shortAnswerPassage(hit: ShortAnswerHit): Passage {
  return {
    source: { kind: "short_answer", id: hit.id, title: hit.question },
    text: hit.answer,
    question: hit.question,
    language: hit.language,
    coverage: hit.matched.length / Number(hit.lexeme_count),
    rank: Number(hit.rank),
    isPrivate: false,
  };
}

function articlePassage(hit: ArticleHit, paragraphs: ParagraphRow[]): Passage {
  const chosen = bestParagraphs(paragraphs, new Set(hit.title_matched));
  const covered = new Set([...hit.title_matched, ...chosen.flatMap((p) => p.matched)]);
  return {
    source: { kind: "article", id: hit.id, title: hit.title, url: hit.url ?? undefined },
    text: chosen.map((p) => p.paragraph).join("\n\n"),
    language: hit.language,
    coverage: covered.size / Number(hit.lexeme_count),
    rank: Number(hit.rank),
    isPrivate: hit.is_private,
  };
}

/**
 * The paragraph holding most of the question's terms, plus the one that adds most of the
 * terms still missing (if any does), in document order. A heading is never quoted alone:
 * the paragraph under it comes with it.
 */
function bestParagraphs(paragraphs: ParagraphRow[], alreadyCovered: Set<string>): ParagraphRow[] {
  const first = paragraphs[0];
  if (!first) return [];
  const best = mostNewTerms(paragraphs, new Set()) ?? first;
  const chosen = new Set([best]);
  const covered = new Set([...alreadyCovered, ...best.matched]);
  const complement = mostNewTerms(
    paragraphs.filter((p) => p !== best),
    covered,
  );
  if (complement) chosen.add(complement);
  for (const paragraph of [...chosen]) {
    const next = paragraphs[paragraphs.indexOf(paragraph) + 1];
    if (next && looksLikeHeading(paragraph.paragraph)) chosen.add(next);
  }
  return paragraphs.filter((p) => chosen.has(p));
}

function mostNewTerms(paragraphs: ParagraphRow[], covered: Set<string>): ParagraphRow | undefined {
  let best: ParagraphRow | undefined;
  let bestCount = 0;
  for (const paragraph of paragraphs) {
    const count = paragraph.matched.filter((l) => !covered.has(l)).length;
    if (count > bestCount) {
      best = paragraph;
      bestCount = count;
    }
  }
  return best;
}

function looksLikeHeading(paragraph: string): boolean {
  return paragraph.length <= HEADING_MAX_LENGTH && !paragraph.includes("\n") && !/[.!?:]$/.test(paragraph);
}
