import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import type { Clock } from "./clock.js";

/**
 * A person answered the customer from outside Parley (the Messenger Page inbox, say). The agent
 * must not talk over them, so the thread's open conversation passes to a person (`holder = user`)
 * and the agent stays silent there until the conversation ends. `reason` records why, for the
 * people reading the conversation later. Returns whether a conversation changed hands.
 */
export async function stepBackForPerson(
  database: Database,
  clock: Clock,
  input: { channelAccountId: string; threadKey: string; reason: string },
): Promise<boolean> {
  const now = clock.now().toISOString();
  const rows = await database.rows(sql`
    UPDATE conversations c
    SET holder = 'user', handoff_reason = ${input.reason}, last_activity_at = ${now}::timestamptz
    FROM channel_threads t
    WHERE t.id = c.thread_id AND t.channel_account_id = ${input.channelAccountId}
      AND t.thread_key = ${input.threadKey} AND c.status = 'open' AND c.holder = 'agent'
    RETURNING c.id`);
  return rows.length > 0;
}
