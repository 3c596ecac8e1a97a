import { describe, expect, it } from "vitest";
import { SUPPORTED_LANGUAGES } from "../../src/core/language.js";
import { formatWithSources, SystemTextError, type SystemTextKey, systemText } from "../../src/core/texts.js";
import type { Citation } from "../../src/db/schema.js";

const KEYS: SystemTextKey[] = [
  "greeting",
  "notFound",
  "handoff",
  "unavailable",
  "unsupportedMessage",
  "sourceLabel",
  "sourcesLabel",
  "otherLanguageNote",
  "poweredByAi",
];

/** Words that are the same as English by nature, not because a translation is missing. */
const SAME_AS_ENGLISH = new Set(["fr:sourceLabel", "fr:sourcesLabel"]);

const VARS = { agentName: "Mila" };

describe("systemText", () => {
  it.each(SUPPORTED_LANGUAGES)("has every text in %s, filled and translated", (language) => {
    for (const key of KEYS) {
      const text = systemText(key, language, VARS);
      expect(text.trim(), `${language}:${key}`).not.toBe("");
      expect(text, `${language}:${key}`).not.toMatch(/\{\w+\}/);
      if (language !== "en" && !SAME_AS_ENGLISH.has(`${language}:${key}`)) {
        expect(text, `${language}:${key} equals English`).not.toBe(systemText(key, "en", VARS));
      }
    }
  });

  it("puts the agent's name into the greeting", () => {
    expect(systemText("greeting", "en", VARS)).toBe(
      "Hi! I'm Mila, an AI assistant. How can I help you today?",
    );
    expect(systemText("greeting", "nl", VARS)).toContain("Ik ben Mila");
  });

  it("normalizes locales and falls back to English for languages without texts", () => {
    expect(systemText("notFound", "nl-NL")).toBe(systemText("notFound", "nl"));
    expect(systemText("handoff", "nb_NO")).toBe(systemText("handoff", "no"));
    expect(systemText("unavailable", "cs")).toBe(systemText("unavailable", "en"));
    expect(systemText("poweredByAi", undefined)).toBe("Powered by AI");
    expect(systemText("poweredByAi", "not a language")).toBe("Powered by AI");
  });

  it("says what each text is for, in English", () => {
    expect(systemText("notFound", "en")).toMatch(/couldn't find .* rephrase .* person/i);
    expect(systemText("unavailable", "en")).toMatch(/went wrong on our side.*try again.*person/i);
    expect(systemText("handoff", "en")).toMatch(/person .* reply here/i);
  });

  it("refuses to show a customer an unfilled placeholder", () => {
    expect(() => systemText("greeting", "en")).toThrow(SystemTextError);
  });
});

describe("formatWithSources", () => {
  const hours: Citation = { kind: "short_answer", id: "a1", title: "Opening hours" };
  const returns: Citation = {
    kind: "article",
    id: "b2",
    title: "Returns policy",
    url: "https://shop.example/returns",
  };

  it("leaves the text alone without citations", () => {
    expect(formatWithSources("We open at 9.", [], "en")).toBe("We open at 9.");
  });

  it("names one source, in the reply's language", () => {
    expect(formatWithSources("We open at 9.", [hours], "en")).toBe("We open at 9.\n\nSource: Opening hours");
    expect(formatWithSources("We gaan om 9 uur open.", [hours], "nl")).toBe(
      "We gaan om 9 uur open.\n\nBron: Opening hours",
    );
  });

  it("lists several sources with their links, once each", () => {
    expect(formatWithSources("Yes.", [hours, returns, hours], "pl")).toBe(
      "Yes.\n\nŹródła: Opening hours; Returns policy (https://shop.example/returns)",
    );
  });
});
