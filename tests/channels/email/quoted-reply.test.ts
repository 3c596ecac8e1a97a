import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stripQuotedReply } from "../../../src/channels/email/quoted-reply.js";
import { EMAIL_FIXTURES } from "./fixtures.js";

const CORPUS = path.join(EMAIL_FIXTURES, "reply_bodies");

/** Trailing whitespace on a line is invisible to the reader and to the agent; the rest must match. */
function normalised(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}

describe("quoted-reply stripping", () => {
  it("matches the expected text for at least 90 % of the email_reply_trimmer corpus", () => {
    const names = readdirSync(path.join(CORPUS, "input")).sort();
    expect(names.length).toBeGreaterThanOrEqual(30);
    const failed = names.filter((name) => {
      const input = readFileSync(path.join(CORPUS, "input", name), "utf8");
      const expected = readFileSync(path.join(CORPUS, "expected", name), "utf8");
      return normalised(stripQuotedReply(input)) !== normalised(expected);
    });
    const share = (names.length - failed.length) / names.length;
    console.log(
      `quoted-reply corpus: ${names.length - failed.length}/${names.length} stripped as expected ` +
        `(${(share * 100).toFixed(1)} %)${failed.length ? `; differing: ${failed.join(", ")}` : ""}`,
    );
    expect(share).toBeGreaterThanOrEqual(0.9);
  });

  it.each([
    ["Danke!\n\nAm 03.02.2016 um 15:35 schrieb Max <max@example.de>:\n> Frage", "Danke!"],
    ["Tack!\n\nDen 3 feb. 2016 kl. 15:35 skrev Max <max@example.se>:\n> Fråga", "Tack!"],
    ["Bedankt\n\nOp 3 feb. 2016 om 15:35 schreef Max <max@example.nl>:\n> Vraag", "Bedankt"],
    ["Merci\n\nLe 3 févr. 2016 à 15:35, Max <max@example.fr> a écrit :\n> Question", "Merci"],
    ["Gracias\n\nEl mié., 3 feb. 2016 a las 15:35, Max (<max@example.es>) escribió:\n> P", "Gracias"],
    ["Obrigado\n\nEm qua., 3 de fev. de 2016 às 15:35, Max <max@example.pt> escreveu:\n> P", "Obrigado"],
    ["Grazie\n\nIl giorno mer 3 feb 2016 alle 15:35 Max <max@example.it> ha scritto:\n> D", "Grazie"],
    ["Dzięki\n\nW dniu 3.02.2016 o 15:35, Max <max@example.pl> napisał(a):\n> P", "Dzięki"],
    ["Tak\n\nDen 3. feb. 2016 kl. 15.35 skrev Max <max@example.dk>:\n> Spørgsmål", "Tak"],
    [
      "Thanks\n\nFrom: Shop <s@example.com>\nSent: Monday, 1 May 2023 10:00\nTo: Me\nSubject: Order",
      "Thanks",
    ],
    ["Danke\n\nVon: Shop <s@example.com>\nGesendet: Montag, 1. Mai 2023 10:00\nAn: Ich\nBetreff: X", "Danke"],
    ["Tack\n\nFrån: Shop <s@example.com>\nSkickat: den 1 maj 2023 10:00\nTill: Jag\nÄmne: X", "Tack"],
    ["Tak\n\nFra: Shop <s@example.com>\nSendt: 1. maj 2023 10:00\nTil: Mig\nEmne: X", "Tak"],
    ["Merci\n\nDe : Shop <s@example.com>\nEnvoyé : lundi 1 mai 2023 10:00\nÀ : Moi\nObjet : X", "Merci"],
    ["Thanks\n\n*From:* Shop <s@example.com>\n*Sent:* Monday\n*To:* Me\n*Subject:* X", "Thanks"],
    ["Thanks\n\n-----Original Message-----\nFrom: Shop\nquoted", "Thanks"],
  ])("strips the quote header of %j", (input, expected) => {
    expect(stripQuotedReply(input)).toBe(expected);
  });

  it("keeps interleaved answers and a text that quotes nothing", () => {
    expect(stripQuotedReply("> When do you open?\nAt nine, thanks.\n\n> Old")).toBe(
      "> When do you open?\nAt nine, thanks.",
    );
    expect(stripQuotedReply("When are you open?\nOn Monday I will come by.")).toBe(
      "When are you open?\nOn Monday I will come by.",
    );
  });
});
