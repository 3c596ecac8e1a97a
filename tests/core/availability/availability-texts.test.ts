import { describe, expect, it } from "vitest";
import { availabilityMessage } from "../../../src/core/availability/availability-texts.js";
import type { AvailabilityState } from "../../../src/core/availability/team-state.js";
import { SUPPORTED_LANGUAGES } from "../../../src/core/language.js";

const STATES: AvailabilityState[] = ["available", "away", "at_capacity", "outside_hours"];

/** Monday 6 April 2026, 09:00 in Amsterdam (CEST), 03:00 in New York (EDT). */
const MONDAY_9_AMSTERDAM = new Date("2026-04-06T07:00:00Z");
const back = { nextOpening: MONDAY_9_AMSTERDAM, timeZone: "Europe/Amsterdam" };

describe("availabilityMessage: built-in texts", () => {
  it.each(SUPPORTED_LANGUAGES)("has every state in %s, filled and translated", (language) => {
    for (const state of STATES) {
      for (const extra of [{}, back]) {
        const text = availabilityMessage({ state, language, ...extra });
        expect(text.trim(), `${language}:${state}`).not.toBe("");
        expect(text, `${language}:${state}`).not.toMatch(/\{\w+\}/);
        if (language !== "en") {
          expect(text, `${language}:${state} equals English`).not.toBe(
            availabilityMessage({ state, language: "en", ...extra }),
          );
        }
      }
    }
  });

  it("says something different for each state", () => {
    for (const language of SUPPORTED_LANGUAGES) {
      const texts = STATES.map((state) => availabilityMessage({ state, language }));
      expect(new Set(texts).size, language).toBe(STATES.length);
    }
  });

  it("says in English what each state means", () => {
    expect(availabilityMessage({ state: "available", language: "en" })).toBe(
      "A member of our team will be with you shortly.",
    );
    expect(availabilityMessage({ state: "away", language: "en" })).toBe(
      "Our team is away right now. We've passed your message on and will get back to you here as soon as we can.",
    );
    expect(availabilityMessage({ state: "at_capacity", language: "en" })).toBe(
      "Our team is helping other customers right now. You're in the queue, and someone will reply here " +
        "as soon as possible.",
    );
    expect(availabilityMessage({ state: "outside_hours", language: "en" })).toBe(
      "Our team is offline right now. We've passed your message on and will reply when we're back.",
    );
  });

  it("normalizes locales and falls back to English for languages without texts", () => {
    expect(availabilityMessage({ state: "away", language: "nl-NL" })).toBe(
      availabilityMessage({ state: "away", language: "nl" }),
    );
    expect(availabilityMessage({ state: "away", language: "nb_NO" })).toBe(
      availabilityMessage({ state: "away", language: "no" }),
    );
    const english = availabilityMessage({ state: "away", language: "en" });
    expect(availabilityMessage({ state: "away", language: "cs" })).toBe(english);
    expect(availabilityMessage({ state: "away", language: null })).toBe(english);
    expect(availabilityMessage({ state: "away", language: "not a language" })).toBe(english);
  });
});

describe("availabilityMessage: {backAt}", () => {
  it("says when the team is back, in the customer's language and the team's time zone", () => {
    expect(availabilityMessage({ state: "outside_hours", language: "en", ...back })).toBe(
      "Our team is offline right now. We've passed your message on and will reply when we're back " +
        "on Monday, April 6 at 09:00.",
    );
    const dutch = availabilityMessage({ state: "outside_hours", language: "nl", ...back });
    expect(dutch).toMatch(/zodra we er weer zijn, op maandag 6 april om 09:00\.$/);
    const german = availabilityMessage({ state: "outside_hours", language: "de", ...back });
    expect(german).toMatch(/sobald wir wieder da sind, am Montag, 6\. April um 09:00 Uhr\.$/);
    const french = availabilityMessage({ state: "outside_hours", language: "fr", ...back });
    expect(french).toMatch(/à notre retour, le lundi 6 avril à 09:00\.$/);
  });

  it("uses the team's time zone, not the server's", () => {
    const newYork = availabilityMessage({
      state: "outside_hours",
      language: "en",
      nextOpening: MONDAY_9_AMSTERDAM,
      timeZone: "America/New_York",
    });
    expect(newYork).toMatch(/back on Monday, April 6 at 03:00\.$/);
  });

  it("leaves it out when the next opening or the time zone is unknown", () => {
    const plain =
      "Our team is offline right now. We've passed your message on and will reply when we're back.";
    expect(
      availabilityMessage({ state: "outside_hours", language: "en", nextOpening: null, timeZone: "UTC" }),
    ).toBe(plain);
    expect(
      availabilityMessage({ state: "outside_hours", language: "en", nextOpening: MONDAY_9_AMSTERDAM }),
    ).toBe(plain);
  });
});

describe("availabilityMessage: admin texts", () => {
  const overrides = {
    away: { en: "We're out. Back soon!", nl: "We zijn er even niet." },
    outside_hours: { en: "Closed. Open again{backAt}!" },
  };

  it("shows the admin's text in the customer's language", () => {
    expect(availabilityMessage({ state: "away", language: "nl-BE", overrides })).toBe(
      "We zijn er even niet.",
    );
    expect(availabilityMessage({ state: "away", language: "en", overrides })).toBe("We're out. Back soon!");
  });

  it("does not show an English admin text to a customer we have built-in texts for", () => {
    expect(availabilityMessage({ state: "away", language: "de", overrides })).toBe(
      availabilityMessage({ state: "away", language: "de" }),
    );
  });

  it("shows the English admin text to a customer whose language we have no texts for", () => {
    expect(availabilityMessage({ state: "away", language: "cs", overrides })).toBe("We're out. Back soon!");
  });

  it("uses the built-in text for a state the admin did not write", () => {
    expect(availabilityMessage({ state: "available", language: "en", overrides })).toBe(
      availabilityMessage({ state: "available", language: "en" }),
    );
  });

  it("matches the admin's language keys as customers' languages are matched", () => {
    const regional = { away: { "nl-NL": "Even weg.", nb: "Borte en stund." } };
    expect(availabilityMessage({ state: "away", language: "nl", overrides: regional })).toBe("Even weg.");
    expect(availabilityMessage({ state: "away", language: "no", overrides: regional })).toBe(
      "Borte en stund.",
    );
  });

  it("ignores a blank admin text", () => {
    expect(availabilityMessage({ state: "away", language: "en", overrides: { away: { en: "  " } } })).toBe(
      availabilityMessage({ state: "away", language: "en" }),
    );
  });

  it("fills {backAt} in admin texts, in the language the text is written in", () => {
    expect(availabilityMessage({ state: "outside_hours", language: "en", overrides, ...back })).toBe(
      "Closed. Open again on Monday, April 6 at 09:00!",
    );
    // English text for a Czech customer: the date must be English too.
    expect(availabilityMessage({ state: "outside_hours", language: "cs", overrides, ...back })).toBe(
      "Closed. Open again on Monday, April 6 at 09:00!",
    );
    // The admin wrote Czech: we have no Czech words, so only Intl's date and time, in Czech.
    const czech = { outside_hours: { cs: "Jsme zavřeno. Zpět{backAt}." } };
    const text = availabilityMessage({ state: "outside_hours", language: "cs", overrides: czech, ...back });
    expect(text).toMatch(/^Jsme zavřeno\. Zpět \(pondělí .*, 09:00\)\.$/);
  });
});
