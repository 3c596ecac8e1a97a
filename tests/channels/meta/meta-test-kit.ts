import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq } from "drizzle-orm";
import { signatureHeader } from "../../../src/channels/meta/signature.js";
import type { Database } from "../../../src/db/client.js";
import * as schema from "../../../src/db/schema.js";

/** What the Messenger and WhatsApp tests share: fixtures, signed deliveries, channel accounts, reads. */

export const APP_SECRET = "test_app_secret_0123456789abcdef";
export const VERIFY_TOKEN = "verify-token-for-tests";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures");

/** A fixture's exact bytes, as Meta would have sent them. */
export function fixture(kind: "messenger" | "whatsapp", name: string): string {
  return readFileSync(path.join(FIXTURES, kind, name), "utf8");
}

export function postWebhook(
  baseUrl: string,
  kind: "messenger" | "whatsapp",
  body: string,
  signature: string | undefined = signatureHeader(body, APP_SECRET),
): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/${kind}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature ? { "x-hub-signature-256": signature } : {}),
    },
    body,
  });
}

/** A channel account of the demo workspace, answered by the demo agent (Ava, with Swedish short answers). */
export async function createDemoAccount(
  database: Database,
  input: { kind: "messenger" | "whatsapp"; externalId: string; settings?: Record<string, unknown> },
): Promise<string> {
  const [agent] = await database.db
    .select()
    .from(schema.agents)
    .where(eq(schema.agents.name, "Ava"))
    .limit(1);
  if (!agent) throw new Error("the demo agent is missing: start the gateway with the demo content");
  const credentials =
    input.kind === "messenger"
      ? { pageAccessToken: "page-token", appSecret: APP_SECRET }
      : { accessToken: "wa-token", appSecret: APP_SECRET };
  const [account] = await database.db
    .insert(schema.channelAccounts)
    .values({
      workspaceId: agent.workspaceId,
      kind: input.kind,
      name: `${input.kind} ${input.externalId}`,
      externalId: input.externalId,
      credentials,
      settings: { verifyToken: VERIFY_TOKEN, ...input.settings },
      agentId: agent.id,
    })
    .returning();
  if (!account) throw new Error("channel account insert returned nothing");
  return account.id;
}

/** The messages of one thread (PSID or wa_id) of an account, in order. */
export async function threadMessages(database: Database, accountId: string, threadKey: string) {
  return database.db
    .select({
      direction: schema.messages.direction,
      text: schema.messages.text,
      state: schema.messages.deliveryState,
      error: schema.messages.deliveryError,
      channelMessageId: schema.messages.channelMessageId,
      attachments: schema.messages.attachments,
      conversationId: schema.messages.conversationId,
    })
    .from(schema.messages)
    .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.messages.threadId))
    .where(
      and(
        eq(schema.channelThreads.channelAccountId, accountId),
        eq(schema.channelThreads.threadKey, threadKey),
      ),
    )
    .orderBy(schema.messages.seq);
}

export async function conversationOf(database: Database, accountId: string, threadKey: string) {
  const [row] = await database.db
    .select({ conversation: schema.conversations })
    .from(schema.conversations)
    .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.conversations.threadId))
    .where(
      and(
        eq(schema.channelThreads.channelAccountId, accountId),
        eq(schema.channelThreads.threadKey, threadKey),
      ),
    )
    .orderBy(schema.conversations.createdAt)
    .limit(1);
  return row?.conversation;
}
