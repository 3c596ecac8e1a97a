import { systemText } from "../texts.js";
import type { AgentReply } from "./types.js";

/**
 * Greetings, thanks and goodbyes in the eleven languages we write texts in. A customer who
 * says "hi" or "thanks!" deserves a friendly word back, not "I could not find that", and no
 * search or LLM call is needed to give it.
 */
export type SmallTalk = "greeting" | "thanks" | "goodbye";

const CORE_WORDS: Record<SmallTalk, readonly string[]> = {
  thanks: [
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "bedankt",
    "dank",
    "dankjewel",
    "dankuwel",
    "merci",
    "tack",
    "tackar",
    "danke",
    "dankeschön",
    "gracias",
    "obrigado",
    "obrigada",
    "grazie",
    "dziękuję",
    "dziekuje",
    "dzięki",
    "dzieki",
    "takk",
    "tak",
  ],
  goodbye: [
    "bye",
    "goodbye",
    "ziens",
    "doei",
    "hejdå",
    "då",
    "ses",
    "tschüss",
    "tschüs",
    "wiedersehen",
    "revoir",
    "adiós",
    "adios",
    "luego",
    "tchau",
    "adeus",
    "arrivederci",
    "widzenia",
    "farvel",
    "later",
  ],
  greeting: [
    "hi",
    "hello",
    "hey",
    "hiya",
    "hallo",
    "hoi",
    "goedemorgen",
    "goedemiddag",
    "goedenavond",
    "hej",
    "hejsan",
    "tjena",
    "moin",
    "servus",
    "bonjour",
    "salut",
    "bonsoir",
    "hola",
    "olá",
    "ola",
    "oi",
    "ciao",
    "buongiorno",
    "buonasera",
    "salve",
    "cześć",
    "czesc",
    "witam",
    "hei",
    "heisann",
    "goddag",
    "morning",
    "afternoon",
    "evening",
    "morgen",
    "tag",
    "abend",
    "días",
    "dias",
    "tardes",
    "noches",
    "dia",
    "tarde",
    "noite",
    "dobry",
    "dzień",
    "dzien",
  ],
};

/** Words that may stand around the core word without making it a question ("thank you very much"). */
const FILLER = new Set(
  (
    "you so very much a lot great ok okay perfect good there all everyone again and nice day night see ya " +
    "je u wel jullie hartelijk super veel så mycket för hjälpen schön sehr vielen beaucoup bien muchas " +
    "muchísimas buenos buenas muito bom boa mille tante bardzo mange tusen have det ha en god dag guten " +
    "au auf tot vi hasta pronto até logo a presto do pa then"
  ).split(" "),
);

const ALL_CORE = new Map<string, SmallTalk>(
  (Object.entries(CORE_WORDS) as [SmallTalk, readonly string[]][]).flatMap(([kind, words]) =>
    words.map((w) => [w, kind] as const),
  ),
);

/** At most this many words: anything longer carries a question worth searching for. */
const MAX_WORDS = 6;

export function recognizeSmallTalk(text: string): SmallTalk | undefined {
  const words = text
    .toLocaleLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
  if (words.length === 0 || words.length > MAX_WORDS) return undefined;
  const kinds = new Set<SmallTalk>();
  for (const word of words) {
    const kind = ALL_CORE.get(word);
    if (kind) kinds.add(kind);
    else if (!FILLER.has(word)) return undefined;
  }
  // Thanks wins over a greeting or goodbye around it ("hi, thanks!", "thanks, bye").
  for (const kind of ["thanks", "goodbye", "greeting"] as const) if (kinds.has(kind)) return kind;
  return undefined;
}

const TEXT_KEY = {
  greeting: "smallTalkGreeting",
  thanks: "smallTalkThanks",
  goodbye: "smallTalkGoodbye",
} as const;

export function smallTalkReply(kind: SmallTalk, language: string): AgentReply {
  return {
    action: "answer",
    text: systemText(TEXT_KEY[kind], language),
    citations: [],
    reason: `small_talk:${kind}`,
  };
}
