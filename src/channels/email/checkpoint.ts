import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { emailCheckpoints } from "../../db/schema.js";

export interface Checkpoint {
  uidValidity: number;
  lastUid: number;
  updatedAt: Date;
}

export async function loadCheckpoint(
  database: Database,
  channelAccountId: string,
  mailbox: string,
): Promise<Checkpoint | undefined> {
  const [row] = await database.db
    .select({
      uidValidity: emailCheckpoints.uidValidity,
      lastUid: emailCheckpoints.lastUid,
      updatedAt: emailCheckpoints.updatedAt,
    })
    .from(emailCheckpoints)
    .where(
      and(eq(emailCheckpoints.channelAccountId, channelAccountId), eq(emailCheckpoints.mailbox, mailbox)),
    )
    .limit(1);
  return row;
}

/**
 * Records that every mail up to `lastUid` is handled. Two replicas reading the same mailbox may
 * race here, so the UID only moves forward within one UIDVALIDITY.
 */
export async function saveCheckpoint(
  database: Database,
  input: { channelAccountId: string; mailbox: string; uidValidity: number; lastUid: number },
): Promise<void> {
  await database.db
    .insert(emailCheckpoints)
    .values(input)
    .onConflictDoUpdate({
      target: [emailCheckpoints.channelAccountId, emailCheckpoints.mailbox],
      set: {
        lastUid: sql`CASE WHEN ${emailCheckpoints.uidValidity} = excluded.uid_validity
                     THEN GREATEST(${emailCheckpoints.lastUid}, excluded.last_uid) ELSE excluded.last_uid END`,
        uidValidity: sql`excluded.uid_validity`,
        updatedAt: sql`now()`,
      },
    });
}
