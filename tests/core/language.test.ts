import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decideLanguage, normalizeLanguage, SUPPORTED_LANGUAGES } from "../../src/core/language.js";

interface Sentence {
  lang: string;
  text: string;
}

function loadSentences(): Sentence[] {
  const [header, ...lines] = readFileSync(new URL("../fixtures/lang/sentences.tsv", import.meta.url), "utf8")
    .trim()
    .split("\n");
  expect(header).toBe("lang\ttext\tsource");
  return lines.map((line) => {
    const [lang = "", text = ""] = line.split("\t");
    return { lang, text };
  });
}

describe("decideLanguage: detection over Tatoeba customer-service sentences", () => {
  const sentences = loadSentences();
  const results = sentences.map((s) => ({ ...s, decided: decideLanguage({ text: s.text }) }));

  it("covers every supported language", () => {
    expect(new Set(sentences.map((s) => s.lang))).toEqual(new Set(SUPPORTED_LANGUAGES));
  });

  it("detects at least 90 % of the sentences correctly, from the text alone", () => {
    const correct = results.filter((r) => r.decided.language === r.lang);
    const wrong = results.filter((r) => r.decided.language !== r.lang);
    console.info(
      `language detection: ${correct.length}/${results.length} = ` +
        `${((100 * correct.length) / results.length).toFixed(1)} %; wrong: ` +
        wrong.map((r) => `${r.lang}→${r.decided.language} "${r.text}"`).join(", "),
    );
    expect(correct.length / results.length).toBeGreaterThanOrEqual(0.9);
    for (const r of correct) expect(r.decided.source).toBe("detected");
  });

  it("gets every language mostly right", () => {
    for (const language of SUPPORTED_LANGUAGES) {
      const ofLanguage = results.filter((r) => r.lang === language);
      const correct = ofLanguage.filter((r) => r.decided.language === language);
      expect(correct.length / ofLanguage.length, language).toBeGreaterThanOrEqual(0.7);
    }
  });

  it("tells Bokmål from Danish by their commonest words when eld finds them close", () => {
    expect(decideLanguage({ text: "Unnskyld meg, jeg har en forespørsel." }).language).toBe("no");
    expect(decideLanguage({ text: "Undskyld, jeg har et spørgsmål om min ordre." }).language).toBe("da");
    expect(decideLanguage({ text: "Hva koster frakt til Bergen?" }).language).toBe("no");
    // The words outweigh a conversation language that an earlier near-tie may have got wrong.
    expect(
      decideLanguage({ text: "Unnskyld meg, jeg har en forespørsel.", conversationLanguage: "da" }),
    ).toEqual({
      language: "no",
      source: "detected",
    });
  });

  it("resolves Danish/Norwegian near-ties towards the conversation's language", () => {
    // eld scores this Bokmål sentence a hair higher as Danish, and no marker word decides it.
    const text = "Har du et ledig rom?";
    expect(decideLanguage({ text }).language).toBe("da");
    expect(decideLanguage({ text, conversationLanguage: "no" })).toEqual({
      language: "no",
      source: "conversation",
    });
    expect(decideLanguage({ text, contactLocale: "nb_NO" })).toEqual({ language: "no", source: "contact" });
  });

  it("still switches when the customer clearly changes language", () => {
    expect(decideLanguage({ text: "Wat zijn jullie openingstijden?", conversationLanguage: "en" })).toEqual({
      language: "nl",
      source: "detected",
    });
    expect(decideLanguage({ text: "Gdzie jest moja paczka?", conversationLanguage: "nl" }).language).toBe(
      "pl",
    );
  });

  it("is fast: well under 100 µs per decision", () => {
    const texts = sentences.map((s) => s.text);
    for (const text of texts) decideLanguage({ text });
    const rounds = 20;
    const started = performance.now();
    for (let round = 0; round < rounds; round++) for (const text of texts) decideLanguage({ text });
    const perCallMicros = ((performance.now() - started) * 1000) / (rounds * texts.length);
    console.info(`language decision: ${perCallMicros.toFixed(1)} µs per call`);
    // Generous: a guard against accidentally reloading the database per call (≈ 300 ms), not a benchmark.
    expect(perCallMicros).toBeLessThan(1000);
  });
});

describe("decideLanguage: explicit locale and sticky short messages", () => {
  it("lets the live chat's browser locale win over the text and the conversation", () => {
    expect(
      decideLanguage({ text: "What are your opening hours?", locale: "nl-NL", conversationLanguage: "en" }),
    ).toEqual({ language: "nl", source: "locale" });
    expect(decideLanguage({ text: "ok", locale: "sv_SE" })).toEqual({ language: "sv", source: "locale" });
  });

  it("ignores a garbage locale and decides from the text", () => {
    expect(decideLanguage({ text: "Wie lange dauert die Lieferung nach Berlin?", locale: "??" })).toEqual({
      language: "de",
      source: "detected",
    });
  });

  it.each(["ok", "ja", "👍", "thanks!", "12345", "Dziękuję bardzo", "Merci"])(
    "keeps the conversation's language for %j",
    (text) => {
      expect(decideLanguage({ text, conversationLanguage: "nl" })).toEqual({
        language: "nl",
        source: "conversation",
      });
    },
  );

  it("falls back to the contact's locale, then the default, for short messages", () => {
    expect(decideLanguage({ text: "ok", contactLocale: "pl_PL" })).toEqual({
      language: "pl",
      source: "contact",
    });
    expect(decideLanguage({ text: "👍" })).toEqual({ language: "en", source: "default" });
    expect(decideLanguage({ text: "ja", defaultLanguage: "de" })).toEqual({
      language: "de",
      source: "default",
    });
  });

  it("accepts a detected language we have no texts for, and stores its code", () => {
    expect(decideLanguage({ text: "Dobrý den, kdy bude moje objednávka doručena?" })).toEqual({
      language: "cs",
      source: "detected",
    });
  });
});

describe("normalizeLanguage", () => {
  it.each([
    ["nl-NL", "nl"],
    ["sv_SE", "sv"],
    ["EN-us", "en"],
    ["de", "de"],
    ["pt-BR", "pt"],
    ["nb-NO", "no"],
    ["nn", "no"],
    ["no", "no"],
    ["fr_FR.UTF-8", "fr"],
    ["zh-Hant-TW", "zh"],
  ])("%s → %s", (tag, expected) => {
    expect(normalizeLanguage(tag)).toBe(expected);
  });

  it.each([undefined, null, "", "  ", "und", "C", "12", "english", "*", "--"])("%j → undefined", (tag) => {
    expect(normalizeLanguage(tag)).toBeUndefined();
  });
});
