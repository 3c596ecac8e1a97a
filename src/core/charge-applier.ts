import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import { EVENTS_CHANNEL } from "./events/record.js";

/**
 * Signalled (in the process's own scope) when a charge was written: the applier of the process
 * that wrote it applies it (see ChargeApplier). Other processes' appliers need not wake for it.
 */
export const CHARGES_CHANNEL = "parley_charges";

/**
 * SQL for the sum of a workspace's charges still waiting (negative, or 0), given the SQL of its
 * id: added to the stored balance wherever a decision needs the balance with every charge
 * already made (the gates in conversations.ts and credits.ts).
 */
export function pendingChargesSql(workspaceId: string): string {
  return `(SELECT coalesce(sum(l.amount), 0) FROM credit_ledger l
           WHERE l.workspace_id = ${workspaceId} AND l.balance_after IS NULL)`;
}

export interface AppliedCharges {
  /** Ledger entries applied to their workspace's balance. */
  applied: number;
  /** `credits.low_balance` events written (a balance crossed its threshold). */
  lowBalanceEvents: number;
}

/**
 * The workspaces with entries still waiting (found through the partial index of pending entries),
 * all or $1's: a workspace with none is not touched, so reading a balance takes no lock.
 */
const PENDING_WORKSPACES = `
  SELECT DISTINCT workspace_id FROM credit_ledger
  WHERE balance_after IS NULL AND ($1::uuid IS NULL OR workspace_id = $1::uuid)
  ORDER BY workspace_id`;

/** One workspace's waiting entries, applied in one transaction (migration 0009). $1 workspace. */
const APPLY_WORKSPACE = `SELECT applied, low_balance_events FROM parley_apply_ledger($1::uuid)`;

/**
 * Applies the charges still waiting to their balances (every workspace's, or one's), in the order
 * they were written. Safe from any number of processes at once: a workspace's entries are applied
 * by one transaction at a time, and each entry once. Each workspace is applied on its own, so one
 * that fails holds up nobody else's: with `onFailure` the others still go (and its entries wait for
 * the next round); without it, the first failure is thrown.
 */
export async function applyPendingCharges(
  database: Database,
  workspaceId?: string,
  onFailure?: (workspaceId: string, err: unknown) => void,
): Promise<AppliedCharges> {
  const pending = await database.query<{ workspace_id: string }>(PENDING_WORKSPACES, [workspaceId ?? null]);
  const workspaces = pending.map((r) => r.workspace_id);
  const total: AppliedCharges = { applied: 0, lowBalanceEvents: 0 };
  for (const workspace of workspaces) {
    try {
      const [row] = await database.query<{ applied: number; low_balance_events: number }>(APPLY_WORKSPACE, [
        workspace,
      ]);
      total.applied += Number(row?.applied ?? 0);
      total.lowBalanceEvents += Number(row?.low_balance_events ?? 0);
    } catch (err) {
      if (!onFailure) throw err;
      onFailure(workspace, err);
    }
  }
  return total;
}

export interface ChargeApplierDeps {
  database: Database;
  log: Logger;
  /** How often it looks for charges nobody signalled (another replica's, one written before a crash). */
  pollMs: number;
}

/**
 * Moves charges into the balances a moment after they were written. A reply's charge used to
 * take its workspace's balance row until the reply committed, so a busy workspace's replies
 * queued for that one row; now a reply only writes its pending ledger entry, and this applies
 * whatever has gathered, one statement per workspace and round. A signal on CHARGES_CHANNEL starts a round;
 * signals that come during one start one more after it, so under load the rounds simply grow.
 *
 * The balance a gate reads counts waiting charges too (see `conversations.ts`), and the admin
 * API applies them before it shows a balance or the ledger: nobody sees a balance without the
 * charges already made.
 */
export class ChargeApplier {
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(private readonly deps: ChargeApplierDeps) {}

  async start(): Promise<void> {
    this.#stopped = false;
    this.#unlisten = await this.deps.database.listen(CHARGES_CHANNEL, () => this.wake());
    this.#timer = setInterval(() => this.wake(), this.deps.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Starts a round now, or one more after the round under way. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#rounds().finally(() => {
      this.#running = undefined;
    });
  }

  /** Stops listening and polling, and applies what is left once more, so a stopping process leaves nothing waiting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#unlisten?.().catch(() => {});
    await this.#running;
    await this.#round();
  }

  async #rounds(): Promise<void> {
    do {
      this.#again = false;
      await this.#round();
    } while (this.#again && !this.#stopped);
  }

  async #round(): Promise<void> {
    try {
      const { applied, lowBalanceEvents } = await applyPendingCharges(
        this.deps.database,
        undefined,
        (workspaceId, err) =>
          // Its charges wait in the ledger; the next round or poll tries again.
          this.deps.log.warn(
            { err, workspaceId },
            "applying a workspace's charges failed; trying again later",
          ),
      );
      if (lowBalanceEvents > 0) await this.deps.database.notify(EVENTS_CHANNEL, "credits");
      if (applied > 0) this.deps.log.debug({ applied, lowBalanceEvents }, "charges applied");
    } catch (err) {
      // Nothing is lost: the entries wait in the ledger, and the next round or poll tries again.
      this.deps.log.warn({ err }, "applying charges failed; trying again later");
    }
  }
}
