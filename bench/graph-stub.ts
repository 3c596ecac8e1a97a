import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the gateway asked of Graph during one measurement; shown under the table when it failed. */
export interface GraphCounts {
  /** Messenger and WhatsApp message sends (the agent's answers). */
  sends: number;
  /** Messenger sender actions (typing_on, mark_seen) and WhatsApp read receipts. */
  actions: number;
  /** Requests the stub did not understand (answered 400). */
  unknown: number;
}

export interface BenchGraph {
  /** The value for the gateway's GRAPH_API_URL. */
  url: string;
  counts: GraphCounts;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A tiny stand-in for Meta's Graph API, in the bench process on 127.0.0.1, so the gateway's worker
 * answers Messenger and WhatsApp customers through the real adapters: `POST /me/messages` (the Send
 * API and sender actions) and `POST /<phone-number-id>/messages` (sends and read receipts), each
 * answered with 200 and the body Graph returns. Nothing is recorded but counts, so a long run
 * costs no memory (tests/helpers/graph-stub.ts keeps every request, for assertions).
 */
export async function startGraphStub(): Promise<BenchGraph> {
  const counts: GraphCounts = { sends: 0, actions: 0, unknown: 0 };
  let nextId = 0;
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const path = new URL(req.url ?? "/", "http://graph").pathname;
      if (req.method !== "POST" || !path.endsWith("/messages") || !body) {
        counts.unknown += 1;
        reply(res, 400, {
          error: { message: "not part of the bench's Graph stub", type: "OAuthException", code: 100 },
        });
        return;
      }
      const recipient = (body.recipient as { id?: string } | undefined)?.id ?? String(body.to ?? "");
      if (path.endsWith("/me/messages")) {
        if (typeof body.sender_action === "string") {
          counts.actions += 1;
          reply(res, 200, { recipient_id: recipient });
        } else {
          counts.sends += 1;
          reply(res, 200, { recipient_id: recipient, message_id: `m_bench_${++nextId}` });
        }
      } else if (body.status === "read") {
        counts.actions += 1;
        reply(res, 200, { success: true });
      } else {
        counts.sends += 1;
        reply(res, 200, {
          messaging_product: "whatsapp",
          contacts: [{ input: recipient, wa_id: recipient }],
          messages: [{ id: `wamid.bench_${++nextId}` }],
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v21.0`,
    counts,
    reset() {
      counts.sends = 0;
      counts.actions = 0;
      counts.unknown = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
