import { eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { agents, creditAccounts, creditLedger } from "../db/schema.js";
import { pendingChargesSql } from "./charge-applier.js";

/**
 * Credits: a balance per workspace and an append-only ledger. Nothing here writes the balance:
 * a ledger entry is inserted and the database applies it (migrations 0004 and 0009), so grants,
 * charges and adjustments from any replica add up exactly. Grants and adjustments are applied as
 * they are inserted; charges wait a moment for the charge applier (charge-applier.ts), so that
 * the replies making them never queue for their workspace's balance row.
 *
 * When a conversation is charged depends on the workspace's rule: `first-agent-reply` charges in
 * the very statement that commits the agent's first reply (thread-worker), `resolution` in the
 * statement that closes a conversation the agent resolved (lifecycle). Either way the ledger's
 * unique "one charge per conversation" index is what makes a second charge impossible.
 */

/** What a new workspace starts with when nobody says otherwise (PARLEY_INITIAL_CREDITS). */
export const DEFAULT_INITIAL_CREDITS = 1000;

export type LedgerEntry = typeof creditLedger.$inferSelect;

export async function openCreditAccount(
  tx: Tx,
  workspaceId: string,
  initialCredits: number,
  now: Date,
): Promise<void> {
  await tx.insert(creditAccounts).values({ workspaceId, updatedAt: now }).onConflictDoNothing();
  if (initialCredits > 0) {
    await addLedgerEntry(tx, {
      workspaceId,
      kind: "grant",
      amount: initialCredits,
      reason: "welcome grant",
      actor: "system",
      now,
    });
  }
}

/** Grants (positive) and adjustments (either sign); the trigger moves the balance. */
export async function addLedgerEntry(
  tx: Tx,
  entry: {
    workspaceId: string;
    kind: "grant" | "adjustment";
    amount: number;
    reason: string;
    actor: string;
    now: Date;
  },
): Promise<LedgerEntry> {
  const [inserted] = await tx
    .insert(creditLedger)
    .values({
      workspaceId: entry.workspaceId,
      kind: entry.kind,
      amount: entry.amount,
      reason: entry.reason,
      actor: entry.actor,
      createdAt: entry.now,
    })
    .returning({ id: creditLedger.id });
  if (!inserted) throw new Error("ledger insert returned nothing");
  // Read back: balance_after is filled in by the trigger after the insert.
  const [row] = await tx.select().from(creditLedger).where(eq(creditLedger.id, inserted.id));
  if (!row) throw new Error("ledger entry vanished");
  return row;
}

/** Why the agent would not take a new conversation right now, if it would not. */
export type AgentGate = "takes" | "paused" | "out_of_credits";

/**
 * The gate where a new conversation would be given to the agent. Credits are checked against
 * one conversation's price: conversations accepted concurrently may each still be charged, so a
 * balance can dip below zero by at most the conversations already under way — the agent never
 * walks away from a customer it has taken on.
 */
export async function agentGate(tx: Tx, agentId: string): Promise<AgentGate> {
  return (await agentStanding(tx, agentId)).gate;
}

/** The gate, and the agent's name with it (undefined: no such agent), in one read. */
export async function agentStanding(
  tx: Tx,
  agentId: string,
): Promise<{ gate: AgentGate; name: string | undefined }> {
  const [row] = await tx
    .select({
      name: agents.name,
      status: agents.status,
      // With the charges still waiting to be applied (see charge-applier.ts).
      balance: sql<number>`${creditAccounts.balance} + ${sql.raw(pendingChargesSql('"agents"."workspace_id"'))}`,
      price: creditAccounts.pricePerConversation,
    })
    .from(agents)
    .leftJoin(creditAccounts, eq(creditAccounts.workspaceId, agents.workspaceId))
    .where(eq(agents.id, agentId))
    .limit(1);
  if (row?.status !== "active") return { gate: "paused", name: row?.name };
  return { gate: gateForBalance(Number(row.balance ?? 0), row.price ?? 0), name: row.name };
}

/**
 * SQL for the same rule, for statements that decide it in the database: whether the agent
 * (alias `agent`, with its workspace's credit account as `credit`, which may be missing) would
 * take a new conversation now, with the charges still waiting to be applied (see
 * charge-applier.ts). `preview` is an SQL boolean: a preview account's conversations are free.
 */
export function agentTakesSql(agent: string, credit: string, preview: string): string {
  return `(${preview} OR (${agent}.status = 'active' AND (
            coalesce(${credit}.price_per_conversation, 0) <= 0
            OR coalesce(${credit}.balance, 0) + ${pendingChargesSql(`${agent}.workspace_id`)}
               >= ${credit}.price_per_conversation)))`;
}

export function gateForBalance(balance: number, price: number): AgentGate {
  return price > 0 && balance < price ? "out_of_credits" : "takes";
}
