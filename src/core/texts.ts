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
    rephrase:
      "Sorry, I couldn't find an answer to that. Could you rephrase your question, or tell me a bit more?",
    handoffUnavailable:
      "Sorry, I can't help with that, and I'm not able to pass you on to a person right now. Is there anything else I can help you with?",
    helpdeskOffer:
      "I'm not able to answer that myself. Would you like me to pass your question on to our team? Please answer yes or no.",
    helpdeskAskEmail: "Happy to. What email address can our team reach you at?",
    helpdeskEmailInvalid:
      "That doesn't look like a complete email address. Could you type it again, for example name@example.com?",
    helpdeskDeclined: "All right! Is there anything else I can help you with?",
    ticketCreatedByEmail:
      "Thank you! I've passed your question on to our team. A person will answer you by email at {email}.",
    ticketFailed:
      "Sorry, I couldn't pass your question on to our team's help desk just now. Your conversation is waiting here for the next available person.",
    ticketSubject: "Customer conversation from {channel}",
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
    rephrase:
      "Sorry, daar kon ik geen antwoord op vinden. Kun je je vraag anders formuleren, of iets meer vertellen?",
    handoffUnavailable:
      "Sorry, daar kan ik je niet mee helpen, en ik kan je op dit moment niet doorverbinden met een medewerker. Kan ik je ergens anders mee helpen?",
    helpdeskOffer:
      "Daar kan ik zelf geen antwoord op geven. Zal ik je vraag doorsturen naar ons team? Antwoord met ja of nee.",
    helpdeskAskEmail: "Graag. Op welk e-mailadres kan ons team je bereiken?",
    helpdeskEmailInvalid:
      "Dat lijkt geen volledig e-mailadres. Kun je het nog eens typen, bijvoorbeeld naam@voorbeeld.nl?",
    helpdeskDeclined: "Prima! Kan ik je ergens anders mee helpen?",
    ticketCreatedByEmail:
      "Bedankt! Ik heb je vraag doorgestuurd naar ons team. Een medewerker beantwoordt je per e-mail op {email}.",
    ticketFailed:
      "Sorry, het lukte me nu niet om je vraag door te sturen naar de helpdesk van ons team. Je gesprek wacht hier op de eerstvolgende medewerker.",
    ticketSubject: "Klantgesprek via {channel}",
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
    rephrase:
      "Tyvärr hittade jag inget svar på det. Kan du formulera frågan på ett annat sätt, eller berätta lite mer?",
    handoffUnavailable:
      "Tyvärr kan jag inte hjälpa dig med det, och jag kan inte koppla dig vidare till en person just nu. Finns det något annat jag kan hjälpa dig med?",
    helpdeskOffer:
      "Det kan jag inte svara på själv. Vill du att jag skickar din fråga vidare till vårt team? Svara ja eller nej.",
    helpdeskAskEmail: "Gärna. Vilken e-postadress kan vårt team nå dig på?",
    helpdeskEmailInvalid:
      "Det ser inte ut som en fullständig e-postadress. Kan du skriva den igen, till exempel namn@exempel.se?",
    helpdeskDeclined: "Okej! Finns det något annat jag kan hjälpa dig med?",
    ticketCreatedByEmail:
      "Tack! Jag har skickat din fråga vidare till vårt team. En person svarar dig via e-post på {email}.",
    ticketFailed:
      "Tyvärr kunde jag inte skicka din fråga till vårt teams helpdesk just nu. Ditt ärende väntar här på nästa lediga person.",
    ticketSubject: "Kundsamtal via {channel}",
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
    rephrase:
      "Leider habe ich darauf keine Antwort gefunden. Können Sie Ihre Frage anders formulieren oder etwas mehr erzählen?",
    handoffUnavailable:
      "Leider kann ich Ihnen dabei nicht helfen, und ich kann Sie gerade nicht an eine Person weiterleiten. Kann ich Ihnen sonst irgendwie helfen?",
    helpdeskOffer:
      "Das kann ich leider nicht selbst beantworten. Soll ich Ihre Frage an unser Team weitergeben? Bitte antworten Sie mit Ja oder Nein.",
    helpdeskAskEmail: "Gern. Unter welcher E-Mail-Adresse kann unser Team Sie erreichen?",
    helpdeskEmailInvalid:
      "Das sieht nicht nach einer vollständigen E-Mail-Adresse aus. Könnten Sie sie noch einmal eingeben, zum Beispiel name@beispiel.de?",
    helpdeskDeclined: "In Ordnung! Kann ich Ihnen sonst noch helfen?",
    ticketCreatedByEmail:
      "Vielen Dank! Ich habe Ihre Frage an unser Team weitergegeben. Eine Person antwortet Ihnen per E-Mail an {email}.",
    ticketFailed:
      "Leider konnte ich Ihre Frage gerade nicht an den Helpdesk unseres Teams weitergeben. Ihr Gespräch wartet hier auf die nächste freie Person.",
    ticketSubject: "Kundengespräch über {channel}",
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
    rephrase:
      "Désolé, je n'ai pas trouvé de réponse à cela. Pourriez-vous reformuler votre question ou m'en dire un peu plus ?",
    handoffUnavailable:
      "Désolé, je ne peux pas vous aider sur ce point et je ne peux pas vous mettre en relation avec une personne pour le moment. Puis-je vous aider pour autre chose ?",
    helpdeskOffer:
      "Je ne peux pas répondre à cela moi-même. Voulez-vous que je transmette votre question à notre équipe ? Répondez par oui ou par non.",
    helpdeskAskEmail: "Avec plaisir. À quelle adresse e-mail notre équipe peut-elle vous joindre ?",
    helpdeskEmailInvalid:
      "Cela ne ressemble pas à une adresse e-mail complète. Pourriez-vous la saisir à nouveau, par exemple nom@exemple.fr ?",
    helpdeskDeclined: "Très bien ! Puis-je vous aider pour autre chose ?",
    ticketCreatedByEmail:
      "Merci ! J'ai transmis votre question à notre équipe. Une personne vous répondra par e-mail à {email}.",
    ticketFailed:
      "Désolé, je n'ai pas pu transmettre votre question au service d'assistance de notre équipe pour le moment. Votre conversation attend ici la prochaine personne disponible.",
    ticketSubject: "Conversation client via {channel}",
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
    rephrase:
      "Lo siento, no he encontrado una respuesta a eso. ¿Podría reformular su pregunta o contarme un poco más?",
    handoffUnavailable:
      "Lo siento, no puedo ayudarle con eso y ahora mismo no puedo pasarle con una persona. ¿Puedo ayudarle con algo más?",
    helpdeskOffer:
      "No puedo responder a eso yo mismo. ¿Quiere que pase su pregunta a nuestro equipo? Responda sí o no.",
    helpdeskAskEmail:
      "Con mucho gusto. ¿En qué dirección de correo electrónico puede contactarle nuestro equipo?",
    helpdeskEmailInvalid:
      "Eso no parece una dirección de correo electrónico completa. ¿Podría escribirla de nuevo, por ejemplo nombre@ejemplo.es?",
    helpdeskDeclined: "¡De acuerdo! ¿Puedo ayudarle con algo más?",
    ticketCreatedByEmail:
      "¡Gracias! He pasado su pregunta a nuestro equipo. Una persona le responderá por correo electrónico a {email}.",
    ticketFailed:
      "Lo siento, ahora mismo no he podido pasar su pregunta al servicio de asistencia de nuestro equipo. Su conversación espera aquí a la próxima persona disponible.",
    ticketSubject: "Conversación con un cliente por {channel}",
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
    rephrase:
      "Desculpe, não encontrei uma resposta para isso. Pode reformular a sua pergunta ou contar-me um pouco mais?",
    handoffUnavailable:
      "Desculpe, não consigo ajudar com isso e, neste momento, não consigo transferi-lo para uma pessoa. Posso ajudar com mais alguma coisa?",
    helpdeskOffer:
      "Não consigo responder a isso sozinho. Quer que eu encaminhe a sua pergunta para a nossa equipa? Responda sim ou não.",
    helpdeskAskEmail: "Com todo o gosto. Em que endereço de e-mail a nossa equipa o pode contactar?",
    helpdeskEmailInvalid:
      "Isso não parece um endereço de e-mail completo. Pode escrevê-lo novamente, por exemplo nome@exemplo.pt?",
    helpdeskDeclined: "Muito bem! Posso ajudar com mais alguma coisa?",
    ticketCreatedByEmail:
      "Obrigado! Encaminhei a sua pergunta para a nossa equipa. Uma pessoa vai responder-lhe por e-mail para {email}.",
    ticketFailed:
      "Desculpe, não consegui encaminhar a sua pergunta para o apoio ao cliente da nossa equipa neste momento. A sua conversa aguarda aqui pela próxima pessoa disponível.",
    ticketSubject: "Conversa com cliente via {channel}",
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
    rephrase:
      "Mi dispiace, non ho trovato una risposta. Potrebbe riformulare la domanda o darmi qualche dettaglio in più?",
    handoffUnavailable:
      "Mi dispiace, non posso aiutarla con questo e al momento non posso metterla in contatto con una persona. Posso aiutarla in qualcos'altro?",
    helpdeskOffer:
      "Non posso rispondere io a questa domanda. Vuole che la inoltri al nostro team? Risponda sì o no.",
    helpdeskAskEmail: "Volentieri. A quale indirizzo e-mail può contattarla il nostro team?",
    helpdeskEmailInvalid:
      "Non sembra un indirizzo e-mail completo. Potrebbe scriverlo di nuovo, per esempio nome@esempio.it?",
    helpdeskDeclined: "Va bene! Posso aiutarla in qualcos'altro?",
    ticketCreatedByEmail:
      "Grazie! Ho inoltrato la sua domanda al nostro team. Una persona le risponderà via e-mail all'indirizzo {email}.",
    ticketFailed:
      "Mi dispiace, al momento non sono riuscito a inoltrare la sua domanda all'assistenza del nostro team. La sua conversazione attende qui la prossima persona disponibile.",
    ticketSubject: "Conversazione con un cliente da {channel}",
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
    rephrase:
      "Przepraszam, nie znalazłem odpowiedzi na to pytanie. Czy możesz je sformułować inaczej albo napisać coś więcej?",
    handoffUnavailable:
      "Przepraszam, nie mogę w tym pomóc i w tej chwili nie mogę przekazać rozmowy do osoby z zespołu. Czy mogę pomóc w czymś innym?",
    helpdeskOffer:
      "Nie potrafię sam odpowiedzieć na to pytanie. Czy przekazać je do naszego zespołu? Odpowiedz tak lub nie.",
    helpdeskAskEmail: "Chętnie. Pod jakim adresem e-mail nasz zespół może się z Tobą skontaktować?",
    helpdeskEmailInvalid:
      "To nie wygląda na pełny adres e-mail. Czy możesz wpisać go jeszcze raz, na przykład imie@przyklad.pl?",
    helpdeskDeclined: "W porządku! Czy mogę pomóc w czymś jeszcze?",
    ticketCreatedByEmail:
      "Dziękuję! Przekazałem Twoje pytanie do naszego zespołu. Ktoś odpowie Ci e-mailem na adres {email}.",
    ticketFailed:
      "Przepraszam, w tej chwili nie udało mi się przekazać pytania do działu pomocy naszego zespołu. Twoja rozmowa czeka tutaj na pierwszą wolną osobę.",
    ticketSubject: "Rozmowa z klientem przez {channel}",
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
    rephrase:
      "Beklager, jeg kunne ikke finde et svar på det. Kan du formulere dit spørgsmål anderledes eller fortælle lidt mere?",
    handoffUnavailable:
      "Beklager, det kan jeg ikke hjælpe med, og jeg kan ikke sende dig videre til en person lige nu. Er der andet, jeg kan hjælpe med?",
    helpdeskOffer:
      "Det kan jeg ikke selv svare på. Vil du have, at jeg sender dit spørgsmål videre til vores team? Svar ja eller nej.",
    helpdeskAskEmail: "Gerne. Hvilken e-mailadresse kan vores team kontakte dig på?",
    helpdeskEmailInvalid:
      "Det ligner ikke en fuldstændig e-mailadresse. Kan du skrive den igen, for eksempel navn@eksempel.dk?",
    helpdeskDeclined: "Helt i orden! Er der andet, jeg kan hjælpe med?",
    ticketCreatedByEmail:
      "Tak! Jeg har sendt dit spørgsmål videre til vores team. En person svarer dig på e-mail på {email}.",
    ticketFailed:
      "Beklager, jeg kunne ikke sende dit spørgsmål videre til vores teams helpdesk lige nu. Din samtale venter her på den næste ledige person.",
    ticketSubject: "Kundesamtale via {channel}",
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
    rephrase:
      "Beklager, jeg fant ikke noe svar på det. Kan du formulere spørsmålet på en annen måte, eller fortelle litt mer?",
    handoffUnavailable:
      "Beklager, det kan jeg ikke hjelpe med, og jeg kan ikke sette deg over til en person akkurat nå. Er det noe annet jeg kan hjelpe deg med?",
    helpdeskOffer:
      "Det kan jeg ikke svare på selv. Vil du at jeg sender spørsmålet ditt videre til teamet vårt? Svar ja eller nei.",
    helpdeskAskEmail: "Gjerne. Hvilken e-postadresse kan teamet vårt nå deg på?",
    helpdeskEmailInvalid:
      "Det ser ikke ut som en fullstendig e-postadresse. Kan du skrive den på nytt, for eksempel navn@eksempel.no?",
    helpdeskDeclined: "Greit! Er det noe annet jeg kan hjelpe deg med?",
    ticketCreatedByEmail:
      "Takk! Jeg har sendt spørsmålet ditt videre til teamet vårt. En person svarer deg på e-post til {email}.",
    ticketFailed:
      "Beklager, jeg fikk ikke sendt spørsmålet ditt til teamets kundestøtte akkurat nå. Samtalen din venter her på neste ledige person.",
    ticketSubject: "Kundesamtale via {channel}",
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
