import {
  isSupportedLanguage,
  normalizeLanguage,
  SUPPORTED_LANGUAGES,
  type SupportedLanguage,
} from "../language.js";
import { foldText } from "./triggers.js";

/**
 * The customer's side of the helpdesk-ticket dialogue: "Shall I pass this to a person?" and
 * "What is your email address?".
 */

export type YesNo = "yes" | "no";

/**
 * "yes", "no", or null when the message is not an answer ("where is my parcel?", "thanks").
 *
 * Sentences (split at punctuation) are read from the start while they consist only of answer
 * words ("yes", "nee dank je", "claro que sí") and politeness ("thanks", "hmm"); the first other
 * sentence ends the reading. A yes and a no together is no answer. A sentence may also go on after
 * a word that is only ever an answer ("yes I would like that", "nee ik wacht wel"), but not after
 * one that also starts ordinary sentences: "no one answered", "nie mogę się zalogować" ("I
 * cannot log in") and "si no llega" ("if it does not arrive") are not answers. Words mean what
 * they mean in the customer's language ("tak" is yes in Polish, thanks in Danish); without one,
 * a word whose languages disagree counts as neither.
 */
export function parseYesNo(text: string, language: string | null): YesNo | null {
  const vocabulary = vocabularyFor(language);
  const answers = new Set<YesNo>();
  for (const words of sentences(text)) {
    const reading = read(words, vocabulary);
    if (reading.complete) {
      for (const kind of reading.kinds) if (kind !== "neutral") answers.add(kind);
      continue;
    }
    if (answers.size === 0 && reading.lead) answers.add(reading.lead);
    break;
  }
  return answers.size === 1 ? [...answers][0]! : null;
}

type Kind = YesNo | "neutral";

interface LanguageAnswers {
  yes: string;
  no: string;
  /** Thanks and hesitation: part of an answer without being one. */
  neutral?: string;
  /** Yes/no words that are only ever answers, so a sentence may go on after them. */
  leads: string;
  /** Answer words of other languages that mean something else here ("ja" is "I" in Polish). */
  notHere?: string;
}

/** Written folded (no accents, lower case, apostrophes as spaces); commas separate phrases. */
const ANSWERS: Record<SupportedLanguage, LanguageAnswers> = {
  en: {
    yes:
      "yes, yeah, yea, yep, yup, ya, sure, sure thing, please, please do, yes please, ok, okay, k, kk, alright, " +
      "all right, of course, definitely, absolutely, certainly, go ahead, sounds good, that would be great, " +
      "that d be great, i would like that, i d like that, i do, i would, why not, 👍",
    no:
      "no, nope, nah, no thanks, no thank you, not now, not really, no need, never mind, nevermind, i m good, " +
      "i m fine, i m ok, i don t, don t, not needed, no way, 👎",
    neutral: "thanks, thank you, thx, ty, cheers, oh, ah, um, uh, hmm, hm, well, eh",
    leads: "yes, yeah, yep, yup, nope, nah",
  },
  nl: {
    yes:
      "ja, jazeker, jawel, zeker, graag, ja graag, prima, goed, is goed, dat is goed, oke, natuurlijk, tuurlijk, " +
      "doe maar, ja hoor, zeker weten, jep, jup, alsjeblieft, alstublieft, graag gedaan",
    no: "nee, neen, nope, hoeft niet, niet nodig, liever niet, nee hoor, laat maar, nu niet, welnee",
    neutral: "dank je, dank je wel, dankjewel, bedankt, dank u, dank u wel, hoor, nou, tja, euh",
    leads: "ja, jazeker, nee, neen",
  },
  sv: {
    yes: "ja, japp, jajamen, jo, garna, ja tack, absolut, visst, javisst, sakert, okej, gor det, snalla",
    no: "nej, nej tack, na, nae, inte nu, behovs inte, nej da",
    neutral: "tack, tack sa mycket, tackar",
    leads: "ja, jo, nej",
  },
  de: {
    yes:
      "ja, jawohl, jap, jo, klar, na klar, sicher, gerne, gern, ja gerne, ja bitte, bitte, gut, na gut, " +
      "in ordnung, naturlich, selbstverstandlich, auf jeden fall, genau, doch, passt",
    no: "nein, ne, nee, nein danke, nicht notig, nicht jetzt, lieber nicht, auf keinen fall",
    neutral: "danke, danke schon, vielen dank, also, naja",
    leads: "ja, jawohl, nein",
    notHere: "na",
  },
  fr: {
    yes:
      "oui, ouais, ouaip, volontiers, d accord, dac, bien sur, avec plaisir, s il vous plait, s il te plait, " +
      "svp, stp, certainement, absolument, carrement, exactement, si, parfait, je veux bien",
    no: "non, nan, non merci, pas maintenant, pas besoin, ca ira, laisse tomber",
    neutral: "merci, merci beaucoup, euh, bah, ben",
    leads: "oui, ouais, non",
    notHere: "ne",
  },
  es: {
    yes:
      "si, claro, claro que si, por supuesto, vale, dale, de acuerdo, por favor, bueno, perfecto, sip, " +
      "desde luego, como no",
    no: "no, no gracias, nop, para nada, ahora no, no hace falta, no es necesario",
    neutral: "gracias, muchas gracias, pues, eh",
    leads: "sip, nop",
  },
  pt: {
    yes: "sim, claro, claro que sim, com certeza, pode ser, pode, por favor, beleza, certo, isso, quero, perfeito",
    no: "nao, nao obrigado, nao obrigada, agora nao, nao precisa, de jeito nenhum",
    neutral: "obrigado, obrigada, valeu, muito obrigado, muito obrigada",
    leads: "sim",
  },
  it: {
    yes: "si, certo, certamente, volentieri, va bene, d accordo, per favore, sicuro, certo che si, esatto, perfetto",
    no: "no, no grazie, non ora, non serve, assolutamente no, per niente",
    neutral: "grazie, grazie mille, beh, ehm",
    leads: "no",
    notHere: "non",
  },
  pl: {
    yes: "tak, tak prosze, poprosze, prosze, jasne, oczywiscie, pewnie, okej, dobrze, zgoda, chetnie, tak jest",
    no: "nie, nie dziekuje, nie trzeba, nie teraz",
    neutral: "dziekuje, dzieki",
    leads: "tak",
    notHere: "ja, no, na",
  },
  da: {
    yes: "ja, ja tak, jo, gerne, ja gerne, meget gerne, jep, selvfolgelig, klart, helt sikkert",
    no: "nej, nej tak, ellers tak, ikke nu, ikke nodvendigt",
    neutral: "tak, tusind tak, mange tak",
    leads: "ja, nej",
  },
  no: {
    yes: "ja, ja takk, jo, gjerne, ja gjerne, jepp, okei, selvfolgelig, klart, absolutt",
    no: "nei, nei takk, ikke na, ellers takk",
    neutral: "takk, tusen takk, mange takk",
    leads: "ja, nei",
    notHere: "na",
  },
};

interface Meaning {
  kind: Kind;
  lead: boolean;
}

type Vocabulary = ReadonlyMap<string, Meaning>;

const split = (list: string | undefined): string[] =>
  (list ?? "")
    .split(",")
    .map((phrase) => phrase.trim())
    .filter(Boolean);

function meanings(language: SupportedLanguage): Map<string, Meaning> {
  const { yes, no, neutral, leads } = ANSWERS[language];
  const lead = new Set(split(leads));
  const result = new Map<string, Meaning>();
  for (const [kind, list] of [
    ["yes", yes],
    ["no", no],
    ["neutral", neutral],
  ] as const)
    for (const phrase of split(list)) result.set(phrase, { kind, lead: lead.has(phrase) });
  return result;
}

/** Every language's phrases; one whose languages disagree ("tak", "no") is left out. */
const ANY_LANGUAGE: Vocabulary = (() => {
  const merged = new Map<string, Meaning | "conflict">();
  for (const language of SUPPORTED_LANGUAGES)
    for (const [phrase, meaning] of meanings(language)) {
      const known = merged.get(phrase);
      if (known === undefined) merged.set(phrase, meaning);
      else if (known === "conflict" || known.kind !== meaning.kind) merged.set(phrase, "conflict");
      else if (known.lead !== meaning.lead) merged.set(phrase, { kind: known.kind, lead: false });
    }
  return new Map([...merged].filter((entry): entry is [string, Meaning] => entry[1] !== "conflict"));
})();

/** The customer's language's own meanings first, then everyone else's ("ok" from anywhere). */
const BY_LANGUAGE = new Map<SupportedLanguage, Vocabulary>(
  SUPPORTED_LANGUAGES.map((language) => {
    const vocabulary = new Map(ANY_LANGUAGE);
    for (const phrase of split(ANSWERS[language].notHere)) vocabulary.delete(phrase);
    for (const [phrase, meaning] of meanings(language)) vocabulary.set(phrase, meaning);
    return [language, vocabulary];
  }),
);

function vocabularyFor(language: string | null): Vocabulary {
  const code = normalizeLanguage(language);
  return (code && isSupportedLanguage(code) && BY_LANGUAGE.get(code)) || ANY_LANGUAGE;
}

/** The longest phrase, in words. */
const MAX_PHRASE_WORDS = Math.max(
  ...SUPPORTED_LANGUAGES.flatMap((language) =>
    [...meanings(language).keys()].map((p) => p.split(" ").length),
  ),
);

/** Folded words per sentence; the thumbs count as words. */
function sentences(text: string): string[][] {
  return foldText(text)
    .split(/[.,!?;:¡¿()\n]+/)
    .map((sentence) => sentence.match(/[\p{L}\p{N}]+|👍|👎/gu) ?? [])
    .filter((words) => words.length > 0);
}

/** "yesss", "noooo", "neee", "jaaa" → the word they stretch. */
function unstretched(word: string, vocabulary: Vocabulary): string | undefined {
  for (const candidate of [word.replace(/(.)\1{2,}/gu, "$1$1"), word.replace(/(.)\1+/gu, "$1")])
    if (vocabulary.has(candidate)) return candidate;
  return undefined;
}

interface Reading {
  /** What the answer phrases from the start of the sentence say. */
  kinds: Kind[];
  /** Every word of the sentence belongs to an answer phrase. */
  complete: boolean;
  /** The sentence opens with a word that is only ever an answer: what it says. */
  lead: YesNo | undefined;
}

function read(words: readonly string[], vocabulary: Vocabulary): Reading {
  const meanings: Meaning[] = [];
  let at = 0;
  while (at < words.length) {
    const found = longestPhraseAt(words, at, vocabulary);
    if (!found) break;
    meanings.push(vocabulary.get(found.phrase)!);
    at = found.end;
  }
  const answers = meanings.filter((meaning) => meaning.kind !== "neutral");
  const first = answers[0];
  const lead =
    first?.lead && first.kind !== "neutral" && answers.every((meaning) => meaning.kind === first.kind)
      ? first.kind
      : undefined;
  return { kinds: meanings.map((meaning) => meaning.kind), complete: at === words.length, lead };
}

function longestPhraseAt(
  words: readonly string[],
  at: number,
  vocabulary: Vocabulary,
): { phrase: string; end: number } | undefined {
  for (let length = Math.min(MAX_PHRASE_WORDS, words.length - at); length >= 1; length--) {
    const candidate = words.slice(at, at + length).join(" ");
    const phrase = vocabulary.has(candidate)
      ? candidate
      : length === 1
        ? unstretched(candidate, vocabulary)
        : undefined;
    if (phrase) return { phrase, end: at + length };
  }
  return undefined;
}

/** What may stand around an address in a message: spaces, brackets, quotes, commas, "mailto:". */
const AROUND_ADDRESS = /[\s<>()[\]{},;:"]+/u;
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`|~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`|~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/**
 * The first syntactically valid email address in a message ("sure, it's Jane.Doe+shop@example.co.uk
 * thanks"), with its domain lower-cased; the local part keeps its case, which the receiving
 * server may honour. Quoted local parts and IP-address domains are not accepted: a customer
 * typing their address never uses them.
 */
export function extractEmail(text: string): string | null {
  for (const token of text.split(AROUND_ADDRESS)) {
    // Sentence punctuation and markup around the address: "jane@example.com." or "*jane@example.com*".
    const candidate = token.replace(/^['`*]+/u, "").replace(/[^\p{L}\p{N}]+$/u, "");
    const parts = candidate.split("@");
    if (parts.length !== 2) continue;
    const [local, domain] = parts as [string, string];
    if (local.length > 64 || !LOCAL_PART.test(local) || domain.length > 253) continue;
    const labels = domain.toLowerCase().split(".");
    if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) continue;
    if (!TOP_LEVEL.test(labels.at(-1)!)) continue;
    return `${local}@${labels.join(".")}`;
  }
  return null;
}
