import { eld } from "eld/small";

/** Languages the built-in system texts are written in; others get English texts. */
export const SUPPORTED_LANGUAGES = [
  "en",
  "nl",
  "sv",
  "de",
  "fr",
  "es",
  "pt",
  "it",
  "pl",
  "da",
  "no",
] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

export const DEFAULT_LANGUAGE = "en";

/**
 * eld's "small" database: on our customer-service sentences it is as accurate as "medium"
 * (one point below "large") at less than half of large's memory, and a detection takes ~15 µs.
 * An own instance, so a subset set elsewhere in the process can never change our results.
 */
const detector = eld.newInstance();

/** Norwegian has two written standards; we reply in one, so both collapse to `no`. */
const LANGUAGE_ALIASES: Record<string, string> = { nb: "no", nn: "no", nob: "no", nno: "no", nor: "no" };

/** BCP-47's codes for "undetermined", "multiple", "no linguistic content" and "uncoded". */
const NOT_A_LANGUAGE = new Set(["und", "mul", "zxx", "mis"]);

/** Below either of these a message says too little to tell its language ("ok", "ja", "thanks!"). */
const MIN_WORDS = 3;
const MIN_LETTERS = 12;

/**
 * Danish, Norwegian and Swedish (and other close pairs) score within a few hundredths of each
 * other on short sentences; when the language the conversation already has is that close to
 * the winner, switching would be a coin toss, so we keep it.
 */
const CLOSE_SCORE_GAP = 0.05;

/**
 * eld often takes Bokmål for Danish and back. The two spell their commonest words differently
 * (pronouns, question words, prepositions, greetings), so when they are eld's top two, those
 * words settle it.
 */
const DANISH_NORWEGIAN_MARKERS: Record<"da" | "no", ReadonlySet<string>> = {
  da: new Set(
    (
      "mig dig sig hvad af nu noget nogen meget lidt efter tak hej nej undskyld spørgsmål købe købt ud op " +
      "hjælpe hjælp gøre fik bog"
    ).split(" "),
  ),
  no: new Set(
    (
      "meg deg seg hva av nå noe noen mye litt etter takk hei nei unnskyld spørsmål kjøpe kjøpt ut opp " +
      "hjelpe hjelp gjøre fikk bok"
    ).split(" "),
  ),
};

/** BCP-47 tag or POSIX locale ("nl-NL", "sv_SE.UTF-8", "nb") → ISO 639-1 code ("nl", "sv", "no"). */
export function normalizeLanguage(tag: string | null | undefined): string | undefined {
  const primary = tag
    ?.trim()
    .split(/[-_.@]/, 1)[0]
    ?.toLowerCase();
  if (!primary || !/^[a-z]{2,3}$/.test(primary) || NOT_A_LANGUAGE.has(primary)) return undefined;
  return LANGUAGE_ALIASES[primary] ?? primary;
}

export function isSupportedLanguage(language: string): language is SupportedLanguage {
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(language);
}

export interface LanguageSignals {
  text: string;
  /** The client's explicit language (the live chat's browser language). */
  locale?: string | null | undefined;
  conversationLanguage?: string | null | undefined;
  contactLocale?: string | null | undefined;
  defaultLanguage?: string | undefined;
}

export interface LanguageDecision {
  language: string;
  source: "locale" | "detected" | "conversation" | "contact" | "default";
}

/**
 * The language to reply in. An explicit locale wins; otherwise the message's own language when
 * it says enough to tell; otherwise what we already knew (conversation, then contact), so that
 * "ok" or "👍" never flips a Dutch conversation to Polish.
 */
export function decideLanguage(signals: LanguageSignals): LanguageDecision {
  const locale = normalizeLanguage(signals.locale);
  if (locale) return { language: locale, source: "locale" };

  const known = knownLanguage(signals);
  const detection = detectLanguage(signals.text);
  if (!detection) return known;
  const switching = known.source !== "default" && detection.language !== known.language;
  if (switching && !detection.settledByWords && isCloseRunnerUp(detection.scores(), known.language))
    return known;
  return { language: detection.language, source: "detected" };
}

function knownLanguage(signals: LanguageSignals): LanguageDecision {
  const conversation = normalizeLanguage(signals.conversationLanguage);
  if (conversation) return { language: conversation, source: "conversation" };
  const contact = normalizeLanguage(signals.contactLocale);
  if (contact) return { language: contact, source: "contact" };
  return { language: normalizeLanguage(signals.defaultLanguage) ?? DEFAULT_LANGUAGE, source: "default" };
}

interface Detection {
  language: string;
  /** Marker words told Danish from Norwegian: stronger evidence than eld's near-tie. */
  settledByWords: boolean;
  /** eld's score per language; computed on demand, as it costs as much as the detection itself. */
  scores(): Record<string, number>;
}

/** The detected language, or undefined when the text is too short or eld is unsure. */
function detectLanguage(text: string): Detection | undefined {
  const words = text.match(/\p{L}+/gu) ?? [];
  const letters = words.reduce((sum, word) => sum + word.length, 0);
  if (words.length < MIN_WORDS || letters < MIN_LETTERS) return undefined;
  const result = detector.detect(text);
  if (!result.language || !result.isReliable()) return undefined;
  let scores: Record<string, number> | undefined;
  const detection = {
    language: result.language,
    settledByWords: false,
    scores: () => (scores ??= result.getScores()),
  };
  if (detection.language === "da" || detection.language === "no") {
    const settled = settleDanishNorwegian(detection.language, detection.scores(), words);
    detection.settledByWords = settled !== undefined;
    detection.language = settled ?? detection.language;
  }
  return detection;
}

/** "da" or "no" when eld's top two are those and the marker words lean one way; else undefined. */
function settleDanishNorwegian(
  language: "da" | "no",
  scores: Record<string, number>,
  words: string[],
): "da" | "no" | undefined {
  const other = language === "da" ? "no" : "da";
  const runnerUp = Object.entries(scores)
    .filter(([code]) => code !== language)
    .reduce<[string, number]>((best, entry) => (entry[1] > best[1] ? entry : best), ["", 0]);
  if (runnerUp[0] !== other) return undefined;
  const count = (markers: ReadonlySet<string>) => words.filter((w) => markers.has(w.toLowerCase())).length;
  const danish = count(DANISH_NORWEGIAN_MARKERS.da);
  const norwegian = count(DANISH_NORWEGIAN_MARKERS.no);
  if (danish === norwegian) return undefined;
  return danish > norwegian ? "da" : "no";
}

function isCloseRunnerUp(scores: Record<string, number>, language: string): boolean {
  const own = scores[language];
  if (own === undefined) return false;
  const best = Math.max(...Object.values(scores));
  return best - own <= CLOSE_SCORE_GAP;
}
