import type { JsonClient } from "./http-client.js";
import { inBatches } from "./load.js";

/** The demo widget every gateway seeds with PARLEY_DEMO=true. */
const WIDGET_ID = "demo";
export const QUESTION = "Hello, what are your opening hours on Saturday?";

/** A website visitor with an open Direct Line conversation, as the live-chat widget would have. */
export interface Visitor {
  token: string;
  conversationId: string;
  userId: string;
}

/**
 * Opens `count` conversations the way a visitor's browser does (widget token, then "start
 * conversation"). This is setup, not measured; a failure here means the bench cannot run.
 */
export async function openVisitors(
  client: JsonClient,
  count: number,
  concurrency: number,
): Promise<Visitor[]> {
  return inBatches(count, concurrency, async () => {
    const issued = await client.post(`/livechat/${WIDGET_ID}/token`, {});
    if (issued.status !== 200) {
      throw new Error(
        `POST /livechat/${WIDGET_ID}/token: HTTP ${issued.status} ${JSON.stringify(issued.body)}`,
      );
    }
    const visitor = issued.body as Visitor;
    const started = await client.post(
      "/v3/directline/conversations",
      { user: { id: visitor.userId }, locale: "en-US" },
      authorization(visitor),
    );
    if (started.status !== 200 && started.status !== 201) {
      throw new Error(
        `POST /v3/directline/conversations: HTTP ${started.status} ${JSON.stringify(started.body)}`,
      );
    }
    return visitor;
  });
}

/**
 * The activity Web Chat posts when a visitor sends a message; `clientActivityId` makes it unique
 * (the gateway stores a re-posted one only once). The baseline is sent the very same body.
 */
export function messageActivity(visitor: Visitor, clientActivityId: string): Record<string, unknown> {
  return {
    type: "message",
    from: { id: visitor.userId, role: "user" },
    text: QUESTION,
    locale: "en-US",
    textFormat: "plain",
    channelData: { clientActivityID: clientActivityId },
  };
}

/** Posts one message; resolves to the HTTP status (200 = stored and queued for an answer). */
export async function postMessage(
  client: JsonClient,
  visitor: Visitor,
  clientActivityId: string,
): Promise<number> {
  const res = await client.post(
    `/v3/directline/conversations/${visitor.conversationId}/activities`,
    messageActivity(visitor, clientActivityId),
    authorization(visitor),
  );
  return res.status;
}

function authorization(visitor: Visitor): Record<string, string> {
  return { authorization: `Bearer ${visitor.token}` };
}
