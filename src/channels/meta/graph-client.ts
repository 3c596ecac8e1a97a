import { DeliveryError } from "../../core/channel.js";
import { type OutboundResponse, outboundRequest } from "../../http/outbound-request.js";
import { graphDeliveryError } from "./graph-error.js";

/**
 * A small client for Meta's Graph API: a bearer token per call, JSON in and out, and every
 * failure turned into a DeliveryError that says whether retrying can help. The base URL carries
 * the API version (`https://graph.facebook.com/v21.0`) and is configurable so tests use a stub.
 */
export class GraphClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  post(path: string, accessToken: string, body: unknown): Promise<unknown> {
    return this.#call("POST", path, accessToken, body);
  }

  get(path: string, accessToken: string): Promise<unknown> {
    return this.#call("GET", path, accessToken, undefined);
  }

  async #call(method: string, path: string, accessToken: string, body: unknown): Promise<unknown> {
    let response: OutboundResponse;
    try {
      response = await outboundRequest(`${this.baseUrl}/${path.replace(/^\/+/, "")}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new DeliveryError("network", `Graph API unreachable: ${(err as Error).message}`, false);
    }
    const text = response.body.toString("utf8");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.status < 200 || response.status > 299) {
      const retryAfter = response.headers["retry-after"];
      throw graphDeliveryError(response.status, json, retryAfter === undefined ? null : String(retryAfter));
    }
    return json;
  }
}
