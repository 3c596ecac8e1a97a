import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentReply, Answerer } from "../../src/core/agent/types.js";
import { type ChannelAccountRef, DeliveryError, type OutboundDelivery } from "../../src/core/channel.js";
import { DeliveryWorker } from "../../src/core/delivery-worker.js";
import * as schema from "../../src/db/schema.js";
import {
  CAPABILITIES,
  type CoreHarness,
  log,
  RecordingAdapter,
  startCoreHarness,
} from "../helpers/core-harness.js";
import { engines } from "../helpers/db.js";
import { waitFor } from "../helpers/wait.js";

class FixedAnswerer implements Answerer {
  readonly name = "fixed";
  async answer(): Promise<AgentReply> {
    return { action: "answer", text: "Yes, we ship to Norway.", citations: [] };
  }
}

/** A replica that does not drive the linked device: it hands every send on. */
class ElsewhereAdapter extends RecordingAdapter {
  bounces = 0;
  override async send(_account: ChannelAccountRef, _message: OutboundDelivery): Promise<never> {
    this.bounces += 1;
    throw new DeliveryError("linked_device_elsewhere", "driven by another gateway", false, 20, true);
  }
}

/**
 * With several replicas, only one drives a WhatsApp linked device. The others may claim its
 * outbox rows first; handing them on must not use up the message's attempts, or a busy cluster
 * would fail messages the driving replica could have sent.
 */
for (const engine of engines) {
  describe(`delivery handed on to the process that can send it (${engine})`, () => {
    let h: CoreHarness;

    beforeAll(async () => {
      h = await startCoreHarness(engine);
    });
    afterAll(async () => h?.drop());

    it("is not a failed attempt, so the driving replica still delivers it", async () => {
      const elsewhere = new ElsewhereAdapter("whatsapp", CAPABILITIES.whatsapp);
      const common = {
        database: h.database,
        log,
        pollMs: 20,
        leaseMs: 5_000,
        concurrency: 4,
        maxAttempts: 3,
      };
      const other = new DeliveryWorker({ ...common, adapters: new Map([["whatsapp", elsewhere]]) });
      const thread = h.newThread();
      // First only the replica that cannot send is delivering: it hands the reply on again and again.
      await other.start();
      await h.startWorkers(new FixedAnswerer(), 1, { delivery: false });
      await h.message("whatsapp", thread, "Do you ship to Norway?");
      await waitFor(() => elsewhere.bounces > 5, { message: "several hand-ons" });
      await other.stop(5_000);
      await h.stopWorkers();
      // Then the driving replica comes along: the reply is still there to send.
      await h.startWorkers(new FixedAnswerer());
      const whatsapp = h.adapters.get("whatsapp")!;
      await waitFor(() => whatsapp.sent.some((m) => m.threadKey === thread), { message: "the delivery" });
      const [reply] = (await h.outboundOf(thread)).filter((m) => m.author === "agent");
      expect(reply).toBeDefined();
      // The adapter records the send before the worker marks the row, so wait for the mark.
      const stateOfReply = async () => {
        const [row] = await h.db
          .select({ state: schema.messages.deliveryState })
          .from(schema.messages)
          .where(eq(schema.messages.text, "Yes, we ship to Norway."));
        return row?.state;
      };
      await waitFor(async () => (await stateOfReply()) !== "pending", { message: "the delivery mark" });
      expect(await stateOfReply()).toBe("delivered");
    });
  });
}
