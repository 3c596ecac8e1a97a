import { describe, expect, it } from "vitest";
import { languageName } from "../../../src/core/agent/prompt.js";

describe("languageName", () => {
  it("names a language in English, from a bare code or a locale", () => {
    expect(languageName("nl")).toBe("Dutch");
    expect(languageName("sv-SE")).toBe("Swedish");
    expect(languageName("pt_BR")).toBe("Portuguese");
  });

  it("says Bokmål for our Norwegian, so the model does not drift into Nynorsk", () => {
    expect(languageName("no")).toBe("Norwegian Bokmål");
  });

  it("gives the same name every time, for a code it looked up before", () => {
    const first = languageName("de-AT");
    expect(languageName("de-AT")).toBe(first);
    expect(first).toBe("German");
  });

  it("keeps a code Intl has no name for, and falls back to English for what is no language", () => {
    expect(languageName("qaa")).toBe("qaa");
    expect(languageName("not a language")).toBe("English");
  });
});
