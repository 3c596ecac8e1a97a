import type { OpenAIStub } from "../tests/helpers/openai-stub.js";
import { type CpuTime, measuredWindowMeter } from "./cpu-time.js";
import { type GatewayErrors, type GatewayExtras, type GatewaySettings, withGateway } from "./gateway.js";
import { JsonClient } from "./http-client.js";
import { closedLoop, type LoadResult, type LoadShape, type SendRequest } from "./load.js";
import { openVisitors, postMessage } from "./visitors.js";

export interface AckResult extends LoadResult, GatewayErrors {
  /** CPU time each part used over the measured window (Linux only). */
  cpu: CpuTime | undefined;
}

/**
 * (a) How many visitor messages per second the gateway acknowledges (HTTP 200 to a Direct Line
 * POST: the message is stored and queued). The clients take turns over `conversations` visitors,
 * each with their own token, while the worker answers in the background, as it would in use.
 * `extras.env` runs another topology (PARLEY_ROLE=http: the HTTP process alone, answering elsewhere).
 */
export async function measureAcks(
  settings: GatewaySettings,
  stub: OpenAIStub,
  shape: LoadShape,
  conversations: number,
  extras: GatewayExtras = {},
): Promise<AckResult> {
  return ackLoop(settings, stub, shape, extras, async (client) => {
    const visitors = await openVisitors(client, conversations, shape.concurrency);
    return (n) => postMessage(client, visitors[n % visitors.length]!, `ack-${n}`);
  });
}

/**
 * The closed loop of (a), (d) and (e) against a fresh gateway: `sender` prepares the posts with
 * the loop's client, then the loop runs with the CPU each part used over its measured window
 * metered, and the gateway is stopped before the result is taken, so its errors are all in.
 */
export async function ackLoop(
  settings: GatewaySettings,
  stub: OpenAIStub,
  shape: LoadShape,
  extras: GatewayExtras,
  sender: (client: JsonClient) => Promise<SendRequest>,
): Promise<AckResult> {
  return withGateway(
    settings,
    stub,
    async (gateway) => {
      const client = new JsonClient(gateway.url, shape.concurrency);
      try {
        const send = await sender(client);
        const meter = measuredWindowMeter(gateway.pid, settings.engine === "postgres");
        const result = await closedLoop({ ...shape, send, onMeasuredWindow: meter.start });
        const cpu = meter.stop();
        await gateway.stop();
        return { ...result, retries: client.retries, gatewayErrors: gateway.errors(), cpu };
      } finally {
        client.close();
      }
    },
    extras,
  );
}
