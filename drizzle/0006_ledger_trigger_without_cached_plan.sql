-- The ledger trigger of 0004, with its one self-update planned per call (see the comment inside).
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
  -- Planned afresh each time: a cached plan made while the ledger was small stays a full scan
  -- as it grows (until the table is next analysed), and every charge would read the whole ledger.
  EXECUTE 'UPDATE credit_ledger SET balance_after = $1 WHERE id = $2' USING new_balance, NEW.id;
  IF threshold IS NOT NULL AND new_balance < threshold AND new_balance - NEW.amount >= threshold THEN
    -- Always 'pending', webhook or not: the dispatcher also logs it, so it is never silent.
    INSERT INTO events (workspace_id, type, conversation_id, data, created_at)
    VALUES (NEW.workspace_id, 'credits.low_balance', NEW.conversation_id,
            jsonb_build_object('balance', new_balance, 'threshold', threshold, 'ledgerEntryId', NEW.id),
            NEW.created_at);
  END IF;
  RETURN NULL;
END $$;
