import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { workspaceForToken } from "../../src/core/workspaces.js";
import type { Db } from "../../src/db/client.js";
import {
  type AuthorKind,
  type Citation,
  type CloseReason,
  type ConversationHolder,
  channelThreads,
  contacts,
  conversations,
  type DeliveryState,
  messages,
} from "../../src/db/schema.js";
import type { channelAccountSchema } from "../../src/http/admin/schemas/channel-accounts.js";
import { conversationSchema, messageSchema } from "../../src/http/admin/schemas/conversations.js";
import { engines } from "../helpers/db.js";
import { startTestParley, type TestParley } from "../helpers/server.js";
import {
  AdminClient,
  expectError,
  expectShape,
  MISSING_ID,
  otherWorkspace,
  type Page,
} from "./admin-client.js";

type ChannelAccount = z.output<typeof channelAccountSchema>;
type Conversation = z.output<typeof conversationSchema>;
type Message = z.output<typeof messageSchema>;

interface SeedMessage {
  direction: "in" | "out";
  authorKind: AuthorKind;
  text: string;
  deliveryState: DeliveryState;
  citations?: Citation[];
  language?: string;
}

interface SeedConversation {
  workspaceId: string;
  channelAccountId: string;
  contact: { externalId: string; name?: string; email?: string };
  lastActivityAt: Date;
  status?: "open" | "closed";
  holder?: ConversationHolder;
  language?: string;
  closeReason?: CloseReason;
  messages?: SeedMessage[];
  /** Continue this thread (a later conversation with the same person) instead of starting one. */
  thread?: { id: string; contactId: string };
}

/** Writes what the message path would have written: contact, thread, conversation and its messages. */
async function seedConversation(db: Db, seed: SeedConversation) {
  let thread = seed.thread;
  if (!thread) {
    const [contact] = await db
      .insert(contacts)
      .values({ workspaceId: seed.workspaceId, channelAccountId: seed.channelAccountId, ...seed.contact })
      .returning({ id: contacts.id });
    const [row] = await db
      .insert(channelThreads)
      .values({
        workspaceId: seed.workspaceId,
        channelAccountId: seed.channelAccountId,
        threadKey: randomUUID(),
        contactExternalId: seed.contact.externalId,
        contactId: contact!.id,
      })
      .returning({ id: channelThreads.id });
    thread = { id: row!.id, contactId: contact!.id };
  }
  const closed = seed.status === "closed";
  const [conversation] = await db
    .insert(conversations)
    .values({
      workspaceId: seed.workspaceId,
      channelAccountId: seed.channelAccountId,
      threadId: thread.id,
      contactId: thread.contactId,
      status: seed.status ?? "open",
      holder: seed.holder ?? "agent",
      language: seed.language ?? null,
      lastActivityAt: seed.lastActivityAt,
      closedAt: closed ? seed.lastActivityAt : null,
      closeReason: seed.closeReason ?? null,
      createdAt: new Date(seed.lastActivityAt.getTime() - 60_000),
    })
    .returning({ id: conversations.id });
  const seqBase = Math.floor(seed.lastActivityAt.getTime() / 1000);
  const rows = (seed.messages ?? []).map((m, i) => ({
    workspaceId: seed.workspaceId,
    channelAccountId: seed.channelAccountId,
    threadId: thread.id,
    conversationId: conversation!.id,
    seq: seqBase + i,
    ...m,
    citations: m.citations ?? [],
    createdAt: new Date(seed.lastActivityAt.getTime() - 1000 * (10 - i)),
  }));
  // Stored backwards, so only ordering by seq can list them in order.
  for (const row of rows.reverse()) await db.insert(messages).values(row);
  return { id: conversation!.id, thread };
}

const at = (time: string) => new Date(`2026-01-05T${time}Z`);

for (const engine of engines) {
  describe(`admin API: conversations and messages (${engine})`, () => {
    let gateway: TestParley;
    let api: AdminClient;
    let db: Db;
    let workspaceId: string;
    let chat: ChannelAccount;
    let whatsapp: ChannelAccount;
    let answered: string;
    let closed: string;
    let humanHeld: string;

    beforeAll(async () => {
      gateway = await startTestParley(engine);
      api = new AdminClient(gateway.url, gateway.adminToken);
      db = gateway.testDb.database.db;
      workspaceId = (await workspaceForToken(db, gateway.adminToken))!;
      chat = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "livechat",
        name: "Site chat",
        externalId: `site-${engine}`,
      });
      whatsapp = await api.create<ChannelAccount>("/channel-accounts", {
        kind: "whatsapp",
        name: "Shop number",
        externalId: `1555000${engine.length}`,
        credentials: { accessToken: "wa-token-for-tests", appSecret: "app-secret-for-tests" },
      });
      answered = (
        await seedConversation(db, {
          workspaceId,
          channelAccountId: chat.id,
          contact: { externalId: "dl_visitor_1", name: "Ada" },
          lastActivityAt: at("10:00:00"),
          language: "en",
          messages: [
            {
              direction: "in",
              authorKind: "contact",
              text: "Do you ship to Norway?",
              deliveryState: "processed",
            },
            {
              direction: "out",
              authorKind: "agent",
              text: "Yes, in 3 to 5 days.",
              deliveryState: "delivered",
              language: "en",
              citations: [{ kind: "short_answer", id: MISSING_ID, title: "Shipping" }],
            },
            { direction: "in", authorKind: "contact", text: "And to Sweden?", deliveryState: "processed" },
            { direction: "out", authorKind: "agent", text: "Also, yes.", deliveryState: "sent" },
            { direction: "in", authorKind: "contact", text: "Thanks!", deliveryState: "received" },
          ],
        })
      ).id;
      closed = (
        await seedConversation(db, {
          workspaceId,
          channelAccountId: chat.id,
          contact: { externalId: "dl_visitor_2", name: "Bo", email: "bo@example.com" },
          lastActivityAt: at("11:00:00"),
          status: "closed",
          holder: "nobody",
          closeReason: "inactivity",
        })
      ).id;
      humanHeld = (
        await seedConversation(db, {
          workspaceId,
          channelAccountId: whatsapp.id,
          contact: { externalId: "4670000000" },
          lastActivityAt: at("09:00:00"),
          holder: "user",
          language: "sv",
        })
      ).id;
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("lists conversations, latest activity first, with their contact and channel account", async () => {
      const res = await api.get<Page<Conversation>>("/conversations");
      expect(res.status).toBe(200);
      expect(res.body.data.map((c) => c.id)).toEqual([closed, answered, humanHeld]);
      for (const item of res.body.data) expectShape(conversationSchema, item);
      expect(res.body.data[0]).toEqual({
        id: closed,
        status: "closed",
        holder: "nobody",
        holderId: null,
        agentId: null,
        language: null,
        handoffReason: null,
        handedOffAt: null,
        lastActivityAt: "2026-01-05T11:00:00.000Z",
        closedAt: "2026-01-05T11:00:00.000Z",
        closeReason: "inactivity",
        resolvedBy: null,
        chargedAt: null,
        preview: false,
        createdAt: "2026-01-05T10:59:00.000Z",
        channelAccount: { id: chat.id, kind: "livechat", name: "Site chat" },
        contact: { id: expect.any(String), externalId: "dl_visitor_2", name: "Bo", email: "bo@example.com" },
      });
      expect(res.body.data[2]).toMatchObject({
        holder: "user",
        language: "sv",
        channelAccount: { id: whatsapp.id, kind: "whatsapp" },
        contact: { externalId: "4670000000", name: null },
      });
    });

    it("filters by status, holder and channel account", async () => {
      const ids = async (query: string) =>
        (await api.get<Page<Conversation>>(`/conversations?${query}`)).body.data.map((c) => c.id);
      expect(await ids("status=open")).toEqual([answered, humanHeld]);
      expect(await ids("status=closed")).toEqual([closed]);
      expect(await ids("holder=nobody")).toEqual([closed]);
      expect(await ids(`channelAccountId=${whatsapp.id}`)).toEqual([humanHeld]);
      expect(await ids(`channelAccountId=${chat.id}&status=open`)).toEqual([answered]);
      expect(await ids(`channelAccountId=${MISSING_ID}`)).toEqual([]);
      expectError(await api.get("/conversations?status=pending"), 400, "invalid_request", "status");
      expectError(await api.get("/conversations?holder=robot"), 400, "invalid_request", "holder");
      expectError(
        await api.get("/conversations?channelAccountId=site"),
        400,
        "invalid_request",
        "channelAccountId",
      );
    });

    it("gets one conversation as the list shows it", async () => {
      const listed = (await api.get<Page<Conversation>>("/conversations")).body.data.find(
        (c) => c.id === answered,
      );
      const one = await api.get<Conversation>(`/conversations/${answered}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(listed);
      expectError(await api.get(`/conversations/${MISSING_ID}`), 404, "not_found", "conversation");
    });

    it("lists a conversation's messages in thread order, with citations and delivery state", async () => {
      const res = await api.get<Page<Message>>(`/conversations/${answered}/messages`);
      expect(res.status).toBe(200);
      for (const item of res.body.data) expectShape(messageSchema, item);
      expect(res.body.data.map((m) => m.text)).toEqual([
        "Do you ship to Norway?",
        "Yes, in 3 to 5 days.",
        "And to Sweden?",
        "Also, yes.",
        "Thanks!",
      ]);
      expect(res.body.data[1]).toEqual({
        id: expect.any(String),
        seq: expect.any(Number),
        direction: "out",
        authorKind: "agent",
        authorId: null,
        text: "Yes, in 3 to 5 days.",
        attachments: [],
        citations: [{ kind: "short_answer", id: MISSING_ID, title: "Shipping" }],
        language: "en",
        deliveryState: "delivered",
        deliveryError: null,
        createdAt: "2026-01-05T09:59:51.000Z",
      });
      expect(res.body.nextCursor).toBeNull();

      const { items, pageSizes } = await api.walk<Message>(`/conversations/${answered}/messages`, 2);
      expect(pageSizes).toEqual([2, 2, 1]);
      expect(items).toEqual(res.body.data);
      expect((await api.get<Page<Message>>(`/conversations/${closed}/messages`)).body).toEqual({
        data: [],
        nextCursor: null,
      });
    });

    it("lists only the messages of the conversation asked for, not the rest of its thread", async () => {
      const first = await seedConversation(db, {
        workspaceId,
        channelAccountId: whatsapp.id,
        contact: { externalId: "4671111111" },
        lastActivityAt: at("06:00:00"),
        status: "closed",
        messages: [
          {
            direction: "in",
            authorKind: "contact",
            text: "Yesterday's question",
            deliveryState: "processed",
          },
        ],
      });
      const later = await seedConversation(db, {
        workspaceId,
        channelAccountId: whatsapp.id,
        contact: { externalId: "4671111111" },
        lastActivityAt: at("07:00:00"),
        thread: first.thread,
        messages: [
          { direction: "in", authorKind: "contact", text: "Today's question", deliveryState: "received" },
        ],
      });
      const texts = async (id: string) =>
        (await api.get<Page<Message>>(`/conversations/${id}/messages`)).body.data.map((m) => m.text);
      expect(await texts(first.id)).toEqual(["Yesterday's question"]);
      expect(await texts(later.id)).toEqual(["Today's question"]);
    });

    it("hides another workspace's conversations and messages", async () => {
      const other = await otherWorkspace(gateway);
      const theirAccount = await other.api.create<ChannelAccount>("/channel-accounts", {
        kind: "messenger",
        name: "Their page",
        externalId: `4242000${engine.length}`,
        credentials: { pageAccessToken: "page-token-for-tests", appSecret: "app-secret-for-tests" },
      });
      const theirs = await seedConversation(db, {
        workspaceId: other.workspaceId,
        channelAccountId: theirAccount.id,
        contact: { externalId: "psid-1", name: "Private Person" },
        lastActivityAt: at("12:00:00"),
        messages: [
          { direction: "in", authorKind: "contact", text: "My private message", deliveryState: "received" },
        ],
      });
      expectError(await api.get(`/conversations/${theirs.id}`), 404, "not_found", "conversation");
      expectError(await api.get(`/conversations/${theirs.id}/messages`), 404, "not_found", "conversation");
      const mine = await api.walk<Conversation>("/conversations", 200);
      expect(mine.items.map((c) => c.id)).not.toContain(theirs.id);
      expect(
        (await api.get<Page<Conversation>>(`/conversations?channelAccountId=${theirAccount.id}`)).body.data,
      ).toEqual([]);
      expect(api.received.filter((text) => text.includes("Private"))).toEqual([]);

      const theirList = await other.api.get<Page<Conversation>>("/conversations");
      expect(theirList.body.data.map((c) => c.id)).toEqual([theirs.id]);
      const theirMessages = await other.api.get<Page<Message>>(`/conversations/${theirs.id}/messages`);
      expect(theirMessages.body.data.map((m) => m.text)).toEqual(["My private message"]);
    });

    it("pages through conversations, ties in last activity included, without repeats", async () => {
      const other = await otherWorkspace(gateway);
      const account = await other.api.create<ChannelAccount>("/channel-accounts", {
        kind: "livechat",
        name: "Busy chat",
        externalId: `busy-${engine}`,
      });
      const seeded: string[] = [];
      for (let i = 0; i < 9; i++) {
        const { id } = await seedConversation(db, {
          workspaceId: other.workspaceId,
          channelAccountId: account.id,
          contact: { externalId: `visitor-${i}` },
          lastActivityAt: at(i < 4 ? "08:00:00" : `08:0${i}:00`),
        });
        seeded.push(id);
      }
      const { items, pageSizes } = await other.api.walk<Conversation>("/conversations", 4);
      expect(pageSizes).toEqual([4, 4, 1]);
      expect(items.map((c) => c.id).sort()).toEqual([...seeded].sort());
      const activity = items.map((c) => c.lastActivityAt);
      expect(activity).toEqual([...activity].sort().reverse());
    });
  });
}
