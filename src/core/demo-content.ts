/**
 * Short answers of the "Parley Demo Shop", seeded on first start so that a fresh install can
 * answer something in every supported language before anyone has added content.
 */
export interface DemoShortAnswer {
  language: string;
  question: string;
  answer: string;
}

const OPENING_HOURS: DemoShortAnswer[] = [
  {
    language: "en",
    question: "What are your opening hours?",
    answer:
      "The Parley Demo Shop is open Monday to Friday from 9:00 to " +
      "17:00 and on Saturday from 10:00 to 14:00. " +
      "We are closed on Sunday.",
  },
  {
    language: "nl",
    question: "Wat zijn jullie openingstijden?",
    answer:
      "De Parley Demo Shop is open van maandag tot en met vrijdag van 9:00 tot 17:00 en op zaterdag van " +
      "10:00 tot 14:00. Op zondag zijn we gesloten.",
  },
  {
    language: "sv",
    question: "Vilka öppettider har ni?",
    answer:
      "Parley Demo Shop har öppet måndag till fredag kl. 9.00–17.00 och lördag kl. 10.00–14.00. " +
      "På söndagar har vi stängt.",
  },
  {
    language: "de",
    question: "Wie sind Ihre Öffnungszeiten?",
    answer:
      "Der Parley Demo Shop hat montags bis freitags von 9:00 bis 17:00 Uhr und samstags von 10:00 bis " +
      "14:00 Uhr geöffnet. Sonntags ist geschlossen.",
  },
  {
    language: "fr",
    question: "Quels sont vos horaires d'ouverture ?",
    answer:
      "Le Parley Demo Shop est ouvert du lundi au vendredi de 9 h à 17 h et le samedi de 10 h à 14 h. " +
      "Nous sommes fermés le dimanche.",
  },
  {
    language: "es",
    question: "¿Cuál es su horario de apertura?",
    answer:
      "Parley Demo Shop abre de lunes a viernes de 9:00 a 17:00 y los sábados de 10:00 a 14:00. " +
      "Los domingos está cerrado.",
  },
  {
    language: "pt",
    question: "Qual é o horário de funcionamento?",
    answer:
      "A Parley Demo Shop funciona de segunda a sexta, das 9h às 17h, e aos sábados, das 10h às 14h. " +
      "Aos domingos estamos fechados.",
  },
  {
    language: "it",
    question: "Quali sono i vostri orari di apertura?",
    answer:
      "Il Parley Demo Shop è aperto dal lunedì al venerdì dalle 9:00 alle 17:00 e il sabato dalle 10:00 " +
      "alle 14:00. La domenica siamo chiusi.",
  },
  {
    language: "pl",
    question: "Jakie są wasze godziny otwarcia?",
    answer:
      "Parley Demo Shop jest otwarty od poniedziałku do piątku w godzinach 9:00–17:00, a w soboty " +
      "w godzinach 10:00–14:00. W niedziele sklep jest zamknięty.",
  },
  {
    language: "da",
    question: "Hvad er jeres åbningstider?",
    answer:
      "Parley Demo Shop har åbent mandag til fredag kl. 9.00–17.00 og lørdag kl. 10.00–14.00. " +
      "Om søndagen har vi lukket.",
  },
  {
    language: "no",
    question: "Hva er åpningstidene deres?",
    answer:
      "Parley Demo Shop har åpent mandag til fredag kl. 09.00–17.00 og lørdag kl. 10.00–14.00. " +
      "På søndager har vi stengt.",
  },
];

const DELIVERY_TIME: DemoShortAnswer[] = [
  {
    language: "en",
    question: "How long does delivery take?",
    answer:
      "Orders placed on a working day before 15:00 are shipped the same day. " +
      "Delivery usually takes 1 to 3 working days.",
  },
  {
    language: "nl",
    question: "Hoe lang duurt de levering?",
    answer:
      "Bestellingen die je op een werkdag vóór 15:00 plaatst, versturen we dezelfde dag. " +
      "De levering duurt meestal 1 tot 3 werkdagen.",
  },
  {
    language: "sv",
    question: "Hur lång är leveranstiden?",
    answer:
      "Beställningar som görs en vardag före kl. 15.00 skickas samma " +
      "dag. Leveransen tar oftast 1–3 arbetsdagar.",
  },
  {
    language: "de",
    question: "Wie lange dauert die Lieferung?",
    answer:
      "Bestellungen, die an einem Werktag vor 15:00 Uhr eingehen, versenden wir noch am selben Tag. " +
      "Die Lieferung dauert in der Regel 1 bis 3 Werktage.",
  },
  {
    language: "fr",
    question: "Quel est le délai de livraison ?",
    answer:
      "Les commandes passées un jour ouvré avant 15 h sont expédiées le jour même. " +
      "La livraison prend généralement de 1 à 3 jours ouvrés.",
  },
  {
    language: "es",
    question: "¿Cuánto tarda la entrega?",
    answer:
      "Los pedidos realizados en un día laborable antes de las 15:00 se envían el mismo día. " +
      "La entrega suele tardar de 1 a 3 días laborables.",
  },
  {
    language: "pt",
    question: "Quanto tempo demora a entrega?",
    answer:
      "Os pedidos feitos em dia útil até as 15h são enviados no mesmo dia. " +
      "A entrega costuma levar de 1 a 3 dias úteis.",
  },
  {
    language: "it",
    question: "Quanto tempo ci vuole per la consegna?",
    answer:
      "Gli ordini effettuati in un giorno lavorativo entro le 15:00 vengono spediti in giornata. " +
      "La consegna richiede di solito da 1 a 3 giorni lavorativi.",
  },
  {
    language: "pl",
    question: "Jak długo trwa dostawa?",
    answer:
      "Zamówienia złożone w dzień roboczy przed 15:00 wysyłamy tego samego dnia. " +
      "Dostawa trwa zwykle od 1 do 3 dni roboczych.",
  },
  {
    language: "da",
    question: "Hvor lang tid tager leveringen?",
    answer:
      "Ordrer, der afgives på en hverdag inden kl. 15.00, sendes " +
      "samme dag. Leveringen tager normalt 1–3 hverdage.",
  },
  {
    language: "no",
    question: "Hvor lang er leveringstiden?",
    answer:
      "Bestillinger som legges inn på en virkedag før kl. 15.00, sendes samme dag. " +
      "Leveringen tar vanligvis 1–3 virkedager.",
  },
];

const RETURNS: DemoShortAnswer[] = [
  {
    language: "en",
    question: "Can I return my order?",
    answer:
      "Yes, you can return items within 30 days of delivery. " +
      "As soon as we have received your return, we refund the purchase price.",
  },
  {
    language: "nl",
    question: "Kan ik mijn bestelling retourneren?",
    answer:
      "Ja, je kunt artikelen binnen 30 dagen na levering retourneren. " +
      "Zodra we je retour hebben ontvangen, betalen we het aankoopbedrag terug.",
  },
  {
    language: "sv",
    question: "Kan jag returnera min beställning?",
    answer:
      "Ja, du kan returnera varor inom 30 dagar efter leveransen. " +
      "När vi har tagit emot returen betalar vi tillbaka köpesumman.",
  },
  {
    language: "de",
    question: "Kann ich meine Bestellung zurücksenden?",
    answer:
      "Ja, Sie können Artikel innerhalb von 30 Tagen nach der Lieferung zurücksenden. " +
      "Sobald die Rücksendung bei uns eingegangen ist, erstatten wir den Kaufpreis.",
  },
  {
    language: "fr",
    question: "Puis-je retourner ma commande ?",
    answer:
      "Oui, vous pouvez retourner vos articles dans un délai de 30 jours après la livraison. " +
      "Dès réception du retour, nous vous remboursons le prix d'achat.",
  },
  {
    language: "es",
    question: "¿Puedo devolver mi pedido?",
    answer:
      "Sí, puede devolver los artículos en un plazo de 30 días desde la entrega. " +
      "En cuanto recibamos la devolución, le reembolsaremos el importe de la compra.",
  },
  {
    language: "pt",
    question: "Posso devolver meu pedido?",
    answer:
      "Sim, você pode devolver os produtos em até 30 dias após a entrega. " +
      "Assim que recebermos a devolução, reembolsaremos o valor da compra.",
  },
  {
    language: "it",
    question: "Posso restituire il mio ordine?",
    answer:
      "Sì, puoi restituire gli articoli entro 30 giorni dalla consegna. " +
      "Appena riceviamo il reso, ti rimborsiamo il prezzo d'acquisto.",
  },
  {
    language: "pl",
    question: "Czy mogę zwrócić zamówienie?",
    answer:
      "Tak, możesz zwrócić produkty w ciągu 30 dni od dostawy. " +
      "Gdy tylko otrzymamy zwrot, oddamy Ci pełną kwotę zakupu.",
  },
  {
    language: "da",
    question: "Kan jeg returnere min ordre?",
    answer:
      "Ja, du kan returnere varer inden for 30 dage efter levering. " +
      "Når vi har modtaget din returnering, refunderer vi købsbeløbet.",
  },
  {
    language: "no",
    question: "Kan jeg returnere bestillingen min?",
    answer:
      "Ja, du kan returnere varer innen 30 dager etter levering. " +
      "Når vi har mottatt returen din, refunderer vi kjøpesummen.",
  },
];

export const DEMO_SHORT_ANSWERS: DemoShortAnswer[] = [...OPENING_HOURS, ...DELIVERY_TIME, ...RETURNS];
