import type { Database } from "../db/client.js";
import type { SenderHints } from "../db/schema.js";
import { timestampOf } from "../db/timestamps.js";
import type { InboundMessage } from "./channel.js";
import { GroupCommit } from "./group-commit.js";
import { IngestLoad } from "./ingest-load.js";

export interface Received {
  messageId: string;
  threadId: string;
  seq: number;
  createdAt: Date;
  /** True when this channel message id was stored before: nothing new happened. */
  duplicate: boolean;
}

/** The NOTIFY channel that wakes thread workers in every gateway process. */
export const WORK_CHANNEL = "parley_work";
/** The NOTIFY channel that tells live-chat sockets a thread has new activity. */
export const THREAD_CHANNEL = "parley_thread";

/**
 * Stores a batch of inbound messages and queues their threads for the workers, in ONE statement,
 * so the acknowledgement a channel gets means its message is durable and will be answered, and a
 * redelivery (same channel message id) changes nothing. The inputs come as parallel arrays,
 * `n` being each message's place in the batch (its arrival order).
 *
 * Threads are upserted first, in (account, thread key) order: their row locks order concurrent
 * writers, and every batch takes them in the same order, so two batches never wait on each other
 * in a circle. Each thread hands out one `seq` per message it got in this batch, in arrival order;
 * `seq` is the thread's commit order. The work rows' `version` is bumped so that a worker that is
 * just finishing a thread sees that something new arrived and keeps going.
 */
const STORE_INBOUND = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[])
      WITH ORDINALITY AS i(workspace_id, channel_account_id, thread_key, contact_external_id, text, attachments,
                           channel_message_id, channel_data, sender_hints, n)
  ), arrivals AS (
    SELECT workspace_id, channel_account_id, thread_key, min(contact_external_id) AS contact_external_id,
           count(*)::int AS arrived
    FROM input GROUP BY workspace_id, channel_account_id, thread_key
  ), thread AS (
    INSERT INTO channel_threads (workspace_id, channel_account_id, thread_key, contact_external_id, last_seq)
    SELECT workspace_id, channel_account_id, thread_key, contact_external_id, arrived
    FROM arrivals ORDER BY channel_account_id, thread_key
    ON CONFLICT (channel_account_id, thread_key) DO UPDATE SET last_seq = channel_threads.last_seq + EXCLUDED.last_seq
    RETURNING id, channel_account_id, thread_key, last_seq
  ), numbered AS (
    SELECT input.*, thread.id AS thread_id,
           thread.last_seq - arrivals.arrived
             + row_number() OVER (PARTITION BY thread.id ORDER BY input.n) AS seq
    FROM input
    JOIN thread USING (channel_account_id, thread_key)
    JOIN arrivals USING (channel_account_id, thread_key)
  ), stored AS (
    INSERT INTO messages (workspace_id, channel_account_id, thread_id, seq, direction, author_kind, author_id,
                          text, attachments, channel_message_id, delivery_state, channel_data, sender_hints)
    SELECT workspace_id, channel_account_id, thread_id, seq, 'in', 'contact', contact_external_id, text,
           attachments::jsonb, channel_message_id, 'received', channel_data::jsonb, sender_hints::jsonb
    FROM numbered ORDER BY n
    ON CONFLICT (channel_account_id, channel_message_id) DO NOTHING
    RETURNING id, thread_id, seq, created_at, channel_account_id, channel_message_id
  ), queued AS (
    INSERT INTO thread_work (thread_id) SELECT DISTINCT thread_id FROM stored ORDER BY thread_id
    ON CONFLICT (thread_id) DO UPDATE
      SET version = thread_work.version + 1, available_at = LEAST(thread_work.available_at, now())
  )
  SELECT id, thread_id, seq, created_at, channel_account_id, channel_message_id FROM stored`;

/** The stored messages a batch's redeliveries point at (they were committed before it, or with it). */
const FIND_STORED = `
  SELECT m.id, m.thread_id, m.seq, m.created_at, m.channel_account_id, m.channel_message_id
  FROM unnest($1::uuid[], $2::text[]) AS wanted(channel_account_id, channel_message_id)
  JOIN messages m USING (channel_account_id, channel_message_id)`;

interface StoredRow {
  id: string;
  thread_id: string;
  seq: string | number;
  created_at: Date | string;
  channel_account_id: string;
  channel_message_id: string;
}

/** The most messages in one statement: a burst bigger than this is split over several. */
const MAX_BATCH = 64;

/** One group commit per database (its ingest connections are the slots). */
const batches = new WeakMap<Database, GroupCommit<InboundMessage, Received>>();
/** How hard this process's channels push messages into a database (see IngestLoad). */
const loads = new WeakMap<Database, IngestLoad>();

/** The inbound load this process puts on `database`, which its answering gives way to. */
export function ingestLoad(database: Database): IngestLoad {
  let load = loads.get(database);
  if (!load) {
    load = new IngestLoad();
    loads.set(database, load);
  }
  return load;
}

export async function receiveInbound(database: Database, msg: InboundMessage): Promise<Received> {
  let batch = batches.get(database);
  if (!batch) {
    batch = new GroupCommit((items) => storeBatch(database, items), database.ingestConnections, MAX_BATCH);
    batches.set(database, batch);
  }
  const group = batch;
  return ingestLoad(database).storing(() => group.submit(msg));
}

const keyOf = (accountId: string, channelMessageId: string) => `${accountId}\u0000${channelMessageId}`;

/**
 * Stores a batch; a message whose channel id is already stored (or comes twice in the batch:
 * concurrent redeliveries) is a duplicate, and gets the stored message back.
 */
async function storeBatch(database: Database, batch: InboundMessage[]): Promise<Received[]> {
  // Each channel message once, by the place of its first copy in the batch.
  const firstCopy = new Map<string, number>();
  for (const [i, msg] of batch.entries()) {
    const key = keyOf(msg.channelAccountId, msg.channelMessageId);
    if (!firstCopy.has(key)) firstCopy.set(key, i);
  }
  const unique = [...firstCopy.values()].map((i) => batch[i] as InboundMessage);
  const stored = await database.query<StoredRow>(
    STORE_INBOUND,
    [
      unique.map((m) => m.workspaceId),
      unique.map((m) => m.channelAccountId),
      unique.map((m) => m.threadKey),
      unique.map((m) => m.contact.externalId),
      unique.map((m) => m.text),
      unique.map((m) => JSON.stringify(m.attachments ?? [])),
      unique.map((m) => m.channelMessageId),
      unique.map((m) => JSON.stringify(m.channelData ?? {})),
      unique.map((m) => JSON.stringify(senderHints(m))),
    ],
    { lane: "ingest" },
  );
  const inserted = new Map(stored.map((row) => [keyOf(row.channel_account_id, row.channel_message_id), row]));
  for (const threadId of new Set(stored.map((row) => row.thread_id))) {
    await database.notify(WORK_CHANNEL, threadId);
    await database.notify(THREAD_CHANNEL, threadId);
  }

  const missing = unique.filter((m) => !inserted.has(keyOf(m.channelAccountId, m.channelMessageId)));
  const earlier = new Map<string, StoredRow>();
  if (missing.length > 0) {
    const found = await database.query<StoredRow>(
      FIND_STORED,
      [missing.map((m) => m.channelAccountId), missing.map((m) => m.channelMessageId)],
      { lane: "ingest" },
    );
    for (const row of found) earlier.set(keyOf(row.channel_account_id, row.channel_message_id), row);
  }

  return batch.map((msg, i) => {
    const key = keyOf(msg.channelAccountId, msg.channelMessageId);
    const fresh = inserted.get(key);
    const row = fresh ?? earlier.get(key);
    if (!row)
      throw new Error("message neither inserted nor found: concurrent delete of its channel account?");
    return {
      messageId: row.id,
      threadId: row.thread_id,
      seq: Number(row.seq),
      createdAt: timestampOf(row.created_at),
      // A second copy in the same batch is a redelivery of the first.
      duplicate: !fresh || firstCopy.get(key) !== i,
    };
  });
}

function senderHints(msg: InboundMessage): SenderHints {
  return {
    name: msg.contact.name,
    email: msg.contact.email,
    locale: msg.contact.locale,
    messageLocale: msg.locale,
  };
}
