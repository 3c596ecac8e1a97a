import http from "node:http";
import https from "node:https";
import { promisify } from "node:util";
import zlib from "node:zlib";

/**
 * HTTP requests to the services Parley calls on every message (the LLM, Meta's Graph API) over
 * node:http with keep-alive sockets. Node's global fetch does the same through WHATWG streams,
 * which measured at about twice the CPU per call (0.62 ms against 0.34 ms for a small JSON
 * exchange with a local OpenAI-compatible server, client and server in one process), and an
 * answering process makes one to four such calls per message.
 *
 * Deliberately small: a whole body in, a whole body out, no redirects (neither API sends any),
 * and a cap on what is read so a misbehaving server cannot fill the memory.
 */

/** The most a response body may hold; more is an error, not a truncation. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface OutboundRequest {
  method?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | Uint8Array | undefined;
  signal?: AbortSignal | undefined;
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);
/** The cap holds for what a compressed body unpacks to as well. */
const UNPACKED = { maxOutputLength: MAX_RESPONSE_BYTES };
const DECODERS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: (b) => gunzip(b, UNPACKED),
  "x-gzip": (b) => gunzip(b, UNPACKED),
  deflate: (b) => inflate(b, UNPACKED),
  br: (b) => brotliDecompress(b, UNPACKED),
};

/**
 * How often a request goes out again after a kept-alive connection turned out to be closed.
 * Each try takes another idle connection, or at last a new one, on which a reset is real.
 */
const STALE_CONNECTION_RETRIES = 3;

export function outboundRequest(url: string | URL, options: OutboundRequest = {}): Promise<OutboundResponse> {
  const target = typeof url === "string" ? new URL(url) : url;
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.reject(new TypeError(`unsupported protocol ${target.protocol}`));
  }
  return send(target, options, STALE_CONNECTION_RETRIES);
}

/**
 * Idle connections kept for reuse, per host. Node's global agents keep connections alive but
 * only 256 idle ones: after a burst of 1,000 conversations waiting on the LLM at once, the next
 * burst opened some 750 new connections (a TCP, for OpenAI also a TLS, handshake each, on the
 * cores that answer). This keeps as many as the answering process handles at once by default
 * (WORKER_CONCURRENCY); an idle connection still closes after Node's 5 s, as with the global agents.
 */
const KEEP_ALIVE = { keepAlive: true, maxFreeSockets: 1000, timeout: 5000 };
const HTTP_AGENT = new http.Agent(KEEP_ALIVE);
const HTTPS_AGENT = new https.Agent(KEEP_ALIVE);

function send(target: URL, options: OutboundRequest, staleRetries: number): Promise<OutboundResponse> {
  const secure = target.protocol === "https:";
  const transport = secure ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let answered = false;
    const req = transport.request(
      target,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        signal,
        agent: secure ? HTTPS_AGENT : HTTP_AGENT,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy(new Error(`response from ${target.host} is over ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (err) => reject(signal?.aborted ? abortError(signal) : err));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          const encoding = String(res.headers["content-encoding"] ?? "").toLowerCase();
          const decode = DECODERS[encoding];
          const body = decode ? decode(raw) : Promise.resolve(raw);
          body.then(
            (decoded) =>
              resolve({
                status: res.statusCode ?? 0,
                statusText: res.statusMessage ?? "",
                headers: res.headers,
                body: decoded,
              }),
            reject,
          );
        });
      },
    );
    req.on("error", (err) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      // The keep-alive race: the server closed an idle connection just as we sent on it (or we
      // were too busy to see it close), so the request never reached it. Node's documented
      // remedy is to send again; any other failure, and one on a new connection, is real.
      if (!answered && req.reusedSocket && isConnectionDrop(err) && staleRetries > 0) {
        send(target, options, staleRetries - 1).then(resolve, reject);
        return;
      }
      reject(err);
    });
    req.end(options.body);
  });
}

function isConnectionDrop(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** What fetch rejects with when its signal aborts: the signal's reason (a TimeoutError for AbortSignal.timeout). */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** Statuses whose response may not carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * `outboundRequest` in fetch's shape, for SDKs that take a `fetch` (the openai SDK). Bodies
 * other than text or bytes (form data, streams) go to the global fetch, which handles them all.
 */
export const outboundFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  const simpleBody =
    body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if (input instanceof Request || !simpleBody) return fetch(input, init);
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    headers[key] = value;
  });
  const res = await outboundRequest(input, {
    method: init?.method,
    headers,
    body: body ?? undefined,
    signal: init?.signal ?? undefined,
  });
  const responseHeaders = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    // The body is decoded already: passing these on would make a reader decode it again.
    if (key === "content-encoding" || key === "content-length") continue;
    for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
  }
  return new Response(NULL_BODY_STATUSES.has(res.status) ? null : new Uint8Array(res.body), {
    status: res.status,
    statusText: res.statusText,
    headers: responseHeaders,
  });
};
