import { sql } from "drizzle-orm";
import { OUTBOX_CHANNEL } from "../../../core/delivery-worker.js";
import type { Database } from "../../../db/client.js";

/**
 * Makes the replies that failed while the device was away due now and wakes the delivery
 * workers, so a reconnected device sends them at once instead of after their backoff.
 */
export async function releaseWaitingDeliveries(database: Database, accountId: string): Promise<void> {
  await database.rows(sql`
    WITH released AS (
      UPDATE outbox SET available_at = now()
      WHERE lease_owner IS NULL AND available_at > now()
        AND thread_id IN (SELECT id FROM channel_threads WHERE channel_account_id = ${accountId})
      RETURNING message_id
    )
    SELECT pg_notify(${OUTBOX_CHANNEL}, '') FROM (SELECT 1 FROM released LIMIT 1) AS any_released`);
}
