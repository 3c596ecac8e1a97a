import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { apiTokens, workspaces } from "../db/schema.js";

/** Tokens are `prl_` + 32 random bytes; only their sha256 is stored. */
export function newApiToken(): string {
  return `prl_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createWorkspace(
  db: Tx,
  name: string,
  token: string = newApiToken(),
): Promise<{ workspaceId: string; token: string }> {
  const [ws] = await db.insert(workspaces).values({ name }).returning({ id: workspaces.id });
  if (!ws) throw new Error("workspace insert returned nothing");
  await db.insert(apiTokens).values({ workspaceId: ws.id, name: "admin", tokenHash: hashToken(token) });
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
  const [row] = await db
    .select({ workspaceId: apiTokens.workspaceId })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .limit(1);
  return row?.workspaceId;
}
