import { and, count, eq, gt, ne } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { messages } from "../../db/schema.js";

const HOUR_MS = 3_600_000;

/**
 * Whether `sender` has already had `limit` mails accepted for an answer in the last hour. The
 * loop guard's headers catch well-behaved robots; this catches the ones that set none.
 */
export async function senderOverLimit(
  database: Database,
  input: { channelAccountId: string; sender: string; limit: number; now: Date },
): Promise<boolean> {
  const [row] = await database.db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.channelAccountId, input.channelAccountId),
        eq(messages.direction, "in"),
        eq(messages.authorId, input.sender),
        ne(messages.deliveryState, "skipped"),
        gt(messages.createdAt, new Date(input.now.getTime() - HOUR_MS)),
      ),
    );
  return (row?.n ?? 0) >= input.limit;
}
