import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Activity, ActivitySet } from "../../../src/channels/livechat/activities.js";
import { asMarkdown } from "../../../src/channels/livechat/activities.js";
import { issueToken } from "../../../src/channels/livechat/tokens.js";
import { channelAccounts, instanceSettings, messages } from "../../../src/db/schema.js";
import { engines } from "../../helpers/db.js";
import { startTestParley, type TestParley } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import {
  call,
  fieldsOf,
  fixture,
  grant,
  message,
  StreamRecorder,
  threadMessages,
  widgetToken,
} from "./directline-client.js";

const SECRET = "test-direct-line-secret-0123456789abcdef";

interface Started {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl: string;
}

for (const engine of engines) {
  describe(`Direct Line 3.0 wire protocol (${engine})`, () => {
    let gateway: TestParley;
    let dl: string;
    const recorders: StreamRecorder[] = [];
    const stream = (url: string) => {
      const recorder = new StreamRecorder(url);
      recorders.push(recorder);
      return recorder;
    };

    beforeAll(async () => {
      gateway = await startTestParley(engine);
      dl = `${gateway.url}/v3/directline`;
      await gateway.testDb.database.db
        .update(channelAccounts)
        .set({ credentials: { directLineSecret: SECRET } })
        .where(eq(channelAccounts.externalId, "demo"));
    });
    afterAll(async () => {
      for (const r of recorders) r.close();
      await gateway?.stop();
    });

    // What botframework-directlinejs posts to start (its user id is one the token overrides).
    const startBody = fixture("conversations_start_request_body_directlinejs");
    const start = async (token: string) => call<Started>(`${dl}/conversations`, { token, body: startBody });

    it("refuses missing or unknown credentials (401), expired tokens (403 TokenExpired) and foreign ones (403)", async () => {
      const mine = await grant(gateway.url);
      const other = await grant(gateway.url);
      const activities = `${dl}/conversations/${mine.conversationId}/activities`;

      const missing = await call(activities);
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ error: { code: "unauthorized" } });
      expect((await call(activities, { token: "not-a-token-or-secret" })).status).toBe(401);
      const [, payload] = mine.token.split(".");
      const forged = `${mine.token.split(".")[0]}.${payload}.${"A".repeat(43)}`;
      expect((await call(activities, { token: forged })).status).toBe(401);

      const [keyRow] = await gateway.testDb.database.db
        .select()
        .from(instanceSettings)
        .where(eq(instanceSettings.key, "livechat_token_key"));
      const [demo] = await gateway.testDb.database.db
        .select()
        .from(channelAccounts)
        .where(eq(channelAccounts.externalId, "demo"));
      const expired = issueToken(
        Buffer.from(keyRow!.value, "base64"),
        {
          channelAccountId: demo!.id,
          workspaceId: demo!.workspaceId,
          conversationId: mine.conversationId,
          userId: "dl_x",
        },
        new Date(Date.now() - 31 * 60_000),
      ).token;
      const stale = await call(activities, { token: expired });
      expect(stale.status).toBe(403);
      expect(stale.body).toMatchObject({
        error: { code: fixture<{ error: { code: string } }>("error_response_403_token_expired").error.code },
      });
      expect((await call(`${dl}/tokens/refresh`, { method: "POST", token: expired })).status).toBe(403);

      const foreign = await call(activities, { token: other.token });
      expect(foreign.status).toBe(403);
      expect(foreign.body).toMatchObject({ error: { code: "forbidden" } });
      expect((await call(activities, { token: other.token, body: message("hi", "x1") })).status).toBe(403);

      const socket = stream(
        `${dl.replace("http", "ws")}/conversations/${mine.conversationId}/stream?t=${other.token}`,
      );
      await waitFor(() => socket.unexpected !== undefined, {
        message: "the stream to refuse a foreign token",
      });
      expect(socket.unexpected?.status).toBe(403);
      const anonymous = stream(`${dl.replace("http", "ws")}/conversations/${mine.conversationId}/stream`);
      await waitFor(() => anonymous.unexpected !== undefined, { message: "the stream to refuse no token" });
      expect(anonymous.unexpected?.status).toBe(401);
    });

    it("lets the widget's secret start conversations and mint tokens, and answers 404 for unknown ones", async () => {
      const unknown = await call(`${dl}/conversations/no-such-conversation/activities`, { token: SECRET });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ error: { code: "conversation_not_found" } });

      const started = await call<Started>(`${dl}/conversations`, {
        token: SECRET,
        body: { user: { id: "crm-42" } },
      });
      expect(started.status).toBe(201);
      const listed = await call<ActivitySet>(
        `${dl}/conversations/${started.body.conversationId}/activities`,
        {
          token: SECRET,
        },
      );
      expect(listed.status).toBe(200);
      const posted = await call<{ id: string }>(
        `${dl}/conversations/${started.body.conversationId}/activities`,
        {
          token: started.body.token,
          body: message("hello", "secret-1"),
        },
      );
      expect(posted.body.id).toBe(`${started.body.conversationId}|0000001`);

      const generated = await call<{ conversationId: string; token: string; expires_in: number }>(
        `${dl}/tokens/generate`,
        { token: SECRET, body: fixture("tokens_generate_request_body") },
      );
      expect(generated.status).toBe(200);
      expect(fieldsOf(generated.body)).toEqual(fieldsOf(fixture("tokens_generate_response")));
      expect(generated.body.expires_in).toBe(1800);
      // The token is a JWT whose `user` claim Web Chat and directlinejs adopt as the user id.
      const [, payload] = generated.body.token.split(".");
      expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toMatchObject({ user: "string" });
      const tokenOnly = await call(`${dl}/tokens/generate`, { token: generated.body.token, body: {} });
      expect(tokenOnly.status).toBe(403);
    });

    it("answers the CORS preflight of the official clients; responses, errors included, allow any origin", async () => {
      const preflight = await fetch(`${dl}/conversations`, {
        method: "OPTIONS",
        headers: {
          Origin: "https://shop.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type,x-ms-bot-agent",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      const allowed = preflight.headers.get("access-control-allow-headers")?.toLowerCase() ?? "";
      for (const header of [
        "authorization",
        "content-type",
        "accept",
        "x-ms-bot-agent",
        "x-requested-with",
      ]) {
        expect(allowed).toContain(header);
      }
      expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
      const tokenPreflight = await fetch(`${gateway.url}/livechat/demo/token`, {
        method: "OPTIONS",
        headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST" },
      });
      expect(tokenPreflight.status).toBe(204);

      const refused = await call(`${dl}/conversations/x/activities`, {
        headers: { Origin: "https://shop.example" },
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    });

    it("starts (201) and restarts (200) a token's conversation, reconnects with a watermark, refreshes tokens", async () => {
      const { token, conversationId } = await grant(gateway.url);
      const first = await start(token);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ conversationId, expires_in: 1800 });
      expect(fieldsOf(first.body)).toEqual(fieldsOf(fixture("conversations_start_response_201")));
      const streamUrl = new URL(first.body.streamUrl);
      expect(streamUrl.protocol).toBe("ws:");
      expect(streamUrl.host).toBe(new URL(gateway.url).host);
      expect(streamUrl.pathname).toBe(`/v3/directline/conversations/${conversationId}/stream`);
      expect(streamUrl.searchParams.get("t")).toBeTruthy();

      await call(`${dl}/conversations/${conversationId}/activities`, {
        token,
        body: message("hello", "r-1"),
      });
      expect((await start(token)).status).toBe(200);

      const reconnect = await call<Started>(`${dl}/conversations/${conversationId}?watermark=1`, { token });
      expect(reconnect.status).toBe(200);
      expect(new URL(reconnect.body.streamUrl).searchParams.get("watermark")).toBe("1");
      const fresh = await call<{ token: string; conversationId: string }>(`${dl}/tokens/refresh`, {
        method: "POST",
        token,
      });
      expect(fresh.status).toBe(200);
      expect(fieldsOf(fresh.body)).toEqual(fieldsOf(fixture("tokens_refresh_response")));
      expect(fresh.body.conversationId).toBe(conversationId);
      const withFresh = await call(`${dl}/conversations/${conversationId}/activities`, {
        token: fresh.body.token,
      });
      expect(withFresh.status).toBe(200);
    });

    it("echoes the visitor's activity on the stream with its id and channelData, then pushes the reply", async () => {
      const { token, conversationId, userId } = await grant(gateway.url);
      const started = await start(token);
      const socket = stream(started.body.streamUrl);
      const greeting = await socket.waitForActivity((a) => a.id.endsWith("|greeting"), "the greeting");
      expect(greeting).toMatchObject({
        from: { role: "bot", name: "Ava" },
        text: expect.stringContaining("Ava"),
        channelData: {
          parley: { poweredByAi: true, poweredByAiLabel: "Powered by AI", title: "Parley Demo Shop" },
        },
      });

      const channelData = { clientActivityID: "echo-client-1", page: { path: "/checkout" } };
      const posted = await call<{ id: string }>(`${dl}/conversations/${conversationId}/activities`, {
        token,
        body: { ...message("What are your opening hours?", "unused"), channelData },
      });
      const echo = await socket.waitForActivity((a) => a.id === posted.body.id, "the echo");
      expect(echo).toMatchObject({
        type: "message",
        channelId: "directline",
        conversation: { id: conversationId },
        from: { id: userId, role: "user" },
        text: "What are your opening hours?",
        locale: "en-US",
        channelData,
      });
      expect(Date.parse(echo.timestamp)).not.toBeNaN();

      const reply = await socket.waitForActivity((a) => a.replyToId === posted.body.id, "the reply");
      expect(reply).toMatchObject({
        from: { id: "parley-agent", name: "Ava", role: "bot" },
        textFormat: "markdown",
        locale: "en",
        channelData: {
          parley: { poweredByAi: true, citations: [expect.objectContaining({ kind: "short_answer" })] },
        },
      });
      expect(reply.text).toContain("Source: What are your opening hours?");
      // Each frame of stored activities moves the watermark to the seq of its last one.
      expect(socket.sets.filter((set) => set.watermark).at(-1)?.watermark).toBe(
        reply.id.split("|")[1]?.replace(/^0+/, ""),
      );
      // While the agent worked, Web Chat was told to show it typing (stream only, no watermark).
      const typing = socket.sets.find((set) => set.activities.some((a) => (a.type as string) === "typing"));
      expect(typing).toMatchObject({
        activities: [{ from: { role: "bot" }, conversation: { id: conversationId } }],
      });
      expect(typing?.watermark).toBeUndefined();
    });

    it("takes Web Chat's first post verbatim and echoes it the way Web Chat waits for", async () => {
      const { token, conversationId, userId } = await grant(gateway.url);
      const socket = stream((await start(token)).body.streamUrl);
      const outgoing = fixture<Record<string, unknown>>("webchat_outgoing_message_first_post");
      const posted = await call<{ id: string }>(`${dl}/conversations/${conversationId}/activities`, {
        token,
        body: outgoing,
      });
      expect(posted.status).toBe(200);
      const echo = await socket.waitForActivity(
        (a) => a.id === posted.body.id,
        "the echo of Web Chat's post",
      );
      const [expected] = fixture<{ activities: Record<string, unknown>[] }>(
        "webchat_echo_back_in_activityset",
      ).activities;
      // serviceUrl is for bots, which Parley does not call back; every other field is there.
      const { serviceUrl: _bots, ...wanted } = expected!;
      expect(fieldsOf(echo)).toEqual(expect.arrayContaining(fieldsOf(wanted)));
      expect(echo).toMatchObject({
        ...wanted,
        id: posted.body.id,
        timestamp: expect.any(String),
        from: { id: userId, role: "user" },
        conversation: { id: conversationId },
      });
      const reply = await socket.waitForActivity((a) => a.replyToId === posted.body.id, "the reply");
      expect(reply.locale).toBe("sv");
    });

    it("replays the backlog to a new socket without a watermark, and only what is newer with one", async () => {
      const { token, conversationId } = await grant(gateway.url);
      const posted = await call<{ id: string }>(`${dl}/conversations/${conversationId}/activities`, {
        token,
        body: message("What are your opening hours?", "backlog-1"),
      });
      await waitFor(
        async () => (await threadMessages(gateway.testDb.database, conversationId)).length === 2,
        {
          timeoutMs: 20_000,
          message: "the reply to be stored",
        },
      );

      const started = await start(token);
      const replay = stream(started.body.streamUrl);
      await waitFor(() => replay.activities.length >= 3, { message: "the backlog" });
      expect(replay.sets[0]?.activities.map((a) => a.id)).toEqual([
        `${conversationId}|greeting`,
        posted.body.id,
        `${conversationId}|0000002`,
      ]);
      expect(replay.sets[0]?.watermark).toBe("2");

      const resumed = await call<Started>(`${dl}/conversations/${conversationId}?watermark=1`, { token });
      const after = stream(resumed.body.streamUrl);
      await waitFor(() => after.activities.length >= 1, { message: "the activities after watermark 1" });
      expect(after.activities.map((a) => a.id)).toEqual([`${conversationId}|0000002`]);
    });

    it("pages GET activities by watermark", async () => {
      const { token, conversationId } = await grant(gateway.url);
      const activities = `${dl}/conversations/${conversationId}/activities`;
      const empty = await call<ActivitySet>(activities, { token });
      expect(empty.body.activities.map((a) => a.id)).toEqual([`${conversationId}|greeting`]);
      expect(empty.body.watermark).toBe("0");
      expect((await call<ActivitySet>(`${activities}?watermark=0`, { token })).body.activities).toEqual([]);

      const one = await call<{ id: string }>(activities, {
        token,
        body: message("What are your opening hours?", "p-1"),
      });
      await waitFor(
        async () => (await threadMessages(gateway.testDb.database, conversationId)).length === 2,
        {
          timeoutMs: 20_000,
          message: "the first reply",
        },
      );
      const two = await call<{ id: string }>(activities, {
        token,
        body: message("Wat zijn jullie openingstijden?", "p-2"),
      });
      // Its answer too, so that nothing new can arrive between the reads below.
      await waitFor(
        async () => (await threadMessages(gateway.testDb.database, conversationId)).length === 4,
        { timeoutMs: 20_000, message: "the second reply" },
      );

      const all = await call<ActivitySet>(`${activities}?watermark=`, { token });
      const ids = all.body.activities.map((a: Activity) => a.id);
      expect(ids[0]).toBe(`${conversationId}|greeting`);
      expect(ids.slice(1, 4)).toEqual([one.body.id, `${conversationId}|0000002`, two.body.id]);
      const since = await call<ActivitySet>(`${activities}?watermark=2`, { token });
      expect(since.body.activities[0]?.id).toBe(two.body.id);
      expect(since.body.activities.some((a) => a.id.endsWith("|greeting"))).toBe(false);
      const last = since.body.watermark;
      const nothingNew = await call<ActivitySet>(`${activities}?watermark=${last}`, { token });
      expect(nothingNew.body).toEqual({ activities: [], watermark: last });
      const bad = await call(`${activities}?watermark=abc`, { token });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: "invalid_watermark" } });
    });

    it("acknowledges typing and events without storing them, and refuses malformed activities", async () => {
      const { token, conversationId } = await grant(gateway.url);
      const activities = `${dl}/conversations/${conversationId}/activities`;
      const typing = await call<{ id: string }>(activities, {
        token,
        body: { type: "typing", from: { id: "x" } },
      });
      expect(typing.status).toBe(200);
      expect(typing.body.id.startsWith(`${conversationId}|`)).toBe(true);
      const event = await call<{ id: string }>(activities, {
        token,
        body: { type: "event", name: "webchat/join" },
      });
      expect(event.status).toBe(200);
      expect(await threadMessages(gateway.testDb.database, conversationId)).toEqual([]);

      const untyped = await call(activities, { token, body: { text: "no type" } });
      expect(untyped.status).toBe(400);
      expect(untyped.body).toMatchObject({ error: { code: "invalid_request" } });
      const empty = await call(activities, { token, body: { type: "message", text: "   " } });
      expect(empty.status).toBe(400);
      expect(empty.body).toMatchObject({ error: { code: "empty_message" } });
      const tooLong = await call(activities, { token, body: { type: "message", text: "x".repeat(10_001) } });
      expect(tooLong.status).toBe(400);
    });

    it("stores the name, type and size of uploaded files with the message text", async () => {
      const { token, conversationId, userId } = await grant(gateway.url);
      const form = new FormData();
      const template = {
        type: "message",
        text: "Here is my receipt",
        from: { id: userId },
        channelData: { clientActivityID: "upload-1" },
        attachments: [{ contentType: "application/pdf", name: "receipt.pdf" }],
      };
      form.append(
        "activity",
        new Blob([JSON.stringify(template)], { type: "application/vnd.microsoft.activity" }),
      );
      form.append(
        "file",
        new Blob([Buffer.from("%PDF-1.4 receipt")], { type: "application/pdf" }),
        "receipt.pdf",
      );
      const res = await fetch(`${dl}/conversations/${conversationId}/upload?userId=${userId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: form,
      });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      expect(id).toBe(`${conversationId}|0000001`);
      const [stored] = await gateway.testDb.database.db
        .select({ text: messages.text, attachments: messages.attachments })
        .from(messages)
        .where(eq(messages.channelMessageId, `${conversationId}:upload-1`));
      expect(stored).toEqual({
        text: "Here is my receipt",
        attachments: [{ name: "receipt.pdf", contentType: "application/pdf", size: 16 }],
      });

      // A file without a word: stored, echoed as posted, and answered that only text can be read.
      const fileOnly = new FormData();
      const bare = { ...template, text: "", channelData: { clientActivityID: "upload-2" } };
      fileOnly.append(
        "activity",
        new Blob([JSON.stringify(bare)], { type: "application/vnd.microsoft.activity" }),
      );
      fileOnly.append("file", new Blob([Buffer.from("GIF89a")], { type: "image/gif" }), "cat.gif");
      const second = await fetch(`${dl}/conversations/${conversationId}/upload?userId=${userId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: fileOnly,
      });
      const { id: fileOnlyId } = (await second.json()) as { id: string };
      let listed: Activity[] = [];
      await waitFor(
        async () => {
          listed = (await call<ActivitySet>(`${dl}/conversations/${conversationId}/activities`, { token }))
            .body.activities;
          return listed.some((a) => a.replyToId === fileOnlyId);
        },
        { timeoutMs: 20_000, message: "the reply to a file-only message" },
      );
      expect(listed.find((a) => a.id === fileOnlyId)).toMatchObject({
        text: "",
        attachments: [{ contentType: "image/gif", name: "cat.gif" }],
        channelData: { clientActivityID: "upload-2" },
      });
      expect(listed.find((a) => a.id === fileOnlyId)?.channelData).toEqual({ clientActivityID: "upload-2" });
      expect(listed.find((a) => a.replyToId === fileOnlyId)?.text).toContain("I can only read text messages");

      const notMultipart = await call(`${dl}/conversations/${conversationId}/upload`, {
        token,
        body: template,
      });
      expect(notMultipart.status).toBe(400);
      expect(notMultipart.body).toMatchObject({ error: { code: "upload_not_multipart" } });
    });
  });

  describe(`widget token endpoint (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine, { env: { LIVECHAT_TOKEN_RATE_LIMIT: "20" } });
      const [demo] = await gateway.testDb.database.db
        .select()
        .from(channelAccounts)
        .where(eq(channelAccounts.externalId, "demo"));
      // A second widget, for one shop only and without an AI agent.
      await gateway.testDb.database.db.insert(channelAccounts).values({
        workspaceId: demo!.workspaceId,
        kind: "livechat",
        name: "Shop chat",
        externalId: "shop",
        settings: { allowedOrigins: ["https://shop.example"], title: "Shop support" },
      });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("gives a visitor a token for a new conversation, with the header to show", async () => {
      const res = await widgetToken(gateway.url, "demo", {
        body: { locale: "nl-NL" },
        origin: "https://any.example",
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        expires_in: 1800,
        header: {
          title: "Parley Demo Shop",
          poweredByAi: true,
          poweredByAiLabel: "Mogelijk gemaakt door AI",
        },
      });
      expect(res.body.userId).toMatch(/^dl_/);
      const other = await widgetToken(gateway.url, "demo");
      expect(other.body.conversationId).not.toBe(res.body.conversationId);
      expect(other.body.header.poweredByAiLabel).toBe("Powered by AI");
      const named = await widgetToken(gateway.url, "demo", {
        body: { user: { id: "visitor-7", name: "Kim" } },
      });
      expect(named.body.userId).toBe("dl_visitor-7");
      const invalid = await widgetToken(gateway.url, "demo", { body: { user: { id: "a b/c" } } });
      expect(invalid.status).toBe(400);
    });

    it("applies each widget's origin allow-list, and 404s an unknown widget", async () => {
      const allowed = await widgetToken(gateway.url, "shop", { origin: "https://shop.example" });
      expect(allowed.status).toBe(200);
      expect(allowed.body.header).toMatchObject({ title: "Shop support", poweredByAi: false });
      const serverSide = await widgetToken(gateway.url, "shop");
      expect(serverSide.status).toBe(200);
      const refused = await widgetToken(gateway.url, "shop", { origin: "https://evil.example" });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: "origin_not_allowed" } });
      const missing = await widgetToken(gateway.url, "no-such-widget");
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: { code: "widget_not_found" } });
    });
  });

  describe(`widget token rate limit (${engine})`, () => {
    let gateway: TestParley;
    beforeAll(async () => {
      gateway = await startTestParley(engine, { env: { LIVECHAT_TOKEN_RATE_LIMIT: "3" } });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it("answers 429 with Retry-After once an address asked too often in a minute", async () => {
      for (let i = 0; i < 3; i++) expect((await widgetToken(gateway.url)).status).toBe(200);
      const limited = await widgetToken(gateway.url);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: { code: "rate_limited" } });
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });
  });
}

describe("reply text as Markdown", () => {
  it("escapes everything Markdown would take for formatting, and keeps line breaks", () => {
    expect(asMarkdown("Open *daily* 9_17.\n1. Ring <bell>\n- or knock\n\nSource: A [b]")).toBe(
      "Open \\*daily\\* 9\\_17.  \n1\\. Ring \\<bell\\>  \n\\- or knock\n  \nSource: A \\[b\\]",
    );
  });
});
