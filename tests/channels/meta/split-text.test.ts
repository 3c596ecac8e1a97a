import { describe, expect, it } from "vitest";
import { splitText } from "../../../src/channels/meta/split-text.js";

describe("splitting long answers for Meta's length limits", () => {
  it("keeps short text whole", () => {
    expect(splitText("Hello there. How are you?", 2000)).toEqual(["Hello there. How are you?"]);
  });

  it("cuts after a sentence, never inside one, and keeps every word", () => {
    const sentence = "Our returns window is thirty days from delivery, and refunds arrive within a week. ";
    const text = sentence.repeat(60).trim();
    const parts = splitText(text, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.endsWith(".")).toBe(true);
    }
    expect(parts.join(" ")).toBe(text);
  });

  it("falls back to spaces, then to a hard cut, when there is no sentence end", () => {
    expect(splitText("word ".repeat(10).trim(), 12)).toEqual([
      "word word",
      "word word",
      "word word",
      "word word",
      "word word",
    ]);
    expect(splitText("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });
});
