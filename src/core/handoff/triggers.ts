import { z } from "zod";
import { normalizeLanguage } from "../language.js";

/**
 * Admin-configured trigger words and phrases ("refund", "cancel my order") that hand a
 * conversation to a person at once.
 *
 * Matching is on whole words, case- and accent-insensitive, and a phrase's words must follow each
 * other in the message (punctuation and spaces between them do not matter). A customer word
 * matches a trigger word when it is that word or one of its INFLECTED forms: the same word with a
 * plural, case, tense or participle ending of its language ("refund" → "refunds", "refunded";
 * "annuleren" → "annuleer", "geannuleerd"; "avboka" → "avbokade"). DERIVED words are other words
 * and do not match: "refundable" is not "refund", "cancellation" is not "cancel", "Rückerstattung"
 * is not "rückerstatten"; an admin who wants them adds them as triggers of their own. Neither do
 * compounds: "geldterugbetaling" is not "terugbetaling". A stemmer cannot keep this line (Snowball
 * reduces "refundable" to "refund"), so the inflections are listed per language below; irregular
 * forms ("paid", "gesprochen") and Polish stem alternations ("zwrot" → "zwrocie") are not covered.
 */

/** A phrase as the admin types it; one without a letter or digit could never match anything. */
const phraseSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((phrase) => /[\p{L}\p{N}]/u.test(phrase), "must contain a letter or digit");

export const triggerSchema = z.strictObject({
  phrase: phraseSchema.describe("Matched in the customer's language and in English."),
  translations: z
    .record(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z]{2}$/, 'must be a two-letter ISO 639-1 code such as "nl"'),
      z.array(phraseSchema).max(20),
    )
    .default({})
    .describe("The phrase in other languages; each is matched with its own language's word endings."),
});
export type Trigger = z.infer<typeof triggerSchema>;

export interface TriggerMatch {
  trigger: Trigger;
  /** The customer's own words that matched ("Cancelled my order"), for the audit trail. */
  matched: string;
}

/**
 * The first trigger (in the admin's order) whose base phrase or any translation occurs in the
 * text. The base phrase takes the word endings of the customer's language and of English; each
 * translation those of its own language, whatever the customer's language, as customers mix.
 */
export function matchTrigger(
  text: string,
  language: string | null,
  triggers: readonly Trigger[],
): TriggerMatch | null {
  const words = tokenize(text);
  if (words.length === 0) return null;
  const customerLanguage = normalizeLanguage(language);
  const baseLanguages = customerLanguage ? [customerLanguage, "en"] : ["en"];
  for (const trigger of triggers) {
    const phrasings: [string, readonly string[]][] = [[trigger.phrase, baseLanguages]];
    for (const [code, phrases] of Object.entries(trigger.translations)) {
      const own = [normalizeLanguage(code) ?? code];
      for (const phrase of phrases) phrasings.push([phrase, own]);
    }
    for (const [phrase, languages] of phrasings) {
      const span = findPhrase(words, compilePhrase(phrase, languages));
      if (span) return { trigger, matched: text.slice(span.start, span.end) };
    }
  }
  return null;
}

/** Letters the Unicode decomposition does not split into a base letter and a mark. */
const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
};

/**
 * Lower case without accents: "Rückerstattung" → "ruckerstattung", "Straße" → "strasse",
 * "człowiek" → "czlowiek". Shared by the hand-off text checks so they all fold alike.
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[ßæœøłđðþı]/g, (letter) => SPECIAL_LETTERS[letter] ?? letter);
}

/** The ASCII spellings of umlauts and Nordic letters: "rueckerstattung", "aaterbetalning". */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ä: "ae",
  ö: "oe",
  ü: "ue",
  å: "aa",
  ø: "oe",
  æ: "ae",
};

/**
 * A word's folded spellings: accents dropped and, when it has umlauts or Nordic letters, spelled
 * out as well, so "Rückerstattung", "Ruckerstattung" and "Rueckerstattung" all meet.
 */
function spellings(word: string): string[] {
  const plain = foldText(word);
  const spelledOut = foldText(
    word
      .toLowerCase()
      .normalize("NFC")
      .replace(/[äöüåøæ]/g, (letter) => SPELLED_OUT[letter] ?? letter),
  );
  return spelledOut === plain ? [plain] : [plain, spelledOut];
}

interface Word {
  spellings: string[];
  start: number;
  end: number;
}

/** Letters and digits make words (marks included, so a decomposed "é" stays in its word). */
function tokenize(text: string): Word[] {
  return [...text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)].map((m) => ({
    spellings: spellings(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/**
 * Every message is checked against every trigger, and a phrase's forms cost far more to make than
 * to look up (~2 ms for 50 triggers with translations), so they are kept. Bounded, as the admin's
 * phrases change over time; when full it starts over, which costs one slower message.
 */
const compiled = new Map<string, readonly ReadonlySet<string>[]>();
const MAX_COMPILED = 10_000;

function compilePhrase(phrase: string, languages: readonly string[]): readonly ReadonlySet<string>[] {
  const key = `${languages.join(",")}\u0000${phrase}`;
  const known = compiled.get(key);
  if (known) return known;
  const forms = tokenize(phrase).map((word) => {
    const wordForms = new Set<string>();
    for (const spelling of word.spellings)
      for (const language of languages) for (const form of inflect(spelling, language)) wordForms.add(form);
    return wordForms;
  });
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, forms);
  return forms;
}

function findPhrase(
  words: readonly Word[],
  phrase: readonly ReadonlySet<string>[],
): { start: number; end: number } | null {
  if (phrase.length === 0) return null;
  for (let i = 0; i + phrase.length <= words.length; i++) {
    const matches = phrase.every((forms, j) =>
      words[i + j]!.spellings.some((spelling) => forms.has(spelling)),
    );
    if (matches) return { start: words[i]!.start, end: words[i + phrase.length - 1]!.end };
  }
  return null;
}

/**
 * One language's inflections, written folded (no accents), endings separated by spaces. Forms a
 * rule makes that are not real words ("annulerde") do no harm: no customer types them.
 */
interface Inflections {
  /** Endings the word takes as it stands: plurals, cases, verb endings ("refund" → "refunds"). */
  endings: string;
  /**
   * A word ending in a key swaps that ending for any of its value's ("avboka" → "avbok" + "ade");
   * "-" is the bare stem ("rendre" → "rend").
   */
  swaps: Readonly<Record<string, string>>;
  /** Spelling changes lists cannot express: doubled letters, Dutch long vowels, "ge-…-t". */
  spelling?: (word: string) => string[];
}

/** Shorter words ("my", "to", "de") match only as they are; shorter stems are not made. */
const MIN_INFLECTED = 3;

const endingsOf = (list: string) =>
  list
    .split(" ")
    .filter(Boolean)
    .map((ending) => (ending === "-" ? "" : ending));

function inflect(word: string, language: string): string[] {
  const rules = INFLECTIONS[language];
  if (!rules || !/^\p{L}+$/u.test(word) || word.length < MIN_INFLECTED) return [word];
  const forms = [word, ...endingsOf(rules.endings).map((ending) => word + ending)];
  for (const [ending, replacements] of Object.entries(rules.swaps)) {
    if (!word.endsWith(ending) || word.length - ending.length < MIN_INFLECTED) continue;
    const stem = word.slice(0, -ending.length);
    for (const replacement of endingsOf(replacements)) forms.push(stem + replacement);
  }
  if (rules.spelling) forms.push(...rules.spelling(word));
  return forms;
}

const isConsonant = (letter: string | undefined): letter is string =>
  letter !== undefined && /[bcdfghjklmnpqrstvwxz]/.test(letter);

/** "cancel" → "cancelled", "cancelling"; "stop" → "stopped". */
function englishDoubling(word: string): string[] {
  const last = word.at(-1);
  return isConsonant(last) && !/[wxy]/.test(last) ? [`${word}${last}ed`, `${word}${last}ing`] : [];
}

/**
 * Dutch verbs by their infinitive: the stem drops "-en", undoubles a double consonant
 * ("bestellen" → "bestel"), doubles a vowel left in an open syllable ("annuleren" → "annuleer";
 * both spellings are kept, since "leveren" → "lever" cannot be told apart without stress), and
 * ends in "s"/"f" for "z"/"v" ("verhuizen" → "verhuis"). The stem then takes -t, -te(n), -de(n),
 * and the past participle ge-…-d/-t ("geannuleerd"; "betaald" without ge-).
 * Nouns: doubled consonant ("pakket" → "pakketten"), a long vowel undoubled and s/f voiced
 * ("vraag" → "vragen", "brief" → "brieven").
 */
function dutchSpelling(word: string): string[] {
  const forms: string[] = [];
  const last = word.at(-1);
  if (isConsonant(last)) forms.push(`${word}${last}en`);
  const plural = word
    .replace(/([aeou])\1([^aeiou])$/, "$1$2")
    .replace(/f$/, "v")
    .replace(/s$/, "z");
  if (plural !== word) forms.push(`${plural}en`);

  if (!word.endsWith("en") || word.length - 2 < MIN_INFLECTED) return forms;
  const base = word.slice(0, -2);
  const stems = /([bdfgklmnprstz])\1$/.test(base)
    ? [base.slice(0, -1)]
    : /[^aeiou][aeou][^aeiouy]$/.test(base)
      ? [base, `${base.slice(0, -1)}${base.at(-2)}${base.at(-1)}`]
      : [base];
  for (const stem of stems.map((s) => s.replace(/z$/, "s").replace(/v$/, "f"))) {
    forms.push(stem, `${stem}t`, `${stem}d`, `${stem}te`, `${stem}de`, `${stem}ten`, `${stem}den`);
    forms.push(`ge${stem}t`, `ge${stem}d`);
  }
  return forms;
}

/** German past participles: "kündigen" → "gekündigt", "geben" → "gegeben" ("-ieren" has none). */
function germanSpelling(word: string): string[] {
  if (word.endsWith("en") && word.length - 2 >= MIN_INFLECTED) {
    const stem = word.slice(0, -2);
    return [`ge${stem}t`, `ge${stem}et`, `ge${word}`];
  }
  if (/[lr]n$/.test(word)) return [`ge${word.slice(0, -1)}t`];
  return [];
}

/** Danish and Norwegian undouble before -t/-te: "afbestille" → "afbestilt", "afbestilte". */
function nordicSpelling(word: string): string[] {
  if (!/([bdfgklmnprst])\1e$/.test(word)) return [];
  const stem = word.slice(0, -2);
  return [`${stem}t`, `${stem}te`];
}

const INFLECTIONS: Readonly<Record<string, Inflections>> = {
  en: {
    endings: "s es ed d ing",
    swaps: { y: "ies ied", e: "ing" },
    spelling: englishDoubling,
  },
  nl: {
    endings: "en s e n t d de te den ten",
    swaps: {},
    spelling: dutchSpelling,
  },
  sv: {
    endings: "ar er or en et n na arna erna orna a ade at te t s ens ets",
    swaps: { a: "ar er or orna ade at ad as ande de d te t e", e: "ar arna en er erna" },
  },
  de: {
    endings: "e en er es em ern n s t te ten et st est",
    swaps: { en: "e st t et te ten test tet end", n: "t te ten st" },
    spelling: germanSpelling,
  },
  fr: {
    endings: "s x e es",
    swaps: {
      er: "e es ent ons ez ee ees ais ait aient ai a ant iez ions",
      ir: "i is it ie ies issons issez issent issant issait",
      re: "- s t u ue us ues ons ez ent ait ant",
    },
  },
  es: {
    endings: "s es",
    swaps: {
      ar: "o as a amos ais an e es en emos ado ada ados adas ando aba",
      er: "o es e emos eis en a as an ido ida idos idas iendo i io",
      ir: "o es e imos is en a as an ido ida idos idas iendo i io",
    },
  },
  pt: {
    endings: "s es",
    swaps: {
      ar: "o as a amos am ado ada ados adas ando ei ou e em ava",
      er: "o es e emos em ido ida idos idas endo i eu a am",
      ir: "o es e imos em ido ida idos idas indo i iu a am",
      ao: "oes aes aos",
    },
  },
  it: {
    endings: "", // Italian nouns swap their last vowel instead.
    swaps: {
      are: "o i a iamo ate ano ato ata ati ando avo ava ai ero ino",
      ere: "o i e iamo ete ono uto uta uti ute endo eva ei",
      ire: "o i e iamo ite ono ito ita iti endo isco isci isce iscono",
      o: "i a e",
      a: "e i",
      e: "i",
    },
  },
  pl: {
    endings: "a u owi em ie y i ow om ami ach e",
    swaps: {
      // Verbs: present, imperative, past (3rd person, then "-łem"/"-łam": I), participles, gerund.
      owac: "uje ujesz ujemy ujecie uja uj owal owala owali owaly owalem owalam owany owana owane owanie owania",
      ac: "am asz a amy acie aja aj al ala ali aly alem alam any ana ane anie ania",
      ic: "e isz i imy icie a il ila ili ily ilem ilam ony ona one enie enia",
      // Nouns in -a, -o, -e: cases and the bare-stem genitive plural.
      a: "y i e ie o om ami ach -",
      o: "a u em ie om ami ach -",
      e: "a u em om ami ach",
    },
  },
  da: {
    endings: "e er en et ne ene erne rne s r n t ede te de es",
    swaps: { e: "er en et ede es te t ende de erne" },
    spelling: nordicSpelling,
  },
  no: {
    endings: "e er en et a ene ne na s r n t te de es",
    swaps: { e: "er en et a ene te t de dde es ende" },
    spelling: nordicSpelling,
  },
};
