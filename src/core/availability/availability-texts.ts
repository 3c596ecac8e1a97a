import { isSupportedLanguage, normalizeLanguage, type SupportedLanguage } from "../language.js";
import type { AvailabilityState } from "./team-state.js";

type AvailabilityTexts = Record<AvailabilityState, string> & {
  /**
   * What `{backAt}` becomes when the next opening is known, with `{day}` ("Monday, April 6") and
   * `{time}` ("09:00") from Intl. It carries its own leading space or comma, because each
   * language joins it to the sentence differently; without a known opening `{backAt}` is empty.
   * The date is always there: a closure over holidays can make "on Monday" mean next week's.
   */
  backAt: string;
};

/**
 * What a customer is told right after being handed to the team, per team state. The same
 * register as the other system texts (du/je/tu, Sie/vous/usted): these read as one voice.
 */
const TEXTS: Record<SupportedLanguage, AvailabilityTexts> = {
  en: {
    available: "A member of our team will be with you shortly.",
    away:
      "Our team is away right now. We've passed your message on and will get back to you here " +
      "as soon as we can.",
    at_capacity:
      "Our team is helping other customers right now. You're in the queue, and someone will reply " +
      "here as soon as possible.",
    outside_hours:
      "Our team is offline right now. We've passed your message on and will reply when we're back{backAt}.",
    backAt: " on {day} at {time}",
  },
  nl: {
    available: "Iemand van ons team helpt je zo verder.",
    away:
      "Ons team is op dit moment niet beschikbaar. We hebben je bericht doorgegeven en reageren " +
      "hier zo snel mogelijk.",
    at_capacity:
      "Ons team helpt op dit moment andere klanten. Je staat in de wachtrij en iemand reageert " +
      "hier zo snel mogelijk.",
    outside_hours:
      "Ons team is op dit moment offline. We hebben je bericht doorgegeven en reageren zodra we " +
      "er weer zijn{backAt}.",
    backAt: ", op {day} om {time}",
  },
  sv: {
    available: "Någon i vårt team är med dig inom kort.",
    away:
      "Vårt team är inte tillgängligt just nu. Vi har skickat vidare ditt meddelande och " +
      "återkommer till dig här så snart vi kan.",
    at_capacity:
      "Vårt team hjälper andra kunder just nu. Du står i kö, och någon svarar dig här så snart " +
      "som möjligt.",
    outside_hours:
      "Vårt team är offline just nu. Vi har skickat vidare ditt meddelande och svarar när vi är " +
      "tillbaka{backAt}.",
    backAt: ", {day} kl. {time}",
  },
  de: {
    available: "Gleich ist jemand aus unserem Team für Sie da.",
    away:
      "Unser Team ist gerade nicht erreichbar. Wir haben Ihre Nachricht weitergegeben und melden " +
      "uns hier so bald wie möglich bei Ihnen.",
    at_capacity:
      "Unser Team hilft gerade anderen Kundinnen und Kunden. Sie stehen in der Warteschlange, und " +
      "jemand antwortet Ihnen hier so bald wie möglich.",
    outside_hours:
      "Unser Team ist gerade offline. Wir haben Ihre Nachricht weitergegeben und antworten, " +
      "sobald wir wieder da sind{backAt}.",
    backAt: ", am {day} um {time} Uhr",
  },
  fr: {
    available: "Un membre de notre équipe va vous répondre dans un instant.",
    away:
      "Notre équipe est absente pour le moment. Nous avons transmis votre message et vous " +
      "répondrons ici dès que possible.",
    at_capacity:
      "Notre équipe aide actuellement d'autres clients. Vous êtes dans la file d'attente et " +
      "quelqu'un vous répondra ici dès que possible.",
    outside_hours:
      "Notre équipe est hors ligne pour le moment. Nous avons transmis votre message et vous " +
      "répondrons à notre retour{backAt}.",
    backAt: ", le {day} à {time}",
  },
  es: {
    available: "Una persona de nuestro equipo le atenderá en breve.",
    away:
      "Nuestro equipo no está disponible en este momento. Hemos transmitido su mensaje y le " +
      "responderemos aquí lo antes posible.",
    at_capacity:
      "Nuestro equipo está atendiendo a otros clientes en este momento. Está en la cola y alguien " +
      "le responderá aquí lo antes posible.",
    outside_hours:
      "Nuestro equipo está fuera de línea en este momento. Hemos transmitido su mensaje y le " +
      "responderemos cuando volvamos{backAt}.",
    backAt: ", el {day} a las {time}",
  },
  pt: {
    available: "Uma pessoa da nossa equipe vai atender você em instantes.",
    away:
      "Nossa equipe não está disponível no momento. Encaminhamos sua mensagem e vamos responder " +
      "aqui assim que possível.",
    at_capacity:
      "Nossa equipe está atendendo outros clientes no momento. Você está na fila, e alguém vai " +
      "responder aqui o mais rápido possível.",
    outside_hours:
      "Nossa equipe está offline no momento. Encaminhamos sua mensagem e vamos responder quando " +
      "voltarmos{backAt}.",
    // No preposition: "na segunda-feira" but "no sábado", and Intl gives only the weekday's name.
    backAt: ", {day}, às {time}",
  },
  it: {
    available: "Una persona del nostro team ti risponderà a breve.",
    away:
      "Il nostro team al momento non è disponibile. Abbiamo inoltrato il tuo messaggio e ti " +
      "risponderemo qui il prima possibile.",
    at_capacity:
      "Il nostro team sta aiutando altri clienti in questo momento. Sei in coda e qualcuno ti " +
      "risponderà qui il prima possibile.",
    outside_hours:
      "Il nostro team al momento è offline. Abbiamo inoltrato il tuo messaggio e ti risponderemo " +
      "al nostro rientro{backAt}.",
    backAt: ", {day} alle {time}",
  },
  pl: {
    available: "Ktoś z naszego zespołu zaraz Ci odpowie.",
    away:
      "Nasz zespół jest w tej chwili niedostępny. Przekazaliśmy Twoją wiadomość i odpowiemy " +
      "tutaj najszybciej, jak to możliwe.",
    at_capacity:
      "Nasz zespół pomaga teraz innym klientom. Jesteś w kolejce i ktoś odpowie tutaj " +
      "najszybciej, jak to możliwe.",
    outside_hours:
      "Nasz zespół jest w tej chwili offline. Przekazaliśmy Twoją wiadomość i odpowiemy, gdy " +
      "wrócimy{backAt}.",
    // In brackets: "w poniedziałek" but "we wtorek", "w środę", and Intl gives the nominative.
    backAt: " ({day}, godz. {time})",
  },
  da: {
    available: "En fra vores team er hos dig om lidt.",
    away:
      "Vores team er ikke til stede lige nu. Vi har sendt din besked videre og vender tilbage " +
      "til dig her, så snart vi kan.",
    at_capacity:
      "Vores team hjælper andre kunder lige nu. Du er i kø, og en af os svarer dig her så " +
      "hurtigt som muligt.",
    outside_hours:
      "Vores team er offline lige nu. Vi har sendt din besked videre og svarer, når vi er tilbage{backAt}.",
    backAt: ", {day} kl. {time}",
  },
  no: {
    available: "Noen fra teamet vårt er hos deg om litt.",
    away:
      "Teamet vårt er ikke tilgjengelig akkurat nå. Vi har sendt meldingen din videre og svarer " +
      "deg her så snart vi kan.",
    at_capacity:
      "Teamet vårt hjelper andre kunder akkurat nå. Du står i kø, og noen svarer deg her så snart " +
      "som mulig.",
    outside_hours:
      "Teamet vårt er offline akkurat nå. Vi har sendt meldingen din videre og svarer når vi er " +
      "tilbake{backAt}.",
    backAt: ", {day} kl. {time}",
  },
};

/**
 * `{backAt}` in an admin's text for a language we have no texts for: no words we could get
 * wrong, only the date and time Intl writes in that language.
 */
const NEUTRAL_BACK_AT = " ({day}, {time})";

/** Admin-written messages per state, keyed by language code ("en", "nl", …). */
export type AvailabilityOverrides = Partial<Record<AvailabilityState, Record<string, string>>>;

/**
 * What to tell a customer just handed to a team in `state`, in the customer's language.
 *
 * Precedence: the admin's text in the customer's language; else our built-in text in that
 * language; only for a language we have no built-in text in, the admin's English text, else
 * ours. An admin who customised only English must not make a Dutch customer read English when
 * a Dutch text exists.
 *
 * `{backAt}` (in built-in and admin texts) becomes when the team is back, in the language of the
 * chosen text and the team's time zone, or nothing when `nextOpening` or `timeZone` is unknown.
 */
export function availabilityMessage(input: {
  state: AvailabilityState;
  language: string | null | undefined;
  overrides?: AvailabilityOverrides;
  nextOpening?: Date | null;
  timeZone?: string;
}): string {
  const { text, language } = chooseText(input.state, normalizeLanguage(input.language), input.overrides);
  const backAt =
    input.nextOpening && input.timeZone ? formatBackAt(input.nextOpening, input.timeZone, language) : "";
  return text.replaceAll("{backAt}", backAt);
}

/** The text to show and the language it is written in (which `{backAt}` must match). */
function chooseText(
  state: AvailabilityState,
  language: string | undefined,
  overrides: AvailabilityOverrides | undefined,
): { text: string; language: string } {
  const written = overrides?.[state];
  if (language) {
    const own = overrideIn(written, language);
    if (own !== undefined) return { text: own, language };
    if (isSupportedLanguage(language)) return { text: TEXTS[language][state], language };
  }
  return { text: overrideIn(written, "en") ?? TEXTS.en[state], language: "en" };
}

/**
 * The admin's text in `language`, matching keys the way customers' languages are matched
 * ("nl-NL" and "nb" count as "nl" and "no"). A blank text counts as none: a customer must never
 * get an empty message.
 */
function overrideIn(written: Record<string, string> | undefined, language: string): string | undefined {
  if (!written) return undefined;
  return Object.entries(written).find(
    ([key, text]) => normalizeLanguage(key) === language && text.trim() !== "",
  )?.[1];
}

function formatBackAt(at: Date, timeZone: string, language: string): string {
  const template = isSupportedLanguage(language) ? TEXTS[language].backAt : NEUTRAL_BACK_AT;
  const day = new Intl.DateTimeFormat(language, { timeZone, weekday: "long", day: "numeric", month: "long" });
  // 24-hour everywhere, like the business hours themselves: "09:00" cannot be misread without its AM.
  const time = new Intl.DateTimeFormat(language, {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return template.replace("{day}", day.format(at)).replace("{time}", time.format(at));
}
