import { eq } from "drizzle-orm";
import { signatureHeader } from "../src/channels/meta/signature.js";
import type { Database } from "../src/db/client.js";
import * as schema from "../src/db/schema.js";
import type { OpenAIStub } from "../tests/helpers/openai-stub.js";
import { type AckResult, ackLoop } from "./acks.js";
import type { GatewaySettings } from "./gateway.js";
import type { BenchGraph, GraphCounts } from "./graph-stub.js";
import type { LoadShape } from "./load.js";
import { QUESTION } from "./visitors.js";

export type MetaKind = "messenger" | "whatsapp";

const APP_SECRET = "bench_app_secret_0123456789abcdef";
/** The page id / phone_number_id of the one channel account each run creates. */
const ACCOUNT_ID: Record<MetaKind, string> = { messenger: "1895382890692545", whatsapp: "1122334455667" };

export interface WebhookResult extends AckResult {
  graph: GraphCounts;
}

/**
 * (d) and (e): how many Meta webhook deliveries per second the gateway acknowledges (HTTP 200
 * "EVENT_RECEIVED": signature checked over the raw body, message stored and queued). One channel
 * account of `kind` is written into the gateway's database, assigned to the demo agent, so the
 * worker answers every message in the background through `graph` as it would in use. Every post
 * is a distinct, correctly signed delivery (a unique mid / wamid) from one of `senders` customers,
 * shaped like tests/fixtures/messenger/message_text.json and .../whatsapp/pywa_message__text.json.
 * `env` runs another topology (PARLEY_ROLE=http: the HTTP process alone, nothing answers).
 */
export async function measureWebhookAcks(
  kind: MetaKind,
  settings: GatewaySettings,
  stub: OpenAIStub,
  graph: BenchGraph,
  shape: LoadShape,
  senders: number,
  env: Record<string, string> = {},
): Promise<WebhookResult> {
  graph.reset();
  const result = await ackLoop(
    settings,
    stub,
    shape,
    { env: { GRAPH_API_URL: graph.url, ...env }, prepare: (database) => createAccount(database, kind) },
    async (client) => async (n) => {
      const body = JSON.stringify(delivery(kind, n, `${1_000_000_000 + (n % senders)}`));
      const res = await client.postRaw(`/webhooks/${kind}`, body, {
        "x-hub-signature-256": signatureHeader(body, APP_SECRET),
      });
      return res.status;
    },
  );
  return { ...result, graph: { ...graph.counts } };
}

/** One customer message as Meta delivers it; `n` makes its message id unique. */
function delivery(kind: MetaKind, n: number, sender: string): unknown {
  const now = Date.now();
  if (kind === "messenger") {
    const pageId = ACCOUNT_ID.messenger;
    return {
      object: "page",
      entry: [
        {
          id: pageId,
          time: now,
          messaging: [
            {
              sender: { id: sender },
              recipient: { id: pageId },
              timestamp: now,
              message: { mid: `m_bench_in_${n}`, text: QUESTION },
            },
          ],
        },
      ],
    };
  }
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1234567890987654321",
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001234", phone_number_id: ACCOUNT_ID.whatsapp },
              contacts: [{ profile: { name: `Customer ${sender}` }, wa_id: sender }],
              messages: [
                {
                  from: sender,
                  id: `wamid.bench_in_${n}`,
                  timestamp: String(Math.floor(now / 1000)),
                  text: { body: QUESTION },
                  type: "text",
                },
              ],
            },
            field: "messages",
          },
        ],
      },
    ],
  };
}

/** The channel account, as tests/channels/meta/meta-test-kit.ts creates it: the demo agent answers. */
async function createAccount(database: Database, kind: MetaKind): Promise<void> {
  const [agent] = await database.db
    .select()
    .from(schema.agents)
    .where(eq(schema.agents.name, "Ava"))
    .limit(1);
  if (!agent) throw new Error("the demo agent is missing: the gateway did not seed its demo content");
  await database.db.insert(schema.channelAccounts).values({
    workspaceId: agent.workspaceId,
    kind,
    name: `bench ${kind}`,
    externalId: ACCOUNT_ID[kind],
    credentials:
      kind === "messenger"
        ? { pageAccessToken: "bench-page-token", appSecret: APP_SECRET }
        : { accessToken: "bench-wa-token", appSecret: APP_SECRET },
    settings: { verifyToken: "bench-verify-token" },
    agentId: agent.id,
  });
}
