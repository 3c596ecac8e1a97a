import { and, eq, sql } from "drizzle-orm";
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
    it("is never claimed by a process that drives no device, and only by the driver while it is fresh", async () => {
      // The previous test leaves its workers (and their delivery) running.
      await h.stopWorkers();
      const whatsappAccount = h.accounts.whatsapp;
      await h.db
        .update(schema.channelAccounts)
        .set({ settings: sql`${schema.channelAccounts.settings} || '{"transport":"linked_device"}'::jsonb` })
        .where(eq(schema.channelAccounts.id, whatsappAccount));
      try {
        const common = {
          database: h.database,
          log,
          pollMs: 20,
          leaseMs: 5_000,
          concurrency: 4,
          maxAttempts: 3,
        };
        const onDevice = h.newThread();
        const onMessenger = h.newThread();
        await h.startWorkers(new FixedAnswerer(), 1, { delivery: false });
        await h.message("whatsapp", onDevice, "Do you ship to Norway?");
        await h.message("messenger", onMessenger, "Do you ship to Norway?");
        await h.waitForOutbound(onDevice, 1);
        await h.waitForOutbound(onMessenger, 1);
        await h.stopWorkers();
        const replyOf = async (threadKey: string) => {
          const [row] = await h.db
            .select({ id: schema.messages.id, state: schema.messages.deliveryState })
            .from(schema.messages)
            .innerJoin(schema.channelThreads, eq(schema.channelThreads.id, schema.messages.threadId))
            .where(
              and(eq(schema.channelThreads.threadKey, threadKey), eq(schema.messages.authorKind, "agent")),
            );
          return row!;
        };
        const attemptsOf = async (threadKey: string) => {
          const [row] = await h.db
            .select({ attempts: schema.outbox.attempts })
            .from(schema.outbox)
            .where(eq(schema.outbox.messageId, (await replyOf(threadKey)).id));
          return row?.attempts;
        };

        // An answering process (no device): sends the Messenger reply, never touches the device's.
        const elsewhere = new ElsewhereAdapter("whatsapp", CAPABILITIES.whatsapp);
        const messenger = new RecordingAdapter("messenger", CAPABILITIES.messenger);
        const answering = new DeliveryWorker({
          ...common,
          sends: "all-but-linked-devices",
          adapters: new Map<string, RecordingAdapter>([
            ["whatsapp", elsewhere],
            ["messenger", messenger],
          ]),
        });
        await answering.start();
        await waitFor(async () => (await replyOf(onMessenger)).state === "delivered", {
          message: "the Messenger reply",
        });
        await answering.stop(5_000);
        expect(elsewhere.bounces).toBe(0);
        expect(await attemptsOf(onDevice)).toBe(0);

        // The process that drives the device sends its reply.
        const device = new RecordingAdapter("whatsapp", CAPABILITIES.whatsapp);
        const driver = new DeliveryWorker({
          ...common,
          sends: "linked-devices",
          adapters: new Map([["whatsapp", device]]),
        });
        await driver.start();
        await waitFor(async () => (await replyOf(onDevice)).state === "delivered", {
          message: "the device's reply",
        });
        await driver.stop(5_000);
        expect(device.sent.map((m) => m.threadKey)).toEqual([onDevice]);

        // A device reply nobody took for longer than the patience is claimed by anyone, and ends
        // as failed with the reason, rather than waiting forever for a device no process drives.
        const forgotten = h.newThread();
        await h.startWorkers(new FixedAnswerer(), 1, { delivery: false });
        await h.message("whatsapp", forgotten, "Do you ship to Norway?");
        await h.waitForOutbound(forgotten, 1);
        await h.stopWorkers();
        await h.db
          .update(schema.messages)
          .set({ createdAt: sql`now() - interval '11 minutes'` })
          .where(eq(schema.messages.id, (await replyOf(forgotten)).id));
        const fallback = new DeliveryWorker({
          ...common,
          sends: "all-but-linked-devices",
          adapters: new Map([["whatsapp", elsewhere]]),
        });
        await fallback.start();
        await waitFor(async () => (await replyOf(forgotten)).state === "failed", {
          message: "the forgotten reply to fail",
        });
        await fallback.stop(5_000);
        const [failed] = await h.db
          .select({ error: schema.messages.deliveryError })
          .from(schema.messages)
          .where(eq(schema.messages.id, (await replyOf(forgotten)).id));
        expect(failed?.error).toMatch(/^linked_device_elsewhere: /);
        expect(elsewhere.bounces).toBe(common.maxAttempts);
      } finally {
        await h.db
          .update(schema.channelAccounts)
          .set({ settings: sql`${schema.channelAccounts.settings} - 'transport'` })
          .where(eq(schema.channelAccounts.id, whatsappAccount));
      }
    });
  });
}
