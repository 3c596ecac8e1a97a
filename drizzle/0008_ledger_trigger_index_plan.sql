-- The ledger trigger of 0006 with its self-update planned once per connection, not once per entry.
-- 0006 planned the update afresh on every call (a dynamic EXECUTE), because a plan cached while
-- the ledger was small could stay a full scan as it grew. Parsing and planning that statement
-- again for every charge cost about a third of the trigger. With sequential scans off inside
-- this function only, the plan PL/pgSQL caches is the primary-key lookup whatever the ledger's
-- size when it was made: one entry took 0.26-0.34 ms instead of 0.41-0.43 ms (pgbench, one
-- client, 2026-12-07). Nothing else in the function scans a table.
CREATE OR REPLACE FUNCTION parley_apply_ledger_entry() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
  new_balance bigint;
  threshold bigint;
BEGIN
  INSERT INTO credit_accounts AS a (workspace_id, balance, updated_at)
  VALUES (NEW.workspace_id, NEW.amount, NEW.created_at)
  ON CONFLICT (workspace_id) DO UPDATE
    SET balance = a.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at
  RETURNING a.balance, a.low_balance_threshold INTO new_balance, threshold;
  UPDATE credit_ledger SET balance_after = new_balance WHERE id = NEW.id;
  IF threshold IS NOT NULL AND new_balance < threshold AND new_balance - NEW.amount >= threshold THEN
    -- Always 'pending', webhook or not: the dispatcher also logs it, so it is never silent.
    INSERT INTO events (workspace_id, type, conversation_id, data, created_at)
    VALUES (NEW.workspace_id, 'credits.low_balance', NEW.conversation_id,
            jsonb_build_object('balance', new_balance, 'threshold', threshold, 'ledgerEntryId', NEW.id),
            NEW.created_at);
  END IF;
  RETURN NULL;
END $$;
