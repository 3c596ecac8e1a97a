import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { and, eq } from "drizzle-orm";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import { THREAD_CHANNEL } from "../../core/receive.js";
import { channelThreads } from "../../db/schema.js";
import { HttpError } from "../../http/errors.js";
import { BOT_ID, readActivityPage } from "./activities.js";
import { TYPING_CHANNEL } from "./adapter.js";
import { type AuthDeps, callerFromToken, conversationFor, type DirectLineConversation } from "./auth.js";
import { conversationKey, parseWatermark, transientActivityId } from "./ids.js";

/**
 * The Direct Line WebSocket stream. One LISTEN per process hears every thread that gets a new
 * message (a visitor's post, the agent's reply, a person's answer), from whichever replica
 * committed it; the sockets of that conversation then read what is new from the database and
 * push it. A socket therefore never holds state the database does not, and a client that
 * reconnects elsewhere resumes from its watermark. A second LISTEN carries "the agent is typing",
 * which is shown and never stored.
 */

const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;
/** directlinejs pings every 20 s; our empty frames and pings keep proxies from idling the socket out. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** More sockets than this for one conversation (many tabs, or abuse) close the oldest. */
const MAX_SOCKETS_PER_CONVERSATION = 4;

interface StreamClient {
  ws: WebSocket;
  conversation: DirectLineConversation;
  /** Last seq pushed; undefined until the first read (which then includes the greeting). */
  after: number | undefined;
  busy: boolean;
  again: boolean;
  alive: boolean;
}

export interface StreamDeps extends AuthDeps {
  log: Logger;
  keepAliveMs?: number | undefined;
}

export class ActivityStreamHub {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #clients = new Map<string, Set<StreamClient>>();
  /** thread id → conversation key, for conversations with sockets here. */
  readonly #keyByThread = new Map<string, string>();
  readonly #threadByKey = new Map<string, string>();
  /** Conversations with sockets but no thread row yet (nothing was posted): their first NOTIFY names it. */
  readonly #awaitingThread = new Set<string>();
  #unlisten: (() => Promise<void>)[] = [];
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(private readonly deps: StreamDeps) {}

  async start(): Promise<void> {
    this.#unlisten = [
      await this.deps.database.listen(THREAD_CHANNEL, (threadId) => this.#onThreadActivity(threadId)),
      await this.deps.database.listen(TYPING_CHANNEL, (key) => this.#showTyping(key)),
    ];
    this.#keepAlive = setInterval(() => this.#pingAll(), this.deps.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#keepAlive);
    for (const unlisten of this.#unlisten) await unlisten().catch(() => {});
    for (const clients of this.#clients.values()) {
      for (const client of clients) client.ws.close(1001, "server shutting down");
    }
    this.#wss.close();
  }

  /** Takes the upgrade when the path is a Direct Line stream; the token travels in `?t=`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://upgrade.invalid");
    const match = STREAM_PATH.exec(url.pathname);
    if (!match?.[1]) return false;
    const conversationId = decodeURIComponent(match[1]);
    const onEarlyError = () => socket.destroy();
    socket.on("error", onEarlyError);
    void this.#authorize(conversationId, url.searchParams)
      .then(({ conversation, after }) => {
        socket.off("error", onEarlyError);
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, conversation, after));
      })
      .catch((err: unknown) => {
        if (!(err instanceof HttpError)) this.deps.log.error({ err }, "live-chat stream upgrade failed");
        reject(
          socket,
          err instanceof HttpError
            ? err
            : new HttpError(500, "internal", "Something went wrong on our side."),
        );
      });
    return true;
  }

  async #authorize(conversationId: string, params: URLSearchParams) {
    const token = params.get("t");
    if (!token) throw new HttpError(401, "unauthorized", "The stream URL carries its token in `t`.");
    const after = parseWatermark(params.get("watermark"));
    const caller = await callerFromToken(this.deps, token);
    return { conversation: await conversationFor(this.deps, caller, conversationId), after };
  }

  #attach(ws: WebSocket, conversation: DirectLineConversation, after: number | undefined): void {
    const key = conversationKey(conversation.account.id, conversation.conversationId);
    const client: StreamClient = { ws, conversation, after, busy: false, again: false, alive: true };
    let clients = this.#clients.get(key);
    if (!clients) {
      clients = new Set();
      this.#clients.set(key, clients);
      // Registered before the thread lookup, so a NOTIFY that races it is still recognised.
      this.#awaitingThread.add(key);
      void this.#resolveThread(conversation, key);
    }
    clients.add(client);
    if (clients.size > MAX_SOCKETS_PER_CONVERSATION) {
      const [oldest] = clients;
      oldest?.ws.close(4000, "collision");
    }
    ws.on("pong", () => {
      client.alive = true;
    });
    // Clients send empty frames as keep-alives; nothing they send over the stream is acted on.
    ws.on("message", () => {});
    ws.on("error", (err) => this.deps.log.debug({ err }, "live-chat socket error"));
    ws.on("close", () => this.#detach(key, client));
    void this.#pump(client);
  }

  #detach(key: string, client: StreamClient): void {
    const clients = this.#clients.get(key);
    if (!clients) return;
    clients.delete(client);
    if (clients.size > 0) return;
    this.#clients.delete(key);
    this.#awaitingThread.delete(key);
    const threadId = this.#threadByKey.get(key);
    if (threadId) this.#keyByThread.delete(threadId);
    this.#threadByKey.delete(key);
  }

  async #resolveThread(conversation: DirectLineConversation, key: string): Promise<void> {
    try {
      const [thread] = await this.deps.database.db
        .select({ id: channelThreads.id })
        .from(channelThreads)
        .where(
          and(
            eq(channelThreads.channelAccountId, conversation.account.id),
            eq(channelThreads.threadKey, conversation.conversationId),
          ),
        )
        .limit(1);
      if (thread) this.#remember(thread.id, key);
    } catch (err) {
      this.deps.log.warn({ err }, "looking up a live-chat thread failed");
    }
  }

  #remember(threadId: string, key: string): void {
    if (!this.#clients.has(key)) return;
    this.#awaitingThread.delete(key);
    this.#keyByThread.set(threadId, key);
    this.#threadByKey.set(key, threadId);
  }

  #onThreadActivity(threadId: string): void {
    const key = this.#keyByThread.get(threadId);
    if (key) {
      this.#wake(key);
      return;
    }
    // Most notifications are for conversations whose sockets live on another replica, or nowhere.
    if (this.#awaitingThread.size > 0) void this.#identifyNewThread(threadId);
  }

  async #identifyNewThread(threadId: string): Promise<void> {
    try {
      const [thread] = await this.deps.database.db
        .select({ accountId: channelThreads.channelAccountId, threadKey: channelThreads.threadKey })
        .from(channelThreads)
        .where(eq(channelThreads.id, threadId))
        .limit(1);
      if (!thread) return;
      const key = conversationKey(thread.accountId, thread.threadKey);
      if (!this.#awaitingThread.has(key)) return;
      this.#remember(threadId, key);
      this.#wake(key);
    } catch (err) {
      this.deps.log.warn({ err }, "identifying a live-chat thread failed");
    }
  }

  #wake(key: string): void {
    for (const client of this.#clients.get(key) ?? []) void this.#pump(client);
  }

  /** Pushes what is new for one socket; a wake-up during a read makes it read once more. */
  async #pump(client: StreamClient): Promise<void> {
    if (client.busy) {
      client.again = true;
      return;
    }
    client.busy = true;
    try {
      do {
        client.again = false;
        const page = await readActivityPage(this.deps.database, client.conversation, {
          after: client.after,
          now: this.deps.clock.now(),
        });
        if (client.ws.readyState !== WebSocket.OPEN) return;
        if (page.set.activities.length > 0) client.ws.send(JSON.stringify(page.set));
        client.after = Number(page.set.watermark);
        if (page.more) client.again = true;
      } while (client.again);
    } catch (err) {
      // The client reconnects with its watermark and loses nothing; a silent socket would.
      this.deps.log.warn({ err }, "reading live-chat activities failed; closing the stream");
      client.ws.close(1011, "temporary failure");
    } finally {
      client.busy = false;
    }
  }

  /** Typing is stream-only and stored nowhere; the frame has no watermark, so clients keep theirs. */
  #showTyping(key: string): void {
    for (const client of this.#clients.get(key) ?? []) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      const { conversationId } = client.conversation;
      const typing = {
        type: "typing",
        id: transientActivityId(conversationId),
        timestamp: this.deps.clock.now().toISOString(),
        channelId: "directline",
        from: { id: BOT_ID, role: "bot" },
        conversation: { id: conversationId },
      };
      client.ws.send(JSON.stringify({ activities: [typing] }));
    }
  }

  #pingAll(): void {
    for (const clients of this.#clients.values()) {
      for (const client of clients) {
        if (!client.alive) {
          client.ws.terminate();
          continue;
        }
        client.alive = false;
        client.ws.ping();
        // The empty frame is Direct Line's own keep-alive; clients ignore it.
        client.ws.send("");
      }
    }
  }
}

function reject(socket: Duplex, error: HttpError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
