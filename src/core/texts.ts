import type { Citation } from "../db/schema.js";
import { isSupportedLanguage, normalizeLanguage, type SupportedLanguage } from "./language.js";

/**
 * The sentences Parley itself says, in every supported language. Admin-configured messages
 * (hand-off, availability) replace some of them per workspace; these are what a fresh install
 * says. Placeholders are `{name}` and are filled by `systemText`.
 */
const TEXTS = {
  en: {
    greeting: "Hi! I'm {agentName}, an AI assistant. How can I help you today?",
    notFound:
      "Sorry, I couldn't find that in our information. Could you rephrase your question? " +
      "If you prefer, I can also connect you with a person from our team.",
    handoff: "I'm passing you on to a person from our team. Someone will reply here as soon as possible.",
    unavailable:
      "Sorry, something went wrong on our side. Please try again in a moment, or ask for a person.",
    unsupportedMessage:
      "Sorry, I can only read text messages, not this kind of message. Could you type your question?",
    sourceLabel: "Source",
    sourcesLabel: "Sources",
    otherLanguageNote: "I found this in our information in another language, so I'm quoting it as written:",
    poweredByAi: "Powered by AI",
    smallTalkGreeting: "Hello! How can I help you today?",
    smallTalkThanks: "You're welcome! Is there anything else I can help you with?",
    smallTalkGoodbye: "Goodbye, and have a nice day!",
  },
  nl: {
    greeting: "Hallo! Ik ben {agentName}, een AI-assistent. Waarmee kan ik je helpen?",
    notFound:
      "Sorry, dat kon ik niet vinden in onze informatie. Kun je je vraag anders formuleren? " +
      "Als je wilt, kan ik je ook doorverbinden met een medewerker.",
    handoff: "Ik geef je door aan een medewerker. Iemand van ons team reageert hier zo snel mogelijk.",
    unavailable:
      "Sorry, er ging aan onze kant iets mis. Probeer het over een " +
      "momentje opnieuw, of vraag naar een medewerker.",
    unsupportedMessage:
      "Sorry, ik kan alleen tekstberichten lezen, geen berichten van dit soort. Kun je je vraag typen?",
    sourceLabel: "Bron",
    sourcesLabel: "Bronnen",
    otherLanguageNote:
      "Ik heb dit in onze informatie in een andere taal gevonden, dus ik citeer het zoals het er staat:",
    poweredByAi: "Mogelijk gemaakt door AI",
    smallTalkGreeting: "Hallo! Waarmee kan ik je helpen?",
    smallTalkThanks: "Graag gedaan! Kan ik je nog ergens anders mee helpen?",
    smallTalkGoodbye: "Tot ziens, en nog een fijne dag!",
  },
  sv: {
    greeting: "Hej! Jag heter {agentName} och är en AI-assistent. Hur kan jag hjälpa dig?",
    notFound:
      "Tyvärr hittade jag inte det i vår information. Kan du formulera frågan på ett annat sätt? " +
      "Om du vill kan jag också koppla dig vidare till en person i vårt team.",
    handoff: "Jag kopplar dig vidare till en person. Någon i vårt team svarar dig här så snart som möjligt.",
    unavailable:
      "Tyvärr gick något fel hos oss. Försök igen om en liten stund, eller be att få prata med en person.",
    unsupportedMessage:
      "Tyvärr kan jag bara läsa textmeddelanden, inte den här typen av meddelanden. Kan du skriva din fråga?",
    sourceLabel: "Källa",
    sourcesLabel: "Källor",
    otherLanguageNote:
      "Jag hittade det här i vår information på ett annat språk, så jag citerar det som det står:",
    poweredByAi: "Drivs av AI",
    smallTalkGreeting: "Hej! Hur kan jag hjälpa dig?",
    smallTalkThanks: "Varsågod! Finns det något mer jag kan hjälpa dig med?",
    smallTalkGoodbye: "Hej då, och ha en fin dag!",
  },
  de: {
    greeting: "Hallo! Ich bin {agentName}, ein KI-Assistent. Wie kann ich Ihnen helfen?",
    notFound:
      "Das konnte ich in unseren Informationen leider nicht finden. " +
      "Könnten Sie Ihre Frage anders formulieren? " +
      "Wenn Sie möchten, verbinde ich Sie auch mit einer Person aus unserem Team.",
    handoff:
      "Ich leite Sie an eine Person aus unserem Team weiter. Jemand " +
      "antwortet Ihnen hier so bald wie möglich.",
    unavailable:
      "Entschuldigung, bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal " +
      "oder fragen Sie nach einer Person aus unserem Team.",
    unsupportedMessage:
      "Entschuldigung, ich kann nur Textnachrichten lesen, keine Nachrichten dieser Art. " +
      "Könnten Sie Ihre Frage eintippen?",
    sourceLabel: "Quelle",
    sourcesLabel: "Quellen",
    otherLanguageNote:
      "Ich habe das in unseren Informationen in einer anderen " +
      "Sprache gefunden und zitiere es daher im Original:",
    poweredByAi: "Unterstützt durch KI",
    smallTalkGreeting: "Hallo! Wie kann ich Ihnen helfen?",
    smallTalkThanks: "Gern geschehen! Kann ich Ihnen sonst noch helfen?",
    smallTalkGoodbye: "Auf Wiedersehen und einen schönen Tag noch!",
  },
  fr: {
    greeting: "Bonjour ! Je suis {agentName}, un assistant IA. Comment puis-je vous aider ?",
    notFound:
      "Désolé, je n'ai pas trouvé cela dans nos informations. Pourriez-vous reformuler votre question ? " +
      "Si vous le souhaitez, je peux aussi vous mettre en relation avec une personne de notre équipe.",
    handoff:
      "Je vous mets en relation avec une personne de notre équipe. " +
      "Quelqu'un vous répondra ici dès que possible.",
    unavailable:
      "Désolé, un problème est survenu de notre côté. Veuillez réessayer dans un instant, " +
      "ou demandez à parler à une personne.",
    unsupportedMessage:
      "Désolé, je ne peux lire que les messages texte, pas ce type de " +
      "message. Pourriez-vous écrire votre question ?",
    sourceLabel: "Source",
    sourcesLabel: "Sources",
    otherLanguageNote: "J'ai trouvé cette information dans une autre langue, je la cite donc telle quelle :",
    poweredByAi: "Propulsé par l'IA",
    smallTalkGreeting: "Bonjour ! Comment puis-je vous aider ?",
    smallTalkThanks: "Je vous en prie ! Puis-je vous aider pour autre chose ?",
    smallTalkGoodbye: "Au revoir et bonne journée !",
  },
  es: {
    greeting: "¡Hola! Soy {agentName}, un asistente de IA. ¿En qué puedo ayudarle?",
    notFound:
      "Lo siento, no he encontrado eso en nuestra información. ¿Podría reformular su pregunta? " +
      "Si lo prefiere, también puedo ponerle en contacto con una persona de nuestro equipo.",
    handoff: "Le paso con una persona de nuestro equipo. Alguien le responderá aquí lo antes posible.",
    unavailable:
      "Lo siento, algo ha fallado por nuestra parte. Inténtelo de " +
      "nuevo en un momento o pida hablar con una persona.",
    unsupportedMessage:
      "Lo siento, solo puedo leer mensajes de texto, no este tipo de mensajes. ¿Podría escribir su pregunta?",
    sourceLabel: "Fuente",
    sourcesLabel: "Fuentes",
    otherLanguageNote:
      "He encontrado esta información en otro idioma, así que la cito tal como está escrita:",
    poweredByAi: "Con tecnología de IA",
    smallTalkGreeting: "¡Hola! ¿En qué puedo ayudarte?",
    smallTalkThanks: "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
    smallTalkGoodbye: "¡Adiós y que tengas un buen día!",
  },
  pt: {
    greeting: "Olá! Eu sou {agentName}, um assistente de IA. Como posso ajudar?",
    notFound:
      "Desculpe, não encontrei isso em nossas informações. Você pode reformular sua pergunta? " +
      "Se preferir, também posso transferir você para uma pessoa da nossa equipe.",
    handoff:
      "Vou transferir você para uma pessoa da nossa equipe. Alguém " +
      "vai responder aqui o mais rápido possível.",
    unavailable:
      "Desculpe, algo deu errado do nosso lado. Tente novamente em " +
      "instantes ou peça para falar com uma pessoa.",
    unsupportedMessage:
      "Desculpe, só consigo ler mensagens de texto, não este tipo " +
      "de mensagem. Você pode digitar sua pergunta?",
    sourceLabel: "Fonte",
    sourcesLabel: "Fontes",
    otherLanguageNote: "Encontrei esta informação em outro idioma, então vou citá-la como está escrita:",
    poweredByAi: "Com tecnologia de IA",
    smallTalkGreeting: "Olá! Como posso ajudar?",
    smallTalkThanks: "De nada! Posso ajudar com mais alguma coisa?",
    smallTalkGoodbye: "Até logo e tenha um bom dia!",
  },
  it: {
    greeting: "Ciao! Sono {agentName}, un assistente IA. Come posso aiutarti?",
    notFound:
      "Mi dispiace, non ho trovato questa informazione nei nostri contenuti. Puoi riformulare la domanda? " +
      "Se preferisci, posso anche metterti in contatto con una persona del nostro team.",
    handoff:
      "Ti metto in contatto con una persona del nostro team. Qualcuno ti risponderà qui il prima possibile.",
    unavailable:
      "Mi dispiace, qualcosa è andato storto da parte nostra. " +
      "Riprova tra un momento oppure chiedi di parlare " +
      "con una persona.",
    unsupportedMessage:
      "Mi dispiace, posso leggere solo messaggi di testo, non questo " +
      "tipo di messaggi. Puoi scrivere la tua domanda?",
    sourceLabel: "Fonte",
    sourcesLabel: "Fonti",
    otherLanguageNote:
      "Ho trovato questa informazione in un'altra lingua, quindi la riporto così com'è scritta:",
    poweredByAi: "Basato sull'IA",
    smallTalkGreeting: "Ciao! Come posso aiutarti?",
    smallTalkThanks: "Prego! Posso aiutarti con qualcos'altro?",
    smallTalkGoodbye: "Arrivederci e buona giornata!",
  },
  pl: {
    greeting: "Cześć! Tu {agentName}, asystent AI. W czym mogę pomóc?",
    notFound:
      "Niestety nie udało mi się znaleźć tego w naszych informacjach. Czy możesz zadać pytanie inaczej? " +
      "Jeśli wolisz, mogę też przekazać rozmowę do osoby z naszego zespołu.",
    handoff: "Przekazuję rozmowę do osoby z naszego zespołu. Ktoś odpowie tutaj najszybciej, jak to możliwe.",
    unavailable:
      "Przepraszamy, coś poszło nie tak po naszej stronie. Spróbuj ponownie za chwilę " +
      "albo poproś o rozmowę z konsultantem.",
    unsupportedMessage:
      "Przepraszam, mogę czytać tylko wiadomości tekstowe, a nie tego rodzaju wiadomości. " +
      "Czy możesz wpisać swoje pytanie?",
    sourceLabel: "Źródło",
    sourcesLabel: "Źródła",
    otherLanguageNote:
      "Te informacje są dostępne tylko w innym języku, więc przytaczam je w oryginalnym brzmieniu:",
    poweredByAi: "Obsługiwane przez AI",
    smallTalkGreeting: "Dzień dobry! W czym mogę pomóc?",
    smallTalkThanks: "Nie ma za co! Czy mogę pomóc w czymś jeszcze?",
    smallTalkGoodbye: "Do widzenia i miłego dnia!",
  },
  da: {
    greeting: "Hej! Jeg er {agentName}, en AI-assistent. Hvordan kan jeg hjælpe dig?",
    notFound:
      "Beklager, det kunne jeg ikke finde i vores oplysninger. Kan " +
      "du formulere dit spørgsmål på en anden måde? " +
      "Hvis du vil, kan jeg også sætte dig i forbindelse med en person fra vores team.",
    handoff: "Jeg sender dig videre til en person. En fra vores team svarer dig her så hurtigt som muligt.",
    unavailable:
      "Beklager, der gik noget galt hos os. Prøv igen om et øjeblik, eller bed om at tale med en person.",
    unsupportedMessage:
      "Beklager, jeg kan kun læse tekstbeskeder, ikke den slags beskeder. Kan du skrive dit spørgsmål?",
    sourceLabel: "Kilde",
    sourcesLabel: "Kilder",
    otherLanguageNote:
      "Jeg fandt dette i vores oplysninger på et andet sprog, så jeg citerer det, som det står:",
    poweredByAi: "Drevet af AI",
    smallTalkGreeting: "Hej! Hvordan kan jeg hjælpe dig?",
    smallTalkThanks: "Selv tak! Er der andet, jeg kan hjælpe dig med?",
    smallTalkGoodbye: "Farvel, og hav en god dag!",
  },
  no: {
    greeting: "Hei! Jeg er {agentName}, en KI-assistent. Hvordan kan jeg hjelpe deg?",
    notFound:
      "Beklager, jeg fant ikke det i informasjonen vår. Kan du formulere spørsmålet på en annen måte? " +
      "Hvis du vil, kan jeg også sette deg i kontakt med en person fra teamet vårt.",
    handoff: "Jeg setter deg over til en person. Noen fra teamet vårt svarer deg her så snart som mulig.",
    unavailable:
      "Beklager, noe gikk galt hos oss. Prøv igjen om et øyeblikk, eller be om å få snakke med en person.",
    unsupportedMessage:
      "Beklager, jeg kan bare lese tekstmeldinger, ikke denne typen " +
      "meldinger. Kan du skrive spørsmålet ditt?",
    sourceLabel: "Kilde",
    sourcesLabel: "Kilder",
    otherLanguageNote:
      "Jeg fant dette i informasjonen vår på et annet språk, så jeg siterer det slik det står:",
    poweredByAi: "Drevet av KI",
    smallTalkGreeting: "Hei! Hvordan kan jeg hjelpe deg?",
    smallTalkThanks: "Bare hyggelig! Er det noe mer jeg kan hjelpe deg med?",
    smallTalkGoodbye: "Ha det, og ha en fin dag!",
  },
} satisfies Record<SupportedLanguage, Record<string, string>>;

export type SystemTextKey = keyof (typeof TEXTS)["en"];

/** Every language must hold every key; `satisfies` above only checks the languages. */
const SYSTEM_TEXTS: Record<SupportedLanguage, Record<SystemTextKey, string>> = TEXTS;

export class SystemTextError extends Error {
  override name = "SystemTextError";
  constructor(
    readonly code: "system_text_variable_missing",
    message: string,
  ) {
    super(message);
  }
}

function textsFor(language: string | null | undefined): Record<SystemTextKey, string> {
  const code = normalizeLanguage(language);
  return code && isSupportedLanguage(code) ? SYSTEM_TEXTS[code] : SYSTEM_TEXTS.en;
}

/**
 * A built-in text in `language` (English for languages we have no texts for), with its
 * `{placeholders}` filled from `vars`. A missing variable is a programming error: showing a
 * customer "{agentName}" is worse than failing the test that would catch it.
 */
export function systemText(
  key: SystemTextKey,
  language: string | null | undefined,
  vars: Record<string, string> = {},
): string {
  return textsFor(language)[key].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new SystemTextError("system_text_variable_missing", `system text "${key}" needs {${name}}`);
    }
    return value;
  });
}

/** Appends "Source: Title (url)" or "Sources: A; B" to an answer; unchanged without citations. */
export function formatWithSources(text: string, citations: Citation[], language: string): string {
  const unique = citations.filter(
    (citation, index) =>
      citations.findIndex((c) => c.kind === citation.kind && c.id === citation.id) === index,
  );
  if (unique.length === 0) return text;
  const label = systemText(unique.length === 1 ? "sourceLabel" : "sourcesLabel", language);
  const list = unique.map((c) => (c.url ? `${c.title} (${c.url})` : c.title)).join("; ");
  return `${text}\n\n${label}: ${list}`;
}
