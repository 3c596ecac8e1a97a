ALTER TABLE "credit_ledger" ALTER COLUMN "balance_after" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "credit_ledger" ALTER COLUMN "balance_after" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX "credit_ledger_pending_idx" ON "credit_ledger" USING btree ("workspace_id","id") WHERE balance_after IS NULL;--> statement-breakpoint
-- Charges no longer move the balance in the statement that makes them. Every agent's first
-- reply (or every resolution) charged the workspace in its own commit, and each took the
-- workspace's credit_accounts row until it committed: a busy workspace's replies queued for that
-- one row (13-15 ms a commit instead of 0.5 ms with 1,000 conversations answered at once).
-- A charge is now written pending (balance_after NULL) and applied a moment later, with every
-- other pending entry of its workspace, in one statement (parley_apply_ledger, called by the
-- gateway's charge applier). Grants and adjustments are still applied as they are inserted, and
-- apply whatever waits before them, so the ledger's running balance stays in the order the
-- entries were written. The unique index still makes a second charge of a conversation impossible.
CREATE OR REPLACE FUNCTION parley_apply_ledger(ws uuid, OUT applied integer, OUT low_balance_events integer)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  base bigint;
  threshold bigint;
BEGIN
  -- The account row is the workspace's lock: one transaction at a time applies its entries, and
  -- what it reads next (a new statement, a new snapshot) includes everything applied before it.
  INSERT INTO credit_accounts (workspace_id) VALUES (ws) ON CONFLICT (workspace_id) DO NOTHING;
  SELECT a.balance, a.low_balance_threshold INTO base, threshold
  FROM credit_accounts a WHERE a.workspace_id = ws FOR UPDATE;
  WITH pending AS MATERIALIZED (
    SELECT l.id, l.amount, l.conversation_id, l.created_at,
           base + sum(l.amount) OVER (ORDER BY l.id) AS after
    FROM credit_ledger l WHERE l.workspace_id = ws AND l.balance_after IS NULL
  ), written AS (
    UPDATE credit_ledger l SET balance_after = p.after FROM pending p WHERE l.id = p.id
  ), crossed AS (
    -- One event per crossing below the threshold. Always 'pending', webhook or not: the
    -- dispatcher also logs it, so it is never silent.
    INSERT INTO events (workspace_id, type, conversation_id, data, created_at)
    SELECT ws, 'credits.low_balance', p.conversation_id,
           jsonb_build_object('balance', p.after, 'threshold', threshold, 'ledgerEntryId', p.id),
           p.created_at
    FROM pending p
    WHERE threshold IS NOT NULL AND p.after < threshold AND p.after - p.amount >= threshold
    RETURNING 1
  ), account AS (
    UPDATE credit_accounts a
    SET balance = (SELECT p.after FROM pending p ORDER BY p.id DESC LIMIT 1),
        updated_at = (SELECT p.created_at FROM pending p ORDER BY p.id DESC LIMIT 1)
    WHERE a.workspace_id = ws AND EXISTS (SELECT 1 FROM pending)
  )
  SELECT (SELECT count(*) FROM pending), (SELECT count(*) FROM crossed) INTO applied, low_balance_events;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parley_apply_ledger_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A charge waits for the charge applier; anything else is applied now, after what waits.
  IF NEW.kind <> 'charge' THEN
    PERFORM parley_apply_ledger(NEW.workspace_id);
  END IF;
  RETURN NULL;
END $$;
