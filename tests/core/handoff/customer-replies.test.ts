import { describe, expect, it } from "vitest";
import { extractEmail, parseYesNo } from "../../../src/core/handoff/customer-replies.js";

describe("parseYesNo", () => {
  it.each([
    ["en", "yes"],
    ["en", "Yes please!"],
    ["en", "yeah"],
    ["en", "yep"],
    ["en", "sure"],
    ["en", "Sure thing"],
    ["en", "please"],
    ["en", "ok"],
    ["en", "OK 👍"],
    ["en", "👍"],
    ["en", "of course"],
    ["en", "yesss"],
    ["en", "YES."],
    ["en", "yes, I would like that"],
    ["en", "yes I would like to talk to someone"],
    ["en", "Sure, it's Jane.Doe+shop@example.co.uk thanks"],
    ["en", "thanks, yes"],
    ["nl", "ja"],
    ["nl", "Jazeker"],
    ["nl", "ja graag"],
    ["nl", "graag!"],
    ["sv", "ja"],
    ["sv", "gärna"],
    ["sv", "garna"],
    ["sv", "ja tack"],
    ["de", "ja"],
    ["de", "ja bitte"],
    ["de", "gerne"],
    ["de", "na gut"],
    ["fr", "oui"],
    ["fr", "volontiers"],
    ["fr", "oui merci"],
    ["fr", "d'accord"],
    ["es", "sí"],
    ["es", "si"],
    ["es", "claro"],
    ["es", "¡Claro que sí!"],
    ["pt", "sim"],
    ["pt", "sim, por favor"],
    ["it", "sì"],
    ["it", "certo"],
    ["it", "sì grazie"],
    ["pl", "tak"],
    ["pl", "poproszę"],
    ["pl", "tak, poproszę"],
    ["da", "ja"],
    ["da", "ja tak"],
    ["da", "ja gerne"],
    ["no", "ja"],
    ["no", "gjerne"],
    ["no", "ja takk"],
  ])("%s: “%s” is yes", (language, text) => {
    expect(parseYesNo(text, language)).toBe("yes");
  });

  it.each([
    ["en", "no"],
    ["en", "No thanks"],
    ["en", "nope"],
    ["en", "noooo"],
    ["en", "not now"],
    ["en", "no thank you, I'll wait"],
    ["en", "nah I'm good"],
    ["en", "👎"],
    ["nl", "nee"],
    ["nl", "nee dank je"],
    ["nl", "nee hoor, ik wacht wel"],
    ["nl", "nee ik wacht wel"],
    ["sv", "nej"],
    ["sv", "nej tack"],
    ["sv", "nä"],
    ["de", "nein"],
    ["de", "nein danke"],
    ["fr", "non"],
    ["fr", "non merci"],
    ["es", "no"],
    ["es", "no gracias"],
    ["pt", "não"],
    ["pt", "nao obrigado"],
    ["it", "no"],
    ["it", "no grazie"],
    ["it", "no ho cambiato idea"],
    ["pl", "nie"],
    ["pl", "nie, dziękuję"],
    ["da", "nej"],
    ["da", "nej tak"],
    ["no", "nei"],
    ["no", "nei takk"],
  ])("%s: “%s” is no", (language, text) => {
    expect(parseYesNo(text, language)).toBe("no");
  });

  it.each([
    ["en", "thanks"],
    ["en", "where is my order?"],
    ["en", "Actually, I wanted to ask about the delivery times to Belgium and the Netherlands."],
    ["en", "no one answered my email"],
    ["en", "please help me with my order"],
    ["en", "ok so when does it arrive"],
    ["en", "yes no"],
    ["en", "I don't know"],
    ["en", ""],
    ["es", "si no llega mañana qué hago"],
    ["es", "no sé"],
    ["pt", "não recebi o pedido"],
    ["it", "non ho ricevuto il pacco"],
    ["pl", "nie mogę się zalogować"],
    ["de", "na"],
  ])("%s: “%s” is no answer", (language, text) => {
    expect(parseYesNo(text, language)).toBeNull();
  });

  it("reads words with the customer's language's meaning", () => {
    // "tak" is yes in Polish and thanks in Danish; "ja" is "I" in Polish.
    expect(parseYesNo("tak", "pl")).toBe("yes");
    expect(parseYesNo("tak", "da")).toBeNull();
    expect(parseYesNo("ja", "pl")).toBeNull();
    expect(parseYesNo("ja", "de")).toBe("yes");
  });

  it("leaves words whose languages disagree out when the language is unknown", () => {
    expect(parseYesNo("tak", null)).toBeNull();
    expect(parseYesNo("nej tak", null)).toBe("no");
    expect(parseYesNo("ja", null)).toBe("yes");
    expect(parseYesNo("yes", "fi")).toBe("yes");
  });

  it("understands other languages' answers too", () => {
    expect(parseYesNo("yes please", "nl")).toBe("yes");
    expect(parseYesNo("nein", "en")).toBe("no");
  });
});

describe("extractEmail", () => {
  it.each([
    ["sure, it's Jane.Doe+shop@example.co.uk thanks", "Jane.Doe+shop@example.co.uk"],
    ["my email is JANE@EXAMPLE.COM!", "JANE@example.com"],
    ["jane@example.com", "jane@example.com"],
    ["<jane@example.com>.", "jane@example.com"],
    ['"jane@example.com"', "jane@example.com"],
    ["(jane@example.com)", "jane@example.com"],
    ["mailto:jane@example.com", "jane@example.com"],
    ["Email: jane_o'neil@example.com; phone 123", "jane_o'neil@example.com"],
    ["jane@example.com,bob@example.com", "jane@example.com"],
    ["first jane@exa then bob@example.org", "bob@example.org"],
    ["jörg@Müller.de", "jörg@müller.de"],
    ["jane@sub.example.museum", "jane@sub.example.museum"],
  ])("finds the address in “%s”", (text, email) => {
    expect(extractEmail(text)).toBe(email);
  });

  it.each([
    "jane@",
    "@example.com",
    "jane@example",
    "jane@@example.com",
    "jane@exa mple.com",
    "jane..doe@example.com",
    ".jane@example.com",
    "jane.@example.com",
    "jane@-example.com",
    "jane@example-.com",
    "jane@example..com",
    "jane@example.c",
    "jane@example.123",
    "x@y.com@z.com",
    "jane(at)example.com",
    `${"a".repeat(65)}@example.com`,
    "no address here",
    "",
  ])("finds none in “%s”", (text) => {
    expect(extractEmail(text)).toBeNull();
  });
});
