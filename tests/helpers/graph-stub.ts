import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for Meta's Graph API, speaking its wire format: the Messenger Send API
 * (`POST /me/messages`), WhatsApp's `POST /<phone-number-id>/messages` and media metadata
 * (`GET /<media-id>`). Every request is recorded; replies to message sends can be scripted
 * (a queue, e.g. a 500 then the default, or one of the real error envelopes from the fixtures).
 */

export interface GraphRequest {
  method: string;
  /** The path after the version segment, e.g. `/me/messages`. */
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface GraphReply {
  status: number;
  body: unknown;
  /** Holds the reply until this settles, so a test can act while the gateway waits on Graph. */
  heldUntil?: Promise<void> | undefined;
}

export const GRAPH_VERSION = "v21.0";

export class GraphStub {
  readonly requests: GraphRequest[] = [];
  readonly #scripted: GraphReply[] = [];
  readonly #server: Server;
  #sent = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      void readBody(req).then(async (raw) => {
        const reply = this.#reply(req, raw);
        await reply.heldUntil;
        res.writeHead(reply.status, { "content-type": "application/json" });
        res.end(JSON.stringify(reply.body));
      });
    });
  }

  static async start(): Promise<GraphStub> {
    const stub = new GraphStub();
    await new Promise<void>((resolve) => stub.#server.listen(0, "127.0.0.1", resolve));
    return stub;
  }

  /** The value for GRAPH_API_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/${GRAPH_VERSION}`;
  }

  /** Replies for the next message sends, in order; sender actions and read receipts are not affected. */
  script(...replies: GraphReply[]): void {
    this.#scripted.push(...replies);
  }

  /** Message sends (text or template) addressed to `recipient` (a PSID or a wa_id). */
  sendsTo(recipient: string): GraphRequest[] {
    return this.requests.filter((r) => isMessageSend(r.body) && recipientOf(r.body) === recipient);
  }

  /** Sender actions (Messenger typing_on, mark_seen) and WhatsApp read receipts for `recipientOrWamid`. */
  actionsFor(recipientOrWamid: string): string[] {
    return this.requests.flatMap((r) => {
      if (typeof r.body.sender_action === "string" && recipientOf(r.body) === recipientOrWamid) {
        return [r.body.sender_action];
      }
      return r.body.status === "read" && r.body.message_id === recipientOrWamid ? ["read"] : [];
    });
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #reply(req: IncomingMessage, raw: string): GraphReply {
    const path = (req.url ?? "/").split("?")[0]?.replace(`/${GRAPH_VERSION}`, "") ?? "/";
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    this.requests.push({ method: req.method ?? "GET", path, authorization: req.headers.authorization, body });
    if (req.method === "GET") return this.#mediaMetadata(path.slice(1));
    if (isMessageSend(body)) {
      const scripted = this.#scripted.shift();
      if (scripted) return scripted;
      this.#sent += 1;
      return path === "/me/messages"
        ? { status: 200, body: { recipient_id: recipientOf(body), message_id: `m_stub_${this.#sent}` } }
        : {
            status: 200,
            body: {
              messaging_product: "whatsapp",
              contacts: [{ input: recipientOf(body), wa_id: recipientOf(body) }],
              messages: [{ id: `wamid.stub.${this.#sent}` }],
            },
          };
    }
    return path === "/me/messages"
      ? { status: 200, body: { recipient_id: recipientOf(body) } }
      : { status: 200, body: { success: true } };
  }

  #mediaMetadata(mediaId: string): GraphReply {
    return {
      status: 200,
      body: {
        messaging_product: "whatsapp",
        url: `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${mediaId}`,
        mime_type: "image/jpeg",
        sha256: "4654+8g=",
        file_size: 30_303,
        id: mediaId,
      },
    };
  }
}

function isMessageSend(body: Record<string, unknown>): boolean {
  return body.message !== undefined || body.type !== undefined;
}

function recipientOf(body: Record<string, unknown>): string | undefined {
  const recipient = body.recipient as { id?: string } | undefined;
  return recipient?.id ?? (typeof body.to === "string" ? body.to : undefined);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
