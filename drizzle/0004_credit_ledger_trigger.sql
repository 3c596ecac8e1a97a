-- A workspace's balance is never written directly: every change is a credit_ledger entry and this
-- trigger applies it, in the same transaction, so the balance is always the sum of its ledger
-- and each entry records the balance it left behind. It runs AFTER the insert, so an entry that
-- ON CONFLICT DO NOTHING skipped (a second charge for one conversation) changes nothing.
-- Crossing below the low-balance threshold queues one `credits.low_balance` event per crossing.
CREATE OR REPLACE FUNCTION parley_apply_ledger_entry() RETURNS trigger LANGUAGE plpgsql AS $$
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
--> statement-breakpoint
CREATE TRIGGER credit_ledger_apply AFTER INSERT ON credit_ledger
FOR EACH ROW EXECUTE FUNCTION parley_apply_ledger_entry();
--> statement-breakpoint
-- Workspaces from before credits existed keep answering: they open with the same grant a new
-- workspace gets by default.
INSERT INTO credit_ledger (workspace_id, kind, amount, reason, actor)
SELECT id, 'grant', 1000, 'opening balance', 'system' FROM workspaces;
