import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Direct Line tokens, stateless: a JWT (HS256) signed with the instance's live-chat key, so any
 * replica can check one without a database round trip. The JWT shape is deliberate: Web Chat and
 * botframework-directlinejs decode the token and take its `user` claim as the visitor's user id,
 * which keeps the id the browser sends and the id the token vouches for the same.
 */

export const TOKEN_LIFETIME_SECONDS = 1800;

export interface TokenClaims {
  channelAccountId: string;
  workspaceId: string;
  /** The Direct Line conversation id this token may read and write, and nothing else. */
  conversationId: string;
  userId: string;
  userName?: string | undefined;
  /** The visitor's browser language, from the token request or the conversation start. */
  locale?: string | undefined;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims; expiresAt: Date }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

interface Payload {
  acct: string;
  ws: string;
  conv: string;
  user: string;
  name?: string;
  loc?: string;
  iat: number;
  exp: number;
}

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function sign(key: Buffer, signingInput: string): Buffer {
  return createHmac("sha256", key).update(signingInput).digest();
}

export function issueToken(
  key: Buffer,
  claims: TokenClaims,
  now: Date,
): { token: string; expiresIn: number } {
  const iat = Math.floor(now.getTime() / 1000);
  const payload: Payload = {
    acct: claims.channelAccountId,
    ws: claims.workspaceId,
    conv: claims.conversationId,
    user: claims.userId,
    ...(claims.userName ? { name: claims.userName } : {}),
    ...(claims.locale ? { loc: claims.locale } : {}),
    iat,
    exp: iat + TOKEN_LIFETIME_SECONDS,
  };
  const signingInput = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return {
    token: `${signingInput}.${sign(key, signingInput).toString("base64url")}`,
    expiresIn: TOKEN_LIFETIME_SECONDS,
  };
}

/** True when the string has a token's shape; anything else presented as a bearer is taken as a secret. */
export function looksLikeToken(bearer: string): boolean {
  return bearer.startsWith(`${HEADER}.`) && bearer.split(".").length === 3;
}

export function verifyToken(key: Buffer, token: string, now: Date): TokenCheck {
  const read = readSignedToken(key, token);
  if (!read.ok) return read;
  if (read.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return read;
}

type SignedToken = { ok: true; claims: TokenClaims; expiresAt: Date };

/**
 * Tokens whose signature was checked, by their text, per key. A visitor's client sends the same
 * token with every post and every poll for up to half an hour; checking its HMAC and decoding
 * it took about 6 % of the HTTP process's profile in the bench's acknowledgements. Only tokens
 * we signed get in (the whole text is the key, so a forged token never matches a checked one),
 * expiry is still checked on every use, and the oldest entry makes room for a new one.
 */
const checkedTokens = new WeakMap<Buffer, Map<string, SignedToken>>();
const CHECKED_TOKENS_MAX = 4096;

/**
 * A token's claims if we signed it, expired or not: for a returning visitor's widget, which may
 * show its old conversation again (see widget-token.ts) but never use the old token itself.
 */
export function readSignedToken(
  key: Buffer,
  token: string,
): SignedToken | { ok: false; reason: "malformed" | "bad_signature" } {
  let checked = checkedTokens.get(key);
  const known = checked?.get(token);
  if (known) return known;
  const read = checkSignedToken(key, token);
  if (!read.ok) return read;
  if (!checked) {
    checked = new Map();
    checkedTokens.set(key, checked);
  }
  if (checked.size >= CHECKED_TOKENS_MAX) checked.delete(checked.keys().next().value as string);
  checked.set(token, read);
  return read;
}

function checkSignedToken(
  key: Buffer,
  token: string,
): SignedToken | { ok: false; reason: "malformed" | "bad_signature" } {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: "malformed" };
  const [header, body, signature] = parts as [string, string, string];
  const expected = sign(key, `${header}.${body}`);
  const given = Buffer.from(signature, "base64url");
  // Lengths are public (always 32 for SHA-256); the comparison of the bytes is what must not leak.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad_signature" };
  }
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (
    typeof payload.exp !== "number" ||
    typeof payload.conv !== "string" ||
    typeof payload.acct !== "string"
  ) {
    return { ok: false, reason: "malformed" };
  }
  // Frozen: the same claims are handed to every request that presents this token.
  return Object.freeze({
    ok: true as const,
    expiresAt: new Date(payload.exp * 1000),
    claims: Object.freeze({
      channelAccountId: payload.acct,
      workspaceId: payload.ws,
      conversationId: payload.conv,
      userId: payload.user,
      userName: payload.name,
      locale: payload.loc,
    }),
  });
}
