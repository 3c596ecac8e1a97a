import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { issueToken, readSignedToken, verifyToken } from "../../../src/channels/livechat/tokens.js";

const claims = {
  channelAccountId: "5b0f2c1e-8a54-4d5e-9a0e-2f5c1d3b7a10",
  workspaceId: "0c9e7d4a-1f2b-4c3d-8e5f-6a7b8c9d0e1f",
  conversationId: "dl_conv_1",
  userId: "dl_user_1",
  locale: "nl-NL",
};
const issuedAt = new Date("2026-12-07T10:00:00Z");
const later = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);

/** The same token with one character of its signature changed. */
function tampered(token: string): string {
  const last = token.at(-2) === "A" ? "B" : "A";
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

describe("Direct Line tokens, checked once and remembered", () => {
  it("accepts our token again and again with the same claims, and still lets it expire", () => {
    const key = randomBytes(32);
    const { token, expiresIn } = issueToken(key, claims, issuedAt);
    const first = verifyToken(key, token, later(1));
    const again = verifyToken(key, token, later(2));
    expect(first).toMatchObject({ ok: true, claims });
    expect(again).toEqual(first);
    expect(verifyToken(key, token, later(expiresIn))).toEqual({ ok: false, reason: "expired" });
    // Expired tokens are still ours: a returning visitor's widget reads their old conversation.
    expect(readSignedToken(key, token)).toMatchObject({ ok: true, claims });
  });

  it("refuses a tampered token after the genuine one was accepted, and a token of another key", () => {
    const key = randomBytes(32);
    const { token } = issueToken(key, claims, issuedAt);
    expect(verifyToken(key, token, later(1)).ok).toBe(true);
    expect(verifyToken(key, tampered(token), later(1))).toEqual({ ok: false, reason: "bad_signature" });
    const otherKey = randomBytes(32);
    expect(verifyToken(otherKey, token, later(1))).toEqual({ ok: false, reason: "bad_signature" });
    // And the other way round: accepted under its own key first, refused under ours after.
    const { token: theirs } = issueToken(otherKey, claims, issuedAt);
    expect(verifyToken(otherKey, theirs, later(1)).ok).toBe(true);
    expect(verifyToken(key, theirs, later(1))).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("hands out claims nobody can change for the next request", () => {
    const key = randomBytes(32);
    const { token } = issueToken(key, claims, issuedAt);
    const check = verifyToken(key, token, later(1));
    if (!check.ok) throw new Error("token refused");
    expect(() => {
      (check.claims as { conversationId: string }).conversationId = "dl_someone_else";
    }).toThrow(TypeError);
    expect(verifyToken(key, token, later(2))).toMatchObject({ ok: true, claims });
  });

  it("keeps accepting every token when more are in use than it remembers", () => {
    const key = randomBytes(32);
    const tokens = Array.from(
      { length: 5000 },
      (_, i) => issueToken(key, { ...claims, conversationId: `dl_conv_${i}` }, issuedAt).token,
    );
    for (const token of tokens) expect(verifyToken(key, token, later(1)).ok).toBe(true);
    for (const [i, token] of tokens.entries()) {
      const check = verifyToken(key, token, later(2));
      expect(check.ok && check.claims.conversationId).toBe(`dl_conv_${i}`);
    }
  });
});
