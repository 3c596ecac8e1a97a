import { describe, expect, it } from "vitest";
import { foldText, matchTrigger, type Trigger, triggerSchema } from "../../../src/core/handoff/triggers.js";

const trigger = (phrase: string, translations: Record<string, string[]> = {}): Trigger =>
  triggerSchema.parse({ phrase, translations });

/** What the trigger matched in `text`, or null. */
const matched = (text: string, language: string | null, ...triggers: Trigger[]) =>
  matchTrigger(text, language, triggers)?.matched ?? null;

describe("triggerSchema", () => {
  it("trims the phrase and defaults the translations", () => {
    expect(triggerSchema.parse({ phrase: "  refund " })).toEqual({ phrase: "refund", translations: {} });
  });

  it("lower-cases language codes", () => {
    expect(
      triggerSchema.parse({ phrase: "refund", translations: { NL: ["terugbetaling"] } }).translations,
    ).toEqual({
      nl: ["terugbetaling"],
    });
  });

  it.each([
    ["an empty phrase", { phrase: "   " }],
    ["a phrase over 100 characters", { phrase: "a".repeat(101) }],
    ["a phrase without letters or digits", { phrase: "!!!" }],
    ["a language that is not a code", { phrase: "refund", translations: { dutch: ["terugbetaling"] } }],
    ["an empty translation", { phrase: "refund", translations: { nl: [""] } }],
    ["an unknown field", { phrase: "refund", words: ["x"] }],
  ])("rejects %s", (_, input) => {
    expect(triggerSchema.safeParse(input).success).toBe(false);
  });
});

describe("foldText", () => {
  it("drops case and accents and spells out letters without a decomposition", () => {
    expect(foldText("Rückerstattung ÅTERBETALNING Straße człowiek Ærø rétourneren")).toBe(
      "ruckerstattung aterbetalning strasse czlowiek aero retourneren",
    );
  });
});

describe("matchTrigger", () => {
  it("returns the first trigger that matches, with the customer's words", () => {
    const refund = trigger("refund");
    const cancel = trigger("cancel my order");
    expect(matchTrigger("Please CANCEL my order, and refund me.", "en", [refund, cancel])).toEqual({
      trigger: refund,
      matched: "refund",
    });
    expect(matchTrigger("Cancel my order please!", "en", [refund, cancel])).toEqual({
      trigger: cancel,
      matched: "Cancel my order",
    });
  });

  it("matches nothing without triggers or words", () => {
    expect(matchTrigger("refund", "en", [])).toBeNull();
    expect(matchTrigger("  ?! ", "en", [trigger("refund")])).toBeNull();
  });

  describe("English inflections", () => {
    it.each([
      ["refund", "I want a refund"],
      ["refund", "two refunds please"],
      ["refund", "was it refunded?"],
      ["refund", "are you refunding me"],
      ["cancel", "I cancelled it"],
      ["cancel", "I canceled it"],
      ["cancel", "cancelling now"],
      ["cancel", "it cancels itself"],
      ["charge", "you were charging me twice"],
      ["charge", "double charged"],
      ["reply", "nobody replied"],
      ["reply", "no replies"],
      ["stop", "it stopped working"],
    ])("%s matches “%s”", (phrase, text) => {
      expect(matched(text, "en", trigger(phrase))).not.toBeNull();
    });

    it.each([
      ["refund", "Is this refundable?"],
      ["refund", "non-refundable ticket"],
      ["refund", "nonrefund"],
      ["cancel", "what is the cancellation fee"],
      ["cancel", "cancellations"],
      ["charge", "my charger broke"],
    ])("%s does not match “%s”", (phrase, text) => {
      expect(matched(text, "en", trigger(phrase))).toBeNull();
    });
  });

  it("is case-, accent- and punctuation-insensitive on word boundaries", () => {
    const refund = trigger("refund");
    expect(matched("REFUND!!!", "en", refund)).toBe("REFUND");
    expect(matched("(refund)", "en", refund)).toBe("refund");
    expect(matched("réfund?", "en", refund)).toBe("réfund");
    expect(matched("refund-request", "en", refund)).toBe("refund");
    expect(matched("refundrequest", "en", refund)).toBeNull();
    expect(matched("prerefund", "en", refund)).toBeNull();
  });

  describe("phrases", () => {
    const cancelMyOrder = trigger("cancel my order");

    it("match consecutive words with any punctuation or space between", () => {
      expect(matched("Cancel my order please!", "en", cancelMyOrder)).toBe("Cancel my order");
      expect(matched("cancel,   my\norder", "en", cancelMyOrder)).toBe("cancel,   my\norder");
      expect(matched("I cancelled my orders", "en", cancelMyOrder)).toBe("cancelled my orders");
    });

    it("do not match across another word, in another order, or in part", () => {
      expect(matched("cancel my old order", "en", cancelMyOrder)).toBeNull();
      expect(matched("my order, cancel it", "en", cancelMyOrder)).toBeNull();
      expect(matched("cancel my", "en", cancelMyOrder)).toBeNull();
    });

    it("inflect only words of three letters or more", () => {
      expect(matched("cancel mys order", "en", cancelMyOrder)).toBeNull();
    });
  });

  describe("Dutch", () => {
    const annuleren = trigger("annuleren");
    const terugbetaling = trigger("terugbetaling");

    it.each([
      ["annuleren", annuleren],
      ["annuleer", annuleren],
      ["annuleert", annuleren],
      ["geannuleerd", annuleren],
      ["annuleerde", annuleren],
      ["terugbetaling", terugbetaling],
      ["terugbetalingen", terugbetaling],
    ])("“%s” matches", (word, t) => {
      expect(matched(`ik wil ${word} graag`, "nl", t)).toBe(word);
    });

    it.each([
      ["annulering", annuleren],
      ["geldterugbetaling", terugbetaling],
      ["terugbetalingsformulier", terugbetaling],
    ])("“%s” does not match", (word, t) => {
      expect(matched(`ik wil ${word}`, "nl", t)).toBeNull();
    });

    it("handles undoubled consonants, long vowels and voiced plurals", () => {
      expect(matched("ik heb besteld", "nl", trigger("bestellen"))).toBe("besteld");
      expect(matched("nog niet betaald", "nl", trigger("betalen"))).toBe("betaald");
      expect(matched("wij verhuisden", "nl", trigger("verhuizen"))).toBe("verhuisden");
      expect(matched("twee vragen", "nl", trigger("vraag"))).toBe("vragen");
      expect(matched("drie pakketten", "nl", trigger("pakket"))).toBe("pakketten");
    });
  });

  describe("Swedish", () => {
    it.each([
      ["återbetalning", "återbetalningen kom aldrig"],
      ["återbetalning", "två aterbetalningar"],
      ["avboka", "jag avbokade"],
      ["avboka", "den är avbokad"],
      ["avboka", "jag avbokar"],
    ])("%s matches “%s”", (phrase, text) => {
      expect(matched(text, "sv", trigger(phrase))).not.toBeNull();
    });

    it("does not match derivations", () => {
      expect(matched("avbokning", "sv", trigger("avboka"))).toBeNull();
      expect(matched("avbokningsbar", "sv", trigger("avboka"))).toBeNull();
    });
  });

  describe("German", () => {
    const rueckerstattung = trigger("Rückerstattung");

    it.each(["Rückerstattung", "Rückerstattungen", "ruckerstattung", "rueckerstattung", "RUECKERSTATTUNGEN"])(
      "Rückerstattung matches “%s”",
      (word) => {
        expect(matched(`Wo bleibt meine ${word}?`, "de", rueckerstattung)).toBe(word);
      },
    );

    it("matches umlauts the admin spelled out", () => {
      expect(matched("die Rückerstattung", "de", trigger("Rueckerstattung"))).toBe("Rückerstattung");
    });

    it.each(["storniert", "storniere", "stornierte", "stornieren"])("stornieren matches “%s”", (word) => {
      expect(matched(`ich habe ${word}`, "de", trigger("stornieren"))).toBe(word);
    });

    it("matches ge-…-t participles", () => {
      expect(matched("ich habe gekündigt", "de", trigger("kündigen"))).toBe("gekündigt");
    });

    it("does not match derivations", () => {
      expect(matched("die Stornierung", "de", trigger("stornieren"))).toBeNull();
      expect(matched("rückerstattbar", "de", rueckerstattung)).toBeNull();
    });
  });

  describe("other languages", () => {
    it.each([
      ["fr", "annuler", "j'ai annulé ma commande", "annulé"],
      ["fr", "remboursement", "deux remboursements", "remboursements"],
      ["es", "cancelar", "ya cancelé el pedido", "cancelé"],
      ["es", "devolución", "quiero las devoluciones", "devoluciones"],
      ["pt", "cancelar", "pedido cancelado", "cancelado"],
      ["pt", "devolução", "as devoluções", "devoluções"],
      ["it", "annullare", "ordine annullato", "annullato"],
      ["it", "rimborso", "due rimborsi", "rimborsi"],
      ["pl", "zwrot", "nie dostałem zwrotu", "zwrotu"],
      ["pl", "anulować", "anulowałem zamówienie", "anulowałem"],
      ["pl", "anulować", "zamówienie anulowane", "anulowane"],
      ["da", "annullere", "jeg har annulleret", "annulleret"],
      ["da", "afbestille", "jeg afbestilte", "afbestilte"],
      ["no", "kansellere", "ordren er kansellert", "kansellert"],
      ["no", "refusjon", "refusjonen kom ikke", "refusjonen"],
    ])("%s: %s in “%s”", (language, phrase, text, word) => {
      expect(matched(text, language, trigger(phrase))).toBe(word);
    });

    it.each([
      ["fr", "annuler", "frais d'annulation"],
      ["es", "cancelar", "la cancelación"],
      ["it", "annullare", "l'annullamento"],
      ["pt", "cancelar", "o cancelamento"],
    ])("%s: %s not in “%s”", (language, phrase, text) => {
      expect(matched(text, language, trigger(phrase))).toBeNull();
    });
  });

  describe("languages of phrases", () => {
    const refund = trigger("refund", { nl: ["terugbetaling", "annuleren"], sv: ["avboka"] });

    it("matches the base phrase with English endings whatever the customer's language", () => {
      expect(matched("refunded?", "nl", refund)).toBe("refunded");
      expect(matched("refunded?", null, refund)).toBe("refunded");
    });

    it("matches the base phrase with the customer's language's endings", () => {
      const annuleren = trigger("annuleren");
      expect(matched("geannuleerd", "nl", annuleren)).toBe("geannuleerd");
      expect(matched("geannuleerd", "nl-NL", annuleren)).toBe("geannuleerd");
      expect(matched("geannuleerd", "en", annuleren)).toBeNull();
    });

    it("matches translations with their own language's endings, in any conversation", () => {
      expect(matched("ik wil terugbetalingen", "nl", refund)).toBe("terugbetalingen");
      expect(matched("it was geannuleerd", "en", refund)).toBe("geannuleerd");
      expect(matched("jag avbokade", "de", refund)).toBe("avbokade");
      expect(matched("jag avbokade", null, refund)).toBe("avbokade");
    });

    it("does not give a translation another language's endings", () => {
      // "annuleerding" would be English -ing on a Dutch stem; "terugbetalinged" English -ed.
      expect(matched("terugbetalinged", "en", refund)).toBeNull();
      expect(matched("avbokaing", "sv", refund)).toBeNull();
    });

    it("matches translations in languages without inflection rules as written", () => {
      const palautus = trigger("refund", { fi: ["palautus"] });
      expect(matched("Palautus!", "fi", palautus)).toBe("Palautus");
      expect(matched("palautuksen", "fi", palautus)).toBeNull();
    });
  });

  it("matches digits as words", () => {
    expect(matched("about order 1234, please", "en", trigger("order 1234"))).toBe("order 1234");
    expect(matched("order 12345", "en", trigger("order 1234"))).toBeNull();
  });
});
