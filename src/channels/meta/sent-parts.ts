import { sql } from "drizzle-orm";
import type { OutboundDelivery } from "../../core/channel.js";
import type { Database } from "../../db/client.js";

/**
 * A long reply goes out as several platform messages. If part 2 fails after part 1 went out,
 * the retry must start at part 2: the customer must not read part 1 twice. Each part that the
 * platform accepted is recorded on the message (`channelData.sentParts`, and the platform's id
 * of the last one) before the next is sent, so a retry — in this process or another after a
 * crash — resumes where the last attempt stopped.
 */
export interface SentParts {
  count: number;
  lastId: string | undefined;
}

export function sentPartsOf(message: OutboundDelivery): SentParts {
  const count = message.channelData.sentParts;
  const lastId = message.channelData.lastPartId;
  return {
    count: typeof count === "number" && Number.isInteger(count) && count > 0 ? count : 0,
    lastId: typeof lastId === "string" ? lastId : undefined,
  };
}

export async function recordSentPart(
  database: Database,
  messageId: string,
  count: number,
  platformId: string | undefined,
): Promise<void> {
  await database.rows(sql`
    UPDATE messages
    SET channel_data = channel_data || jsonb_build_object('sentParts', ${count}::int, 'lastPartId', ${platformId ?? null}::text)
    WHERE id = ${messageId}`);
}

/** Sends `parts` in order from where an earlier attempt stopped; returns the last part's platform id. */
export async function sendParts<Part>(
  database: Database,
  message: OutboundDelivery,
  parts: readonly Part[],
  send: (part: Part) => Promise<string | undefined>,
): Promise<string | undefined> {
  const done = sentPartsOf(message);
  let lastId = done.lastId;
  for (let i = done.count; i < parts.length; i++) {
    lastId = await send(parts[i] as Part);
    // A single-part message needs no record: its success is recorded with the delivery itself.
    if (parts.length > 1) await recordSentPart(database, message.messageId, i + 1, lastId);
  }
  return lastId;
}
