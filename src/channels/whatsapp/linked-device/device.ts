import type { Logger } from "pino";
import type { ClientLike, LinkedClientFactory, LinkedClientOptions, LinkedMessage } from "./client.js";
import type { LinkedDeviceBoard, LinkedDeviceState } from "./status-board.js";
import { LinkedDeviceUnavailable } from "./whatsapp-web-client.js";

const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 5 * 60_000;
/** Closing Chromium can hang; shutting down must not. */
const DESTROY_TIMEOUT_MS = 10_000;

export interface LinkedDeviceHooks {
  factory: LinkedClientFactory;
  options: LinkedClientOptions;
  board: LinkedDeviceBoard;
  log: Logger;
  onMessage(message: LinkedMessage, client: ClientLike): Promise<void>;
  onReady(): Promise<void>;
}

/**
 * One linked device: a whatsapp-web.js client for one channel account, its state on the board,
 * and a new client (with backoff) whenever the old one gave up. whatsapp-web.js destroys itself
 * on a disconnect, except on LOGOUT, after which the same client shows a new QR code.
 */
export class LinkedDevice {
  #client: ClientLike | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelayMs = FIRST_RESTART_MS;
  #closed = false;

  constructor(private readonly hooks: LinkedDeviceHooks) {}

  get accountId(): string {
    return this.hooks.options.accountId;
  }

  get state(): LinkedDeviceState {
    return this.hooks.board.get(this.accountId)?.state ?? "starting";
  }

  /** The client, if it can send now. */
  get readyClient(): ClientLike | undefined {
    return this.state === "ready" ? this.#client : undefined;
  }

  async open(): Promise<void> {
    this.#set("starting");
    let client: ClientLike;
    try {
      client = await this.hooks.factory(this.hooks.options);
    } catch (err) {
      const unavailable = err instanceof LinkedDeviceUnavailable;
      this.hooks.log.error(
        { err, accountId: this.accountId },
        "the WhatsApp Web client could not be created",
      );
      this.#set("unavailable", { error: err instanceof Error ? err.message : String(err) });
      // A missing package stays missing until the next start; anything else may pass.
      if (!unavailable) this.#scheduleRestart();
      return;
    }
    if (this.#closed) {
      await this.#dispose(client);
      return;
    }
    this.#client = client;
    this.#listen(client);
    client.initialize().catch((err: unknown) => {
      if (client !== this.#client) return;
      this.hooks.log.error({ err, accountId: this.accountId }, "WhatsApp Web failed to start");
      this.#set("disconnected", { error: err instanceof Error ? err.message : String(err) });
      this.#scheduleRestart();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    const client = this.#client;
    this.#client = undefined;
    this.hooks.board.delete(this.accountId);
    if (client) await this.#dispose(client);
  }

  #listen(client: ClientLike): void {
    const { log } = this.hooks;
    const accountId = this.accountId;
    const current = () => client === this.#client && !this.#closed;
    client.on("qr", (qr: string) => {
      if (!current()) return;
      this.#set("qr", { qr });
      log.info(
        { accountId, qr },
        "WhatsApp Web needs this device linked: on the business phone open WhatsApp > Settings > " +
          "Linked devices > Link a device and scan the QR code made from `qr` " +
          `(also at GET /api/v1/channel-accounts/${accountId}/linked-device)`,
      );
    });
    client.on("authenticated", () => {
      if (!current()) return;
      this.#set("starting");
      log.info({ accountId }, "WhatsApp Web authenticated; loading chats");
    });
    client.on("ready", () => {
      if (!current()) return;
      this.#restartDelayMs = FIRST_RESTART_MS;
      this.#set("ready");
      log.info({ accountId }, "WhatsApp Web linked device ready");
      this.hooks.onReady().catch((err: unknown) => {
        log.warn({ err, accountId }, "releasing waiting replies failed; they go out after their backoff");
      });
    });
    client.on("auth_failure", (message: string) => {
      if (!current()) return;
      this.#set("auth_failure", { error: String(message) });
      log.error(
        { accountId, reason: message },
        "WhatsApp Web refused the stored session; it will ask for a QR code",
      );
      this.#scheduleRestart();
    });
    client.on("disconnected", (reason: string) => {
      if (!current()) return;
      this.#set("disconnected", { error: String(reason) });
      log.warn({ accountId, reason }, "WhatsApp Web linked device disconnected");
      // After LOGOUT the same client reloads and shows a new QR code; otherwise it destroyed itself.
      if (reason !== "LOGOUT") this.#scheduleRestart();
    });
    client.on("message", (message: LinkedMessage) => {
      this.hooks.onMessage(message, client).catch((err: unknown) => {
        log.error({ err, accountId, from: message.from }, "storing a WhatsApp Web message failed");
      });
    });
  }

  #set(state: LinkedDeviceState, extra: { qr?: string; error?: string } = {}): void {
    if (this.#closed) return;
    this.hooks.board.set(this.accountId, { state, ...extra, since: new Date() });
  }

  #scheduleRestart(): void {
    if (this.#closed || this.#restartTimer) return;
    const delay = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delay * 2, MAX_RESTART_MS);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.#restart();
    }, delay);
    this.#restartTimer.unref();
  }

  async #restart(): Promise<void> {
    const old = this.#client;
    this.#client = undefined;
    if (old) await this.#dispose(old);
    if (!this.#closed) await this.open();
  }

  async #dispose(client: ClientLike): Promise<void> {
    client.removeAllListeners();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DESTROY_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.destroy(), timeout]);
    } catch (err) {
      this.hooks.log.debug({ err, accountId: this.accountId }, "closing a WhatsApp Web client failed");
    } finally {
      clearTimeout(timer);
    }
  }
}
