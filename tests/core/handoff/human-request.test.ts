import { describe, expect, it } from "vitest";
import { wantsHuman } from "../../../src/core/handoff/human-request.js";

/** Per language: messages that ask for a person, and messages that only mention one. */
const CASES: Record<string, { asks: string[]; mentions: string[] }> = {
  en: {
    asks: [
      "can I talk to a human",
      "Speak to an agent",
      "real person please",
      "HUMAN!",
      "agent",
      "Can I speak with someone?",
      "I want a human",
      "i need a real person please",
      "Need a human",
      "connect me to a live agent",
      "Transfer me to a representative",
      "put me through to customer service",
      "Is there a human I can talk to?",
      "Is there an agent available?",
      "I'd like to speak to your manager",
      "this bot is useless, let me talk to a person",
      "I need someone to talk to",
      "talk to someone about my refund",
      "Why can't I talk to a human?",
      "hi, human please",
      "get me a human",
      "can i speak to one of your agents",
    ],
    mentions: [
      "my person was charged twice",
      "I'm a real person",
      "the agent on the phone said my order shipped",
      "I spoke to an agent yesterday",
      "I already talked to someone",
      "Are you a human?",
      "Am I talking to a real person?",
      "Is this a real person or a bot",
      "I don't want to talk to a human",
      "I do not need an agent",
      "Do I need a person to sign for the parcel?",
      "I asked the agent to talk to the store",
      "Can I talk to you about my order?",
      "Who is my contact person?",
      "Can I get a refund?",
      "Customer service was great",
      "human resources called me",
      "tell your agent I said thanks",
      "Human. My order is late",
      "where is my order",
    ],
  },
  nl: {
    asks: [
      "medewerker spreken",
      "ik wil een mens",
      "Medewerker!",
      "Kan ik een medewerker spreken?",
      "ik wil graag met een medewerker praten",
      "verbind me door met een medewerker",
      "kan ik met iemand praten",
      "ik wil een echt mens spreken",
      "mag ik een medewerker",
      "ik heb een medewerker nodig",
      "kan ik praten met een echte persoon",
    ],
    mentions: [
      "de medewerker zei dat mijn pakket onderweg is",
      "ik heb al met een medewerker gesproken",
      "ik ben een echt mens",
      "ik wil niet met een medewerker praten",
      "ik wil geen medewerker spreken",
      "mijn medewerker heeft het besteld",
      "ben jij een mens?",
      "Mens, wat een gedoe",
    ],
  },
  sv: {
    asks: [
      "kan jag prata med en människa",
      "KAN JAG PRATA MED EN MANNISKA",
      "jag vill prata med någon",
      "koppla mig till en handläggare",
      "jag vill ha en riktig person",
      "Människa tack",
      "kan jag få prata med kundtjänst",
      "jag behöver en människa",
    ],
    mentions: [
      "personen i telefon sa att paketet var skickat",
      "jag har redan pratat med en handläggare",
      "jag vill inte prata med en människa",
      "är du en människa?",
      "jag är en riktig person",
    ],
  },
  de: {
    asks: [
      "ich möchte mit einem Mitarbeiter sprechen",
      "Ich moechte mit einem Menschen sprechen",
      "ich mochte mit einem mitarbeiter sprechen",
      "Mitarbeiter bitte",
      "kann ich mit jemandem reden",
      "verbinden Sie mich mit einem Mitarbeiter",
      "Ich will einen echten Menschen",
      "ich brauche einen Mitarbeiter",
      "kann ich einen Mitarbeiter sprechen?",
      "ich hätte gern einen Berater",
    ],
    mentions: [
      "Der Mitarbeiter am Telefon sagte, meine Bestellung sei verschickt",
      "Ich habe schon mit einem Mitarbeiter gesprochen",
      "Ich bin ein echter Mensch",
      "Ich möchte nicht mit einem Mitarbeiter sprechen",
      "Bist du ein Mensch?",
    ],
  },
  fr: {
    asks: [
      "je veux parler à un conseiller",
      "je veux parler a un conseiller",
      "Puis-je parler à un humain ?",
      "je voudrais parler à quelqu'un",
      "un conseiller svp",
      "je veux un humain",
      "mettez-moi en relation avec un conseiller",
      "je veux parler à une vraie personne",
      "passez-moi un conseiller",
    ],
    mentions: [
      "le conseiller au téléphone m'a dit que ma commande était partie",
      "j'ai déjà parlé à un conseiller",
      "je suis une vraie personne",
      "personne ne m'a répondu",
      "Personne.",
      "je ne veux pas parler à un conseiller",
      "êtes-vous un humain ?",
    ],
  },
  es: {
    asks: [
      "quiero hablar con una persona",
      "¿Puedo hablar con un agente?",
      "quiero un humano",
      "pásame con un asesor",
      "necesito hablar con alguien",
      "una persona real, por favor",
      "quiero hablar con un ser humano",
      "Agente por favor",
    ],
    mentions: [
      "la persona que me atendió dijo que ya se envió",
      "ya hablé con un agente",
      "soy una persona real",
      "no quiero hablar con una persona",
      "¿eres humano?",
    ],
  },
  pt: {
    asks: [
      "quero falar com um atendente",
      "posso falar com uma pessoa?",
      "quero um atendente",
      "atendente por favor",
      "me transfere para um atendente",
      "preciso falar com alguém",
      "quero falar com um humano",
    ],
    mentions: [
      "o atendente disse que o pedido foi enviado",
      "já falei com um atendente",
      "sou uma pessoa real",
      "não quero falar com um atendente",
      "você é humano?",
    ],
  },
  it: {
    asks: [
      "vorrei parlare con un operatore",
      "posso parlare con qualcuno?",
      "voglio un operatore",
      "operatore per favore",
      "vorrei parlare con una persona vera",
      "passami un operatore",
      "vorrei parlare con un essere umano",
    ],
    mentions: [
      "l'operatore mi ha detto che l'ordine è partito",
      "ho già parlato con un operatore",
      "sono una persona vera",
      "non voglio parlare con un operatore",
      "sei un umano?",
    ],
  },
  pl: {
    asks: [
      "chcę rozmawiać z konsultantem",
      "chce rozmawiac z konsultantem",
      "poproszę konsultanta",
      "czy mogę porozmawiać z człowiekiem?",
      "konsultant",
      "połącz mnie z konsultantem",
      "chcę porozmawiać z prawdziwym człowiekiem",
      "chcę z kimś porozmawiać",
    ],
    mentions: [
      "konsultant powiedział, że paczka została wysłana",
      "rozmawiałem już z konsultantem",
      "jestem prawdziwym człowiekiem",
      "nie chcę rozmawiać z konsultantem",
      "czy jesteś człowiekiem?",
    ],
  },
  da: {
    asks: [
      "jeg vil tale med et menneske",
      "kan jeg tale med en medarbejder",
      "kan jeg snakke med nogen",
      "menneske tak",
      "stil mig om til en medarbejder",
      "jeg vil have en rigtig person",
    ],
    mentions: [
      "medarbejderen i telefonen sagde at pakken var sendt",
      "jeg har allerede talt med en medarbejder",
      "jeg er et rigtigt menneske",
      "jeg vil ikke tale med et menneske",
      "er du et menneske?",
    ],
  },
  no: {
    asks: [
      "kan jeg snakke med en person",
      "kan jeg snakke med et menneske",
      "jeg vil snakke med noen",
      "koble meg til en rådgiver",
      "jeg vil ha et ekte menneske",
      "kundeservice takk",
      "kan jeg prate med en medarbeider",
    ],
    mentions: [
      "personen på telefonen sa at pakken var sendt",
      "jeg har allerede snakket med en medarbeider",
      "jeg er et ekte menneske",
      "jeg vil ikke snakke med en person",
      "er du et menneske?",
    ],
  },
};

describe("wantsHuman", () => {
  describe.each(Object.entries(CASES))("%s", (language, { asks, mentions }) => {
    it.each(asks)("“%s” asks for a person", (text) => {
      expect(wantsHuman(text, language)).toBe(true);
    });

    it.each(mentions)("“%s” does not", (text) => {
      expect(wantsHuman(text, language)).toBe(false);
    });
  });

  it("recognizes a request in any language, whatever the conversation's", () => {
    expect(wantsHuman("kan ik een medewerker spreken?", "en")).toBe(true);
    expect(wantsHuman("can I talk to a human", "de")).toBe(true);
    expect(wantsHuman("quiero hablar con una persona", null)).toBe(true);
    expect(wantsHuman("kan jag prata med en människa", "sv-SE")).toBe(true);
  });

  it("takes a bare noun only in the customer's language or English, or any when unknown", () => {
    expect(wantsHuman("medewerker", "nl")).toBe(true);
    expect(wantsHuman("medewerker", null)).toBe(true);
    expect(wantsHuman("agent!", "nl")).toBe(true);
    // "Mens" is a clothing category and "personal" an answer in English.
    expect(wantsHuman("Mens", "en")).toBe(false);
    expect(wantsHuman("personal", "en")).toBe(false);
    expect(wantsHuman("personal", "sv")).toBe(true);
  });

  it("finds the request in any sentence of a longer message", () => {
    expect(wantsHuman("My parcel never arrived. I have asked twice now. Can I talk to a human?", "en")).toBe(
      true,
    );
  });

  it("is not fooled by empty or punctuation-only messages", () => {
    expect(wantsHuman("", "en")).toBe(false);
    expect(wantsHuman("?!", "en")).toBe(false);
  });
});
