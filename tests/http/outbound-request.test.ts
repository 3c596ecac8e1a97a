import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_RESPONSE_BYTES, outboundFetch, outboundRequest } from "../../src/http/outbound-request.js";

/** A local server whose routes answer the ways real APIs do; it records what it received. */
let server: Server;
let base: string;
const seen: Array<{
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  port: number;
}> = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  switch (req.url) {
    case "/echo":
      res.setHeader("content-type", "application/json");
      res.setHeader("x-request-id", "req-1");
      res.end(JSON.stringify({ method: req.method, body, contentType: req.headers["content-type"] ?? null }));
      return;
    case "/gzip":
      res.setHeader("content-encoding", "gzip");
      res.setHeader("content-type", "application/json");
      res.end(gzipSync(JSON.stringify({ zipped: true })));
      return;
    case "/bomb":
      res.setHeader("content-encoding", "gzip");
      res.end(gzipSync(Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0)));
      return;
    case "/empty":
      res.statusCode = 204;
      res.end();
      return;
    case "/limited":
      res.statusCode = 429;
      res.setHeader("retry-after", "7");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: { message: "slow down", code: 4 } }));
      return;
    case "/slow":
      setTimeout(() => res.end("late"), 2000).unref();
      return;
    case "/huge": {
      const chunk = Buffer.alloc(1024 * 1024, 97);
      let sent = 0;
      const push = () => {
        while (sent <= MAX_RESPONSE_BYTES && res.write(chunk)) sent += chunk.length;
        if (sent <= MAX_RESPONSE_BYTES) res.once("drain", push);
        else res.end();
      };
      res.on("error", () => {});
      push();
      return;
    }
    case "/v1/chat/completions":
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: "c1",
          object: "chat.completion",
          created: 0,
          model: "m",
          choices: [
            { index: 0, finish_reason: "stop", message: { role: "assistant", content: '{"ok":true}' } },
          ],
        }),
      );
      return;
    default:
      res.statusCode = 404;
      res.end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        port: req.socket.remotePort ?? 0,
      });
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("outboundRequest", () => {
  it("sends the method, headers and body, and returns status, headers and body", async () => {
    const res = await outboundRequest(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer t" },
      body: JSON.stringify({ hello: "wörld" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).toBe("req-1");
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({
      method: "POST",
      body: '{"hello":"wörld"}',
      contentType: "application/json",
    });
    const received = seen.at(-1)!;
    expect(received.headers.authorization).toBe("Bearer t");
    expect(received.headers["content-length"]).toBe(String(Buffer.byteLength('{"hello":"wörld"}')));
  });

  it("keeps the connection open between calls", async () => {
    await outboundRequest(`${base}/echo`);
    const first = seen.at(-1)!.port;
    await outboundRequest(`${base}/echo`);
    expect(seen.at(-1)!.port).toBe(first);
  });

  it("decodes a compressed body", async () => {
    const res = await outboundRequest(`${base}/gzip`);
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ zipped: true });
  });

  it("returns error statuses as responses, with their headers", async () => {
    const res = await outboundRequest(`${base}/limited`, { method: "POST", body: "{}" });
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("7");
  });

  it("rejects with the signal's reason when it times out", async () => {
    const err = await outboundRequest(`${base}/slow`, { signal: AbortSignal.timeout(50) }).catch((e) => e);
    expect((err as Error).name).toBe("TimeoutError");
  });

  it("rejects a refused connection, and an unsupported protocol", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(outboundRequest(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    await expect(outboundRequest("ftp://example.com/")).rejects.toThrow(/unsupported protocol/);
  });

  it("refuses a body over the cap instead of filling the memory, packed or not", async () => {
    await expect(outboundRequest(`${base}/huge`)).rejects.toThrow(/over \d+ bytes/);
    await expect(outboundRequest(`${base}/bomb`)).rejects.toThrow(/buffer|length|size/i);
  });
});

describe("outboundFetch", () => {
  it("answers like fetch: status, headers, json, and a 204 without a body", async () => {
    const res = await outboundFetch(`${base}/echo`, {
      method: "PUT",
      headers: new Headers({ "content-type": "text/plain" }),
      body: "hi",
    });
    expect(res.ok).toBe(true);
    expect(res.headers.get("x-request-id")).toBe("req-1");
    expect(await res.json()).toEqual({ method: "PUT", body: "hi", contentType: "text/plain" });
    const empty = await outboundFetch(new URL(`${base}/empty`));
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    const zipped = await outboundFetch(`${base}/gzip`);
    expect(zipped.headers.get("content-encoding")).toBeNull();
    expect(await zipped.json()).toEqual({ zipped: true });
  });

  it("carries the openai SDK's calls", async () => {
    const client = new OpenAI({
      apiKey: "sk-test",
      baseURL: `${base}/v1`,
      maxRetries: 0,
      fetch: outboundFetch,
    });
    const completion = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(completion.choices[0]?.message.content).toBe('{"ok":true}');
    const sent = seen.at(-1)!;
    expect(sent.headers.authorization).toBe("Bearer sk-test");
    expect(JSON.parse(sent.body)).toMatchObject({
      model: "m",
      messages: [{ role: "user", content: "hello" }],
    });
  });

  it("lets the openai SDK time a call out", async () => {
    const client = new OpenAI({
      apiKey: "sk-test",
      baseURL: `${base}/slow-api`,
      maxRetries: 0,
      timeout: 50,
      fetch: (_input, init) => outboundFetch(`${base}/slow`, init),
    });
    await expect(client.chat.completions.create({ model: "m", messages: [] })).rejects.toThrow(/timed out/i);
  });
});

describe("outboundRequest on kept-alive connections the server has closed", () => {
  /**
   * A server that drops the connection when a request arrives on a connection it has served
   * before (as a server closing an idle keep-alive connection just as the request is sent), or
   * on every connection with `dropFirst`; it records the connection of each request it saw.
   */
  async function droppingServer(options: { dropFirst: boolean }) {
    const served = new WeakMap<object, number>();
    const requests: number[] = [];
    const s = createServer((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      requests.push(req.socket.remotePort ?? 0);
      if (options.dropFirst || count > 1) {
        req.socket.destroy();
        return;
      }
      res.end("ok");
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    return {
      url,
      requests,
      close: async () => {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      },
    };
  }

  it("sends the request again on a new connection, once the kept-alive one turns out closed", async () => {
    const s = await droppingServer({ dropFirst: false });
    try {
      const first = await outboundRequest(s.url, { method: "POST", body: "one" });
      expect(first.body.toString()).toBe("ok");
      const second = await outboundRequest(s.url, { method: "POST", body: "two" });
      expect(second.body.toString()).toBe("ok");
      // The second went out on the first's connection, was dropped, and went again on a new one.
      expect(s.requests).toHaveLength(3);
      expect(s.requests[1]).toBe(s.requests[0]);
      expect(s.requests[2]).not.toBe(s.requests[0]);
    } finally {
      await s.close();
    }
  });

  it("does not send again when a new connection is dropped: that failure is real", async () => {
    const s = await droppingServer({ dropFirst: true });
    try {
      await expect(outboundRequest(s.url, { method: "POST", body: "once" })).rejects.toMatchObject({
        code: "ECONNRESET",
      });
      expect(s.requests).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});

describe("outboundRequest after a burst", () => {
  // More than the 256 idle connections Node's global agents keep.
  const BURST = 300;
  let burstServer: Server;
  let burstUrl: string;
  let connections = 0;
  let waiting: ServerResponse[] = [];

  beforeAll(async () => {
    // Answers only once the whole burst has arrived, so every request holds a connection of its own.
    burstServer = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        waiting.push(res);
        if (waiting.length < BURST) return;
        for (const held of waiting) held.end("{}");
        waiting = [];
      });
    });
    burstServer.keepAliveTimeout = 60_000;
    burstServer.on("connection", () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => burstServer.listen(0, "127.0.0.1", resolve));
    burstUrl = `http://127.0.0.1:${(burstServer.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    burstServer.closeAllConnections();
    await new Promise((resolve) => burstServer.close(resolve));
  });

  it("keeps a burst's connections for the next burst instead of opening them again", async () => {
    const burst = () =>
      Promise.all(
        Array.from({ length: BURST }, () => outboundRequest(burstUrl, { method: "POST", body: "{}" })),
      );
    await burst();
    expect(connections).toBe(BURST);
    const statuses = await burst();
    expect(statuses.every((r) => r.status === 200)).toBe(true);
    expect(connections).toBe(BURST);
  });
});
