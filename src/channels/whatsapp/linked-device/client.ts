/**
 * The part of whatsapp-web.js's `Client` the transport uses. The real Client satisfies it, and
 * so does the stand-in the tests drive, since WhatsApp Web cannot be reached from CI.
 */

/** The fields of a whatsapp-web.js `Message` the transport reads. */
export interface LinkedMessage {
  id: { _serialized: string };
  /** The chat it came from: `<number>@c.us` (or `@lid`) for a person, `@g.us` for a group. */
  from: string;
  /** The text, or a media message's caption. */
  body: string;
  /** whatsapp-web.js's MessageTypes: `chat` for text, `image`, `ptt`, `sticker`, … */
  type: string;
  timestamp: number;
  fromMe: boolean;
  isStatus?: boolean | undefined;
  broadcast?: boolean | undefined;
  /** The raw model; `notifyName` is the name the customer gave themselves in WhatsApp. */
  _data?: { notifyName?: string | undefined } | undefined;
}

export interface ClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: each event has its own arguments, as on EventEmitter.
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  /** Launches the browser and opens WhatsApp Web; events report how far it got. */
  initialize(): Promise<void>;
  /** Resolves to nothing when WhatsApp has no such chat. */
  sendMessage(chatId: string, content: string): Promise<{ id: { _serialized: string } } | null | undefined>;
  sendSeen?(chatId: string): Promise<unknown>;
  destroy(): Promise<void>;
}

export interface LinkedClientOptions {
  /** The channel account; names the session directory, so each account keeps its own login. */
  accountId: string;
  /** Where sessions live (WHATSAPP_WEB_DATA_DIR). */
  dataPath: string;
  /** Debian's Chromium: puppeteer's own browser download is not used. */
  chromiumPath: string;
}

export type LinkedClientFactory = (options: LinkedClientOptions) => ClientLike | Promise<ClientLike>;
