import { describe, expect, it } from "vitest";
import { recognizeSmallTalk, smallTalkReply } from "../../../src/core/agent/small-talk.js";

describe("small talk", () => {
  it.each([
    ["Hi!", "greeting"],
    ["Hello there", "greeting"],
    ["Goedemorgen", "greeting"],
    ["Hej hej", "greeting"],
    ["Guten Tag", "greeting"],
    ["Buenos días", "greeting"],
    ["Dzień dobry", "greeting"],
    ["Thank you very much!", "thanks"],
    ["ok thanks 👍", "thanks"],
    ["Dank je wel", "thanks"],
    ["Tack så mycket för hjälpen", "thanks"],
    ["Vielen Dank", "thanks"],
    ["Merci beaucoup", "thanks"],
    ["Muito obrigada", "thanks"],
    ["Mange tak", "thanks"],
    ["Tusen takk", "thanks"],
    ["Bye!", "goodbye"],
    ["Tot ziens", "goodbye"],
    ["Auf Wiedersehen", "goodbye"],
    ["Hi, my order", undefined],
  ])("%s → %s", (text, kind) => {
    expect(recognizeSmallTalk(text)).toBe(kind);
  });

  it("leaves real questions to retrieval, even when they start with a greeting", () => {
    expect(recognizeSmallTalk("Hi, what are your opening hours?")).toBeUndefined();
    expect(recognizeSmallTalk("Thanks, but where is my order?")).toBeUndefined();
    expect(recognizeSmallTalk("ok")).toBeUndefined();
    expect(recognizeSmallTalk("")).toBeUndefined();
  });

  it("answers in the conversation's language", () => {
    expect(smallTalkReply("thanks", "nl").text).toBe("Graag gedaan! Kan ik je nog ergens anders mee helpen?");
    expect(smallTalkReply("greeting", "sv").text).toBe("Hej! Hur kan jag hjälpa dig?");
    expect(smallTalkReply("goodbye", "xx").text).toBe("Goodbye, and have a nice day!");
  });
});
