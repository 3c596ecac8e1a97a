import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { apiTokens, workspaces } from "../db/schema.js";
import { DEFAULT_INITIAL_CREDITS, openCreditAccount } from "./credits.js";

/** Tokens are `prl_` + 32 random bytes; only their sha256 is stored. */
export function newApiToken(): string {
  return `prl_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A workspace with its admin token and its credit account, opened with `initialCredits`. */
export async function createWorkspace(
  db: Tx,
  name: string,
  token: string = newApiToken(),
  initialCredits: number = DEFAULT_INITIAL_CREDITS,
  now: Date = new Date(),
): Promise<{ workspaceId: string; token: string }> {
  const [ws] = await db.insert(workspaces).values({ name }).returning({ id: workspaces.id });
  if (!ws) throw new Error("workspace insert returned nothing");
  await db.insert(apiTokens).values({ workspaceId: ws.id, name: "admin", tokenHash: hashToken(token) });
  await openCreditAccount(db, ws.id, initialCredits, now);
  return { workspaceId: ws.id, token };
}

/** Makes sure `token` opens `workspaceId` (used for PARLEY_ADMIN_TOKEN); idempotent. */
export async function ensureApiToken(
  db: Tx,
  workspaceId: string,
  token: string,
  name = "admin",
): Promise<void> {
  await db
    .insert(apiTokens)
    .values({ workspaceId, name, tokenHash: hashToken(token) })
    .onConflictDoNothing({ target: apiTokens.tokenHash });
}

export async function workspaceForToken(db: Tx, token: string): Promise<string | undefined> {
  return (await tokenHolder(db, token))?.workspaceId;
}

/** Who a token speaks for: its workspace, its name (the audit log's actor) and its person, if any. */
export async function tokenHolder(
  db: Tx,
  token: string,
): Promise<{ workspaceId: string; tokenName: string; userId: string | null } | undefined> {
  const [row] = await db
    .select({ workspaceId: apiTokens.workspaceId, tokenName: apiTokens.name, userId: apiTokens.userId })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .limit(1);
  return row;
}
