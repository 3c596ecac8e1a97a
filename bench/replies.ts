import { sql } from "drizzle-orm";
import type { ThrowawayDatabase } from "./database.js";
import { JsonClient } from "./http-client.js";

/** How often `waitForReplies` asks (see there). */
const POLL_MS = 1000;

/**
 * Waits until the gateway has committed `count` agent replies, by polling its Prometheus
 * counter on its own connection, the same on both engines (the bench cannot open a PGlite
 * directory while the gateway holds it). A scrape is not free: each answering process reports
 * its metrics to the HTTP process, which merges and renders them, about 7 ms of CPU in all
 * (5 in the HTTP process, 2 in the answering one, measured on a gateway with one answering
 * process). Every 200 ms, that was about 0.2 ms of each answered message's CPU in (c), on the
 * cores the gateway measured. So it polls once a second: the figures come from the database's
 * timestamps, and the poll only decides when the gateway is stopped (at most a second late).
 * Resolves to the count reached, which is short of `count` only if `timeoutMs` ran out first.
 */
export async function waitForReplies(gatewayUrl: string, count: number, timeoutMs: number): Promise<number> {
  const client = new JsonClient(gatewayUrl, 1);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const res = await client.get("/metrics");
      const committed = repliesIn(String(res.body));
      if (committed >= count || Date.now() > deadline) return committed;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    client.close();
  }
}

/** The sum of `parley_agent_replies_total` over its labels (apologies for a failed LLM call included). */
function repliesIn(exposition: string): number {
  let total = 0;
  for (const line of exposition.split("\n")) {
    if (!line.startsWith("parley_agent_replies_total{")) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/** One visitor message: when the gateway stored it, and when it committed the agent's answer. */
export interface ReplyTiming {
  receivedAt: number;
  /** Epoch ms; undefined when no reply carries the LLM's answer (none, or an apology for a failure). */
  repliedAt: number | undefined;
  /** The start of a reply that is not the LLM's answer (an apology for a failed call, say). */
  otherReply: string | undefined;
}

/**
 * Every inbound message with its reply, timed by the database (`messages.created_at`: the start
 * of the statement that stored the message, and of the transaction that committed the reply).
 * Read after the gateway has stopped.
 */
export async function readReplyTimings(
  database: ThrowawayDatabase,
  answerText: string,
): Promise<ReplyTiming[]> {
  const db = await database.open();
  try {
    const rows = await db.rows<{
      received_ms: number | string;
      replied_ms: number | string | null;
      reply: string | null;
    }>(sql`
      SELECT extract(epoch FROM i.created_at)::float8 * 1000 AS received_ms,
             extract(epoch FROM o.created_at)::float8 * 1000 AS replied_ms, left(o.text, 80) AS reply
      FROM messages i
      LEFT JOIN messages o ON o.in_reply_to_id = i.id
      WHERE i.direction = 'in'`);
    return rows.map((r) => {
      const isAnswer = r.reply === answerText;
      return {
        receivedAt: Number(r.received_ms),
        repliedAt: isAnswer && r.replied_ms !== null ? Number(r.replied_ms) : undefined,
        otherReply: r.reply !== null && !isAnswer ? r.reply : undefined,
      };
    });
  } finally {
    await db.close();
  }
}
