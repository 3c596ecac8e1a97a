import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { channelThreads, messages } from "../../db/schema.js";
import type { ParsedMail } from "./parse-mail.js";

/**
 * The thread a mail belongs to, as a short list of strategies tried in order (the shape of
 * Chatwoot's conversation finder): the mail it answers (In-Reply-To), then any earlier mail of
 * the thread it names (References, newest first), each looked up among this mailbox's stored
 * messages, ours and the customer's; else it starts a thread of its own, keyed by its Message-ID.
 * An old thread is found the same way, so a late reply reopens its conversation.
 */
export async function threadKeyOf(
  database: Database,
  channelAccountId: string,
  mail: ParsedMail,
): Promise<string> {
  const strategies = [mail.inReplyTo, [...mail.references].reverse()];
  for (const ids of strategies) {
    const known = await threadKeysFor(database, channelAccountId, ids);
    const match = ids.map((id) => known.get(id)).find((key) => key !== undefined);
    if (match) return match;
  }
  return mail.messageId;
}

async function threadKeysFor(
  database: Database,
  channelAccountId: string,
  messageIds: string[],
): Promise<Map<string, string>> {
  if (messageIds.length === 0) return new Map();
  const rows = await database.db
    .select({ messageId: messages.channelMessageId, threadKey: channelThreads.threadKey })
    .from(messages)
    .innerJoin(channelThreads, eq(channelThreads.id, messages.threadId))
    .where(
      and(eq(messages.channelAccountId, channelAccountId), inArray(messages.channelMessageId, messageIds)),
    );
  return new Map(rows.flatMap((r) => (r.messageId ? [[r.messageId, r.threadKey] as const] : [])));
}
