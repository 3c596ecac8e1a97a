import { Agent, request } from "node:http";

/** Below node's default server keepAliveTimeout (5 s), so the client is the one that lets go. */
const IDLE_CONNECTION_MS = 4000;

export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * A small JSON client over node:http with keep-alive connections. The load generator shares the
 * machine with the servers it measures, so it uses the cheapest client node has (fetch costs
 * several times more CPU per request) and reuses its connections, as browsers and webhooks do.
 * At most `maxSockets` requests are on the wire at once; more wait in the agent's queue.
 *
 * Node's servers close a connection after 5 s idle (`keepAliveTimeout`), so the client drops its
 * own idle ones after 4 s, before they can go stale. Should one still be closed under a request
 * (a server too busy to keep time), the request is sent again, once, on a new connection, as a
 * browser does: it never reached the application. Every such retry is counted in `retries`.
 */
export class JsonClient {
  readonly #agent: Agent;
  readonly #base: URL;
  retries = 0;

  constructor(baseUrl: string, maxSockets: number) {
    this.#base = new URL(baseUrl);
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets,
      maxFreeSockets: maxSockets,
      timeout: IDLE_CONNECTION_MS,
    });
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    return this.#send("POST", path, JSON.stringify(body), headers);
  }

  /** Posts `payload` as JSON, byte for byte as given (a signed webhook must not be re-serialised). */
  postRaw(path: string, payload: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
    return this.#send("POST", path, payload, headers);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
    return this.#send("GET", path, undefined, headers);
  }

  close(): void {
    this.#agent.destroy();
  }

  async #send(
    method: string,
    path: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ): Promise<JsonResponse> {
    try {
      return await this.#sendOnce(this.#agent, method, path, payload, headers);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      this.retries += 1;
      return this.#sendOnce(false, method, path, payload, headers);
    }
  }

  /** `agent: false` is a connection of its own, opened for this one request. */
  #sendOnce(
    agent: Agent | false,
    method: string,
    path: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ) {
    return new Promise<JsonResponse>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: this.#base.hostname,
          port: this.#base.port,
          method,
          path,
          headers: {
            ...headers,
            ...(payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const isJson = res.headers["content-type"]?.includes("json") ?? false;
            resolve({ status: res.statusCode ?? 0, body: isJson && text ? JSON.parse(text) : text });
          });
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
        reject(stale ? new StaleConnection(err.message) : err);
      });
      req.end(payload);
    });
  }
}

class StaleConnection extends Error {
  override name = "StaleConnection";
}
