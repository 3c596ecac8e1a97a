import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import {
  type ChannelAccountRef,
  DeliveryError,
  type OutboundDelivery,
  type SendResult,
} from "../../../core/channel.js";
import { receiveInbound } from "../../../core/receive.js";
import type { Database } from "../../../db/client.js";
import { channelAccounts } from "../../../db/schema.js";
import type { ClientLike, LinkedClientFactory, LinkedMessage } from "./client.js";
import { LinkedDevice } from "./device.js";
import { linkedInbound } from "./inbound.js";
import { releaseWaitingDeliveries } from "./release-deliveries.js";
import { NOT_READY, sendThroughClient } from "./send.js";
import { type LinkedDeviceBoard, linkedDeviceBoard } from "./status-board.js";
import { whatsappWebClient } from "./whatsapp-web-client.js";

export interface LinkedDeviceOptions {
  /** Whether this process drives linked devices (WHATSAPP_WEB_ENABLED); only one process may. */
  enabled: boolean;
  dataDir: string;
  chromiumPath: string;
  /** Makes the clients; the real one imports whatsapp-web.js. Tests pass a stand-in. */
  clientFactory?: LinkedClientFactory | undefined;
  /** How often accounts are looked up, to start the devices of new ones and stop removed ones. */
  refreshMs?: number | undefined;
  board?: LinkedDeviceBoard | undefined;
}

export interface LinkedDeviceDeps {
  database: Database;
  log: Logger;
}

/** Sent instead of attempting a linked-device reply in a process that does not drive devices. */
export const DRIVEN_ELSEWHERE = "linked_device_elsewhere";

/**
 * Runs one WhatsApp Web client per WhatsApp account whose transport is `linked_device`: stores
 * what customers write through the core, and sends the replies the delivery worker hands over.
 * Accounts are looked up at start and then every `refreshMs`, so accounts created, switched or
 * deleted through the admin API are picked up without a restart.
 */
export class LinkedDeviceManager {
  readonly #devices = new Map<string, LinkedDevice>();
  readonly #accounts = new Map<string, ChannelAccountRef>();
  readonly #board: LinkedDeviceBoard;
  readonly #factory: LinkedClientFactory;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly deps: LinkedDeviceDeps,
    private readonly options: LinkedDeviceOptions,
  ) {
    this.#board = options.board ?? linkedDeviceBoard;
    this.#factory = options.clientFactory ?? whatsappWebClient;
  }

  async start(): Promise<void> {
    if (!this.options.enabled) return;
    await this.refresh();
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) => {
        this.deps.log.warn({ err }, "looking up linked-device WhatsApp accounts failed");
      });
    }, this.options.refreshMs ?? 5000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#refreshing?.catch(() => {});
    const devices = [...this.#devices.values()];
    this.#devices.clear();
    await Promise.all(devices.map((d) => d.close()));
  }

  /** Starts the devices of accounts that now use linked_device and stops those that no longer do. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const rows = await this.deps.database.db
      .select()
      .from(channelAccounts)
      .where(
        and(
          eq(channelAccounts.kind, "whatsapp"),
          sql`${channelAccounts.settings}->>'transport' = 'linked_device'`,
        ),
      );
    if (this.#stopped) return;
    const wanted = new Set(rows.map((r) => r.id));
    for (const [id, device] of this.#devices) {
      if (wanted.has(id)) continue;
      this.#devices.delete(id);
      this.#accounts.delete(id);
      await device.close();
    }
    for (const account of rows) {
      this.#accounts.set(account.id, account);
      if (this.#devices.has(account.id)) continue;
      const device = new LinkedDevice({
        factory: this.#factory,
        options: {
          accountId: account.id,
          dataPath: path.resolve(this.options.dataDir),
          chromiumPath: this.options.chromiumPath,
        },
        board: this.#board,
        log: this.deps.log,
        onMessage: (message, client) => this.#received(account.id, message, client),
        onReady: () => releaseWaitingDeliveries(this.deps.database, account.id),
      });
      this.#devices.set(account.id, device);
      await device.open();
    }
  }

  async #received(accountId: string, message: LinkedMessage, client: ClientLike): Promise<void> {
    const account = this.#accounts.get(accountId);
    if (!account) return;
    const inbound = linkedInbound(account, message);
    if (!inbound) return;
    const received = await receiveInbound(this.deps.database, inbound);
    if (received.duplicate || !client.sendSeen) return;
    // Blue ticks, as a person reading it would give; a failure here loses nothing.
    client.sendSeen(message.from).catch((err: unknown) => {
      this.deps.log.debug({ err, accountId }, "marking a WhatsApp Web chat seen failed");
    });
  }

  async send(account: ChannelAccountRef, message: OutboundDelivery): Promise<SendResult> {
    if (!this.options.enabled) {
      // Another process drives the device; a later attempt may be claimed by that one.
      throw new DeliveryError(
        DRIVEN_ELSEWHERE,
        "linked-device accounts are driven by the gateway started with WHATSAPP_WEB_ENABLED=true",
        false,
        1000,
        true,
      );
    }
    const device = this.#devices.get(account.id);
    const client = device?.readyClient;
    if (!client) {
      throw new DeliveryError(
        NOT_READY,
        `the WhatsApp Web linked device is not connected (state: ${device?.state ?? "not started"})`,
        false,
      );
    }
    return sendThroughClient(client, message);
  }
}
