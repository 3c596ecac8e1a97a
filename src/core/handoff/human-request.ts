import {
  isSupportedLanguage,
  normalizeLanguage,
  SUPPORTED_LANGUAGES,
  type SupportedLanguage,
} from "../language.js";
import { foldText } from "./triggers.js";

/**
 * The built-in "I want to talk to a person" intent, in the eleven languages we write texts in.
 *
 * A message asks for a person when one of its sentences (commas count) has
 *  - a verb of talking or connecting right before a person ("can I talk to a human", "quiero
 *    hablar con una persona", "koppla mig till en handläggare"),
 *  - a person right before such a verb, in verb-final word order ("ik wil een medewerker
 *    spreken", "mit einem Mitarbeiter sprechen", "chcę z kimś porozmawiać"), or
 *  - a verb of wanting right before a person that ends the sentence ("I want a human", "ik wil
 *    een mens", "poproszę konsultanta"), or is followed by talking ("I need someone to talk to");
 * or when the whole message is a person and politeness ("human", "Agent!", "real person please").
 * Only request forms count: "I spoke to an agent", "the agent said…", "am I talking to a real
 * person?" or "I'm a real person" mention people without asking for one, and a negation just
 * before ("I don't want to talk to a human", "ik wil niet…") cancels the request.
 *
 * Each language's grammar is tried on its own (its articles, nouns and verbs together), all of
 * them whatever the conversation's language, as short messages are often detected wrongly and
 * customers switch. Only the bare noun is limited to the customer's language and English, as
 * some are ordinary words elsewhere ("mens" in English, "personal" in Swedish). Words are
 * compared folded (no accents, lower case), so "människa", "manniska" and "MÄNNISKA" are one word.
 */
export function wantsHuman(text: string, language: string | null): boolean {
  const message = sentences(text);
  const asks = (grammar: Grammar) =>
    message.some((words) => words.some((_, i) => requestAt(words, i, grammar)));
  return (
    [...GRAMMARS.values()].some(asks) ||
    bareNounGrammars(language).some((grammar) => isOnlyPerson(message, grammar))
  );
}

function bareNounGrammars(language: string | null): Grammar[] {
  const code = normalizeLanguage(language);
  if (!code || !isSupportedLanguage(code)) return [...GRAMMARS.values()];
  return [GRAMMARS.get(code)!, GRAMMARS.get("en")!];
}

interface LanguageWords {
  /** A person on the team; alone it is a request too ("agent", "medewerker"). */
  people: string;
  /** "Someone": a person only after a verb of talking ("can I talk to someone"), never alone. */
  someone: string;
  determiners: string;
  /** Before the noun ("a real person"). */
  adjectives: string;
  /** After the noun ("una persona real"). */
  adjectivesAfter?: string;
  /** Right before the person, whatever follows ("talk to"). */
  talkBefore: string;
  /** Right after the person (verb-final word order: "een medewerker spreken"). */
  talkAfter?: string;
  /** Right before the person, who then ends the sentence ("I want a human"). */
  want: string;
  /** Or, after wanting a person, these follow ("I need someone to talk to"). */
  wantAfter?: string;
  /** May stand around the request without changing it ("please", "graag", "now", "hi"). */
  polite: string;
  /** Just before a request, these turn it around ("don't", "niet"). */
  negations: string;
}

/** Written folded (no accents, lower case, apostrophes as spaces: "quelqu un"); commas separate. */
const WORDS: Record<SupportedLanguage, LanguageWords> = {
  en: {
    people:
      "human, humans, human being, person, agent, agents, live agent, representative, representatives, rep, " +
      "operator, employee, staff, staff member, team member, customer service, customer support, " +
      "customer care, support team, support agent, advisor, adviser, consultant, manager, supervisor",
    someone: "someone, somebody, anyone, anybody",
    determiners: "a, an, the, one, of, your, some, any, another",
    adjectives: "real, actual, live, living, human, proper, genuine, other, different",
    talkBefore:
      "talk to, talk with, speak to, speak with, chat to, chat with, communicate with, connect me to, " +
      "connect me with, connect to, connect with, transfer me to, transfer to, put me through to, " +
      "put me in touch with, get in touch with, in touch with, pass me to, pass me on to, hand me over to, " +
      "hand me to, redirect me to, forward me to, switch me to, escalate to, escalate this to, escalate me to, " +
      "reach",
    talkAfter:
      "i can talk to, i can speak to, i can speak with, i could talk to, i could speak to, available",
    want:
      "i want, want, i need, need, i d like, i would like, d like, would like, can i get, could i get, " +
      "can i have, could i have, may i have, get me, give me, i d prefer, prefer, i demand, i request, " +
      "requesting, is there",
    wantAfter: "to talk to, to speak to, to speak with, to chat with, to chat to",
    polite:
      "please, pls, plz, now, asap, right now, right away, immediately, thanks, thank you, thx, just, hi, " +
      "hello, hey, ok, okay, here, instead",
    negations: "not, don, dont, doesn, never, no need",
  },
  nl: {
    people:
      "medewerker, medewerkers, medewerkster, mens, mensen, persoon, klantenservice, klantendienst, servicedesk, " +
      "helpdesk, collega, operator, agent",
    someone: "iemand",
    determiners: "een, de, het, jullie, uw, je, n",
    adjectives: "echte, echt, levende, menselijke, andere",
    talkBefore:
      "praten met, spreken met, chatten met, contact met, verbinden met, doorverbinden met, doorverbonden met, " +
      "doorverbonden worden met, verbind me door met, verbind mij door met, verbind me met, verbind mij met, " +
      "zet me door naar, stuur me door naar, doorsturen naar, doorgestuurd naar",
    talkAfter: "spreken, praten, chatten, te spreken, aan de lijn, nodig",
    want:
      "ik wil, wil, ik wil graag, ik wil liever, liever, ik zou graag, mag ik, kan ik, geef me, geef mij, " +
      "ik vraag om, ik vraag naar, vraag om, vraag naar",
    polite:
      "graag, alsjeblieft, alstublieft, aub, ajb, nu, even, meteen, direct, zo snel mogelijk, dank je, bedankt, " +
      "hoi, hallo, hey, toch, liefst",
    negations: "niet, geen, nooit, hoef",
  },
  sv: {
    people:
      "manniska, manniskor, person, personal, handlaggare, medarbetare, kundtjanst, kundservice, kundsupport, " +
      "agent, operator, support",
    someone: "nagon, nan",
    determiners: "en, ett, den, er, era",
    adjectives: "riktig, riktiga, verklig, verkliga, levande, mansklig, manskliga, annan, akta",
    talkBefore:
      "prata med, tala med, snacka med, chatta med, kontakt med, koppla mig till, koppla mig vidare till, " +
      "koppla vidare till, koppla till, fa tag pa",
    want: "jag vill ha, vill ha, kan jag fa, far jag, jag behover, behover, ge mig, jag onskar, helst",
    polite: "tack, snalla, nu, garna, hej, hallo, direkt",
    negations: "inte, ej, aldrig, icke",
  },
  de: {
    people:
      "mensch, menschen, mitarbeiter, mitarbeiterin, mitarbeitende, mitarbeitenden, person, berater, beraterin, " +
      "kundenberater, kundenberaterin, kundenservice, kundendienst, kundenbetreuer, kundensupport, support, " +
      "ansprechpartner, ansprechpartnerin, sachbearbeiter, servicemitarbeiter, agent, agenten, operator",
    someone: "jemand, jemandem, jemanden",
    determiners: "ein, eine, einen, einem, einer, der, die, den, dem, ihren, ihrem, ihre",
    adjectives:
      "echte, echten, echtem, echter, echtes, richtige, richtigen, richtigem, richtiger, lebendige, lebendigen, " +
      "lebendigem, menschliche, menschlichen, menschlichem, menschlicher, realen, realem, reale, anderen, anderem",
    talkBefore:
      "sprechen mit, reden mit, chatten mit, verbinden sie mich mit, verbinde mich mit, verbinden mit, " +
      "verbindung mit, kontakt mit, kontakt zu, weiterleiten an, leiten sie mich an, leite mich an",
    talkAfter: "sprechen, reden, chatten, erreichen, verbunden werden, zu sprechen",
    want:
      "ich will, will, ich mochte, mochte, ich moechte, moechte, ich hatte gern, ich hatte gerne, ich haette gern, " +
      "ich haette gerne, ich brauche, brauche, kann ich, konnte ich, darf ich, bitte um, geben sie mir, gib mir",
    polite: "bitte, jetzt, sofort, danke, hallo, hi, gern, gerne, mal, schnell, einfach, doch",
    negations: "nicht, kein, keinen, keine, nie, niemals",
  },
  fr: {
    // "personne" alone means "nobody" ("parler à personne"), so it only counts with an article.
    people:
      "humain, humains, etre humain, une personne, une vraie personne, la personne, une personne reelle, " +
      "une personne physique, conseiller, conseillere, agent, operateur, operatrice, employe, employee, " +
      "interlocuteur, interlocutrice, service client, service clientele, support, technicien, responsable",
    someone: "quelqu un, quelqu une",
    determiners: "un, une, le, la, l, les, des, votre, vos, du",
    adjectives: "vrai, vraie, veritable, autre",
    adjectivesAfter: "reel, reelle, humain, humaine",
    talkBefore:
      "parler a, parler avec, discuter avec, echanger avec, en relation avec, en contact avec, contact avec, " +
      "transferer a, transferer vers, me passer, passez moi, passe moi, passer a, contacter, joindre, " +
      "avoir affaire a",
    want:
      "je veux, veux, je voudrais, voudrais, j aimerais, aimerais, je souhaite, souhaite, je demande, " +
      "il me faut, donnez moi, puis je avoir, je peux avoir, pourrais je avoir, je prefere",
    polite:
      "s il vous plait, s il te plait, svp, stp, merci, maintenant, bonjour, salut, tout de suite, rapidement, vite",
    negations: "pas, ne, n, jamais",
  },
  es: {
    people:
      "persona, personas, humano, humanos, ser humano, agente, asesor, asesora, operador, operadora, " +
      "representante, empleado, empleada, atencion al cliente, servicio al cliente, soporte, ejecutivo, " +
      "ejecutiva, encargado, encargada",
    someone: "alguien",
    determiners: "un, una, el, la, los, las, algun, alguna",
    adjectives: "verdadero, verdadera, otro, otra",
    adjectivesAfter: "real, de verdad, humano, humana, de carne y hueso",
    talkBefore:
      "hablar con, hablar a, comunicarme con, comunicarse con, comunicar con, conversar con, charlar con, " +
      "chatear con, pasame con, pasarme con, paseme con, ponme con, ponerme con, pongame con, transferir a, " +
      "transferirme a, transfiereme a, transfierame a, conectar con, conectarme con, conectame con, " +
      "contactar con, contactar a, en contacto con",
    want: "quiero, quisiera, necesito, me gustaria, prefiero, dame, deme, puedo tener, solicito, pido",
    polite: "por favor, porfa, porfavor, ya, ahora, ahora mismo, gracias, hola, urgente",
    negations: "no, nunca, ni",
  },
  pt: {
    people:
      "atendente, atendentes, humano, pessoa, pessoas, ser humano, agente, operador, operadora, consultor, " +
      "consultora, funcionario, funcionaria, representante, suporte, atendimento",
    someone: "alguem",
    determiners: "um, uma, o, a, os, as, algum, alguma",
    adjectives: "outro, outra, verdadeiro, verdadeira",
    adjectivesAfter: "real, de verdade, humano, humana",
    talkBefore:
      "falar com, conversar com, me transferir para, transferir para, transfere para, me transfere para, " +
      "me passa para, me passar para, passar para, passa para, contato com, me conectar com, conectar com",
    want: "quero, queria, gostaria de, preciso de, prefiro, posso ter, me de, me da, solicito, peco",
    polite: "por favor, pfv, pf, agora, ja, obrigado, obrigada, ola, oi",
    negations: "nao, nunca, nem",
  },
  it: {
    people:
      "operatore, operatrice, operatori, persona, persone, umano, essere umano, agente, consulente, addetto, " +
      "addetta, servizio clienti, assistenza clienti, impiegato, impiegata, dipendente, responsabile",
    someone: "qualcuno",
    determiners: "un, uno, una, il, lo, la, l, i, gli, le",
    adjectives: "vero, vera, altro, altra",
    adjectivesAfter: "reale, vero, vera, umano, umana, in carne e ossa",
    talkBefore:
      "parlare con, parlare a, parlare ad, chattare con, mettermi in contatto con, in contatto con, contatto con, " +
      "passarmi, passami, collegarmi con, collegarmi a, trasferirmi a, trasferire a, contattare, sentire",
    want: "voglio, vorrei, ho bisogno di, mi serve, preferisco, posso avere, potrei avere, chiedo, datemi, mi dia",
    polite: "per favore, per piacere, grazie, ora, adesso, subito, ciao, salve",
    negations: "non, mai",
  },
  pl: {
    // Cases of the nouns: nominative (alone), accusative (after "chcę"), instrumental (after "z").
    people:
      "konsultant, konsultanta, konsultantem, konsultantka, konsultantke, czlowiek, czlowieka, czlowiekiem, " +
      "osoba, osobe, pracownik, pracownika, pracownikiem, pracowniczka, agent, agenta, agentem, operator, " +
      "operatora, operatorem, doradca, doradce, obsluga klienta, obsluge klienta, obsluga, ludzmi",
    someone: "kims, kogos, ktos",
    determiners: "jakims, jakas, jakiegos",
    adjectives:
      "prawdziwym, prawdziwa, prawdziwego, prawdziwy, zywym, zywa, zywego, zywy, innym, innego, inny",
    talkBefore:
      "rozmawiac z, porozmawiac z, pogadac z, mowic z, rozmowa z, rozmowe z, polacz mnie z, polaczyc z, " +
      "polaczyc mnie z, polaczenie z, przelacz mnie do, przelacz mnie na, przekieruj mnie do, przekierowac do, " +
      "kontakt z, skontaktowac sie z",
    talkAfter: "porozmawiac, rozmawiac, pogadac",
    want: "chce, chcialbym, chcialabym, potrzebuje, poprosze, prosze o, wole, daj mi, dajcie mi",
    polite: "prosze, poprosze, teraz, natychmiast, dziekuje, dzieki, czesc, witam, dzien dobry, pilnie",
    negations: "nie, nigdy",
  },
  da: {
    people:
      "menneske, mennesker, person, personer, medarbejder, medarbejdere, kundeservice, agent, konsulent, " +
      "radgiver, supporter, support, ansat, ansatte",
    someone: "nogen",
    determiners: "en, et, den, det, jeres, din",
    adjectives: "rigtig, rigtigt, rigtige, levende, virkelig, virkeligt, menneskelig, anden, andet",
    talkBefore:
      "tale med, snakke med, chatte med, skrive med, stil mig om til, stille mig om til, viderestil mig til, " +
      "viderestille mig til, forbind mig med, forbinde mig med, kontakt med, sende mig videre til",
    want: "jeg vil have, vil have, jeg vil gerne have, kan jeg fa, ma jeg fa, jeg har brug for, brug for, giv mig",
    polite: "tak, venligst, nu, gerne, hej, hallo, med det samme",
    negations: "ikke, aldrig",
  },
  no: {
    people:
      "menneske, mennesker, person, personer, medarbeider, medarbeidere, kundeservice, kundestotte, agent, " +
      "radgiver, saksbehandler, kundebehandler, ansatt, ansatte, support, operator, konsulent",
    someone: "noen",
    determiners: "en, et, ei, den, det, deres, din",
    adjectives: "ekte, virkelig, levende, menneskelig, annen, annet, skikkelig",
    talkBefore:
      "snakke med, prate med, tale med, chatte med, kontakt med, sett meg over til, sette meg over til, " +
      "koble meg til, koble meg over til, koble meg videre til, send meg videre til, sende meg videre til",
    want: "jeg vil ha, vil ha, jeg vil gjerne ha, kan jeg fa, far jeg, jeg trenger, trenger, gi meg",
    polite: "takk, vennligst, na, gjerne, hei, hallo, med en gang",
    negations: "ikke, aldri, ikkje",
  },
};

type Phrase = readonly string[];

/**
 * A list's phrases by their first word. Every word of every message is tried as the start of
 * each list in eleven languages, and nearly all of those tries fail on the first word: looking
 * the word up skips them. Scanned one by one they took 6.5 % of an answering process's CPU in the
 * bench's crowd (perf); the lookup makes a call about four times cheaper.
 */
type Phrases = ReadonlyMap<string, readonly Phrase[]>;

function phraseList(list: string): Phrase[] {
  return list
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split(" "));
}

function phrases(list: string): Phrases {
  const byFirstWord = new Map<string, Phrase[]>();
  for (const phrase of phraseList(list)) {
    const first = phrase[0]!;
    byFirstWord.set(first, [...(byFirstWord.get(first) ?? []), phrase]);
  }
  return byFirstWord;
}

/** One language's words as phrases; politeness includes English's ("medewerker please"). */
interface Grammar {
  people: Phrases;
  someone: Phrases;
  determiners: ReadonlySet<string>;
  adjectives: ReadonlySet<string>;
  adjectivesAfter: Phrases;
  talkBefore: Phrases;
  talkAfter: Phrases;
  want: Phrases;
  wantAfter: Phrases;
  polite: Phrases;
  negations: Phrases;
}

const GRAMMARS = new Map<SupportedLanguage, Grammar>(
  SUPPORTED_LANGUAGES.map((language) => {
    const words = WORDS[language];
    const grammar: Grammar = {
      people: phrases(words.people),
      someone: phrases(words.someone),
      determiners: new Set(phraseList(words.determiners).flat()),
      adjectives: new Set(phraseList(words.adjectives).flat()),
      adjectivesAfter: phrases(words.adjectivesAfter ?? ""),
      talkBefore: phrases(words.talkBefore),
      talkAfter: phrases(words.talkAfter ?? ""),
      want: phrases(words.want),
      wantAfter: phrases(words.wantAfter ?? ""),
      polite: phrases(`${words.polite}, ${WORDS.en.polite}`),
      negations: phrases(words.negations),
    };
    return [language, grammar];
  }),
);

/** How far back a negation reaches: "I don('t) want to | talk to a human". */
const NEGATION_REACH = 4;
/** Articles and adjectives before the noun: "a real live | person". */
const MAX_MODIFIERS = 3;

/** Folded words per sentence; commas and other punctuation end a sentence too. */
function sentences(text: string): string[][] {
  return foldText(text)
    .split(/[.,!?;:¡¿()\n]+/)
    .map((sentence) => sentence.split(/[^\p{L}\p{N}]+/u).filter(Boolean))
    .filter((words) => words.length > 0);
}

/** Whether a phrase starts at `i`; the index after it, or -1. */
function phraseAt(words: readonly string[], i: number, phrase: Phrase): number {
  return phrase.every((word, j) => words[i + j] === word) ? i + phrase.length : -1;
}

/** The index after the longest of `list` at `i`, or -1. */
function anyAt(words: readonly string[], i: number, list: Phrases): number {
  const word = words[i];
  const candidates = word === undefined ? undefined : list.get(word);
  if (!candidates) return -1;
  let end = -1;
  for (const phrase of candidates) end = Math.max(end, phraseAt(words, i, phrase));
  return end;
}

function skipPolite(words: readonly string[], i: number, grammar: Grammar): number {
  let at = i;
  for (let next = anyAt(words, at, grammar.polite); next > at; next = anyAt(words, at, grammar.polite))
    at = next;
  return at;
}

/**
 * A person ("a real live agent", "una persona de verdad") starting at `i`: the index after it, or
 * -1. "Someone" counts only where a verb of talking goes with it.
 */
function personAt(words: readonly string[], i: number, grammar: Grammar, someone: boolean): number {
  for (let at = i; at <= i + MAX_MODIFIERS && at < words.length; at++) {
    const end = Math.max(anyAt(words, at, grammar.people), someone ? anyAt(words, at, grammar.someone) : -1);
    if (end >= 0) return Math.max(end, anyAt(words, end, grammar.adjectivesAfter));
    const word = words[at]!;
    if (!grammar.determiners.has(word) && !grammar.adjectives.has(word)) return -1;
  }
  return -1;
}

function negatedBefore(words: readonly string[], i: number, grammar: Grammar): boolean {
  for (let at = Math.max(0, i - NEGATION_REACH); at < i; at++) {
    const end = anyAt(words, at, grammar.negations);
    if (end >= 0 && end <= i) return true;
  }
  return false;
}

/** A request starting at word `i`: talk + person, want + person (ending the sentence), person + talk. */
function requestAt(words: readonly string[], i: number, grammar: Grammar): boolean {
  if (negatedBefore(words, i, grammar)) return false;
  const talk = anyAt(words, i, grammar.talkBefore);
  if (talk >= 0 && personAt(words, skipPolite(words, talk, grammar), grammar, true) >= 0) return true;
  const want = anyAt(words, i, grammar.want);
  if (want >= 0) {
    const start = skipPolite(words, want, grammar);
    const person = personAt(words, start, grammar, false);
    if (person >= 0 && skipPolite(words, person, grammar) === words.length) return true;
    const anyone = personAt(words, start, grammar, true);
    if (anyone >= 0 && anyAt(words, anyone, grammar.wantAfter) >= 0) return true;
  }
  const person = personAt(words, i, grammar, true);
  return person >= 0 && anyAt(words, skipPolite(words, person, grammar), grammar.talkAfter) >= 0;
}

/**
 * The whole message is a person and politeness: "human", "real person please", "hi, agent!" (but
 * not "Mens, wat een gedoe": Dutch "mens" is also an exclamation).
 */
function isOnlyPerson(sentences: readonly (readonly string[])[], grammar: Grammar): boolean {
  const isPolite = (words: readonly string[]) => skipPolite(words, 0, grammar) === words.length;
  const isPerson = (words: readonly string[]) => {
    const end = personAt(words, skipPolite(words, 0, grammar), grammar, false);
    return end >= 0 && skipPolite(words, end, grammar) === words.length;
  };
  return sentences.some(isPerson) && sentences.every((words) => isPolite(words) || isPerson(words));
}
