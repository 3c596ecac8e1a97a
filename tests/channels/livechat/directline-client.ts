import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq } from "drizzle-orm";
import WebSocket from "ws";
import type { Activity, ActivitySet } from "../../../src/channels/livechat/activities.js";
import type { Database } from "../../../src/db/client.js";
import { channelThreads, conversations, messages, outbox, threadWork } from "../../../src/db/schema.js";
import { waitFor } from "../../helpers/wait.js";

/** A bare Direct Line client over fetch and ws, for asserting the wire protocol itself. */

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/directline");

/** A recorded Direct Line payload from tests/fixtures/directline (see tests/fixtures/PROVENANCE.md). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as T;
}

export const fieldsOf = (value: object) => Object.keys(value).sort();

export interface WidgetGrant {
  token: string;
  conversationId: string;
  expires_in: number;
  userId: string;
  header: { title: string; poweredByAi: boolean; poweredByAiLabel: string };
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { "Content-Type": "application/json" }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export async function widgetToken(
  base: string,
  widgetId = "demo",
  opts: { body?: unknown; origin?: string } = {},
): Promise<JsonResponse<WidgetGrant>> {
  return call<WidgetGrant>(`${base}/livechat/${widgetId}/token`, {
    method: "POST",
    body: opts.body ?? {},
    headers: opts.origin ? { Origin: opts.origin } : {},
  });
}

export async function grant(base: string, body: unknown = { locale: "en-US" }): Promise<WidgetGrant> {
  const res = await widgetToken(base, "demo", { body });
  if (res.status !== 200) throw new Error(`widget token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function message(text: string, clientActivityID: string, extra: Record<string, unknown> = {}) {
  return {
    type: "message",
    text,
    locale: "en-US",
    from: { id: "ignored", role: "user" },
    channelData: { clientActivityID },
    ...extra,
  };
}

/** A WebSocket on a stream URL that collects every frame it gets (empty keep-alives included). */
export class StreamRecorder {
  readonly frames: string[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  unexpected: { status: number; body: string } | undefined;

  constructor(streamUrl: string) {
    this.ws = new WebSocket(streamUrl);
    this.ws.on("message", (data) => this.frames.push(String(data)));
    this.ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    this.ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += String(chunk);
      });
      res.on("end", () => {
        this.unexpected = { status: res.statusCode ?? 0, body };
      });
    });
    this.ws.on("error", () => {});
  }

  /** Every activity received so far, in order. */
  get activities(): Activity[] {
    return this.sets.flatMap((s) => s.activities);
  }

  get sets(): ActivitySet[] {
    return this.frames.filter((f) => f !== "").map((f) => JSON.parse(f) as ActivitySet);
  }

  async waitForActivity(match: (a: Activity) => boolean, what: string): Promise<Activity> {
    let found: Activity | undefined;
    await waitFor(
      () => {
        found = this.activities.find(match);
        return found !== undefined;
      },
      { message: what },
    );
    return found as Activity;
  }

  close(): void {
    this.ws.close();
  }
}

export async function threadMessages(database: Database, conversationId: string) {
  return database.db
    .select({
      seq: messages.seq,
      direction: messages.direction,
      text: messages.text,
      attachments: messages.attachments,
      channelData: messages.channelData,
    })
    .from(messages)
    .innerJoin(channelThreads, eq(channelThreads.id, messages.threadId))
    .where(eq(channelThreads.threadKey, conversationId))
    .orderBy(messages.seq);
}

export async function conversationLanguage(
  database: Database,
  conversationId: string,
): Promise<string | null> {
  const [row] = await database.db
    .select({ language: conversations.language })
    .from(conversations)
    .innerJoin(channelThreads, eq(channelThreads.id, conversations.threadId))
    .where(and(eq(channelThreads.threadKey, conversationId), eq(conversations.status, "open")));
  return row?.language ?? null;
}

/** True when no work is queued or leased for the thread and no reply waits for delivery. */
export async function threadIdle(database: Database, conversationId: string): Promise<boolean> {
  const [thread] = await database.db
    .select({ id: channelThreads.id })
    .from(channelThreads)
    .where(eq(channelThreads.threadKey, conversationId));
  if (!thread) return false;
  const work = await database.db.select().from(threadWork).where(eq(threadWork.threadId, thread.id));
  const pending = await database.db.select().from(outbox).where(eq(outbox.threadId, thread.id));
  return work.length === 0 && pending.length === 0;
}
