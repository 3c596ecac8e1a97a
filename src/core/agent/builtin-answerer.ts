import { normalizeLanguage } from "../language.js";
import { formatWithSources, systemText } from "../texts.js";
import type { AgentReply, Answerer, AnswerRequest, Passage } from "./types.js";

/**
 * The smallest share of the question's search terms a passage must contain to be quoted.
 * At one half, "What are your opening hours?" (terms: open, hour) finds a short answer "When
 * are you open?", while "Do you sell bicycles?" (sell, bicycl) finds nothing in a shop's
 * opening hours, delivery and returns. A one-term question needs its one term, by the same rule.
 */
export const MIN_COVERAGE = 0.5;

/**
 * Works without an LLM: quotes the best-matching short answer or article paragraph with its
 * source, and when nothing matches well enough says so and offers a person. It never writes
 * anything its content does not say.
 */
export class BuiltinAnswerer implements Answerer {
  readonly name = "builtin";

  async answer(request: AnswerRequest): Promise<AgentReply> {
    const { language, agent } = request;
    // Retrieval orders by preference (language, kind), so the first good enough passage wins.
    const passage = request.passages.find(isConfident);
    if (!passage) {
      return { action: "clarify", text: systemText("notFound", language), citations: [], reason: "no_match" };
    }
    const quoted = inOtherLanguage(passage, language)
      ? `${systemText("otherLanguageNote", language)}\n\n${passage.text}`
      : passage.text;
    const citations = agent.citationsEnabled && !passage.isPrivate ? [passage.source] : [];
    return { action: "answer", text: formatWithSources(quoted, citations, language), citations };
  }
}

function isConfident(passage: Passage): boolean {
  return passage.coverage >= MIN_COVERAGE && passage.text.trim() !== "";
}

function inOtherLanguage(passage: Passage, language: string): boolean {
  return normalizeLanguage(passage.language) !== normalizeLanguage(language);
}
