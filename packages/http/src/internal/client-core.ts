// HttpClient's implementation (see client.ts for how and why): the pools, the connections and
// the exchange. Loaded by the first `fetch` of any HttpClient, with an `import()` (once per
// process): a server that never fetches never loads it, nor @rt/sync's Semaphore (@rt/http
// README, "What a server loads").
import { Semaphore, type SemaphorePermit } from '@rt/sync/semaphore';
import { TcpStream } from '@rt/net/tcp';
import { HttpError } from '../errors.js';
import { BodyReader, type HttpStream } from './body.js';
import { bodyStream } from './body-stream.js';
import { MAX_TIMER_DELAY } from './timer.js';
import { Framing, InputBuffer, parseResponseHead, type Head, type ParserLimits } from './parser.js';
import { FastResponse, platformResponse } from '../fast-response.js';
import { requestSignal, type ClientConfig, type TlsConnectorLike } from '../client.js';

interface PooledConnection {
  stream: HttpStream;
  input: InputBuffer;
  idleSince: number;
  reused: boolean;
}

interface Pool {
  permits: Semaphore;
  idle: PooledConnection[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const encoder = new TextEncoder();

type Body = Uint8Array | ReadableStream<Uint8Array> | null;

export class ClientCore {
  readonly #pools = new Map<string, Pool>();
  readonly #perOrigin: number;
  readonly #idleTimeout: number;
  readonly #tls: TlsConnectorLike | undefined;
  readonly #limits: ParserLimits;
  readonly #maxRedirects: number;
  readonly #open = new Set<HttpStream>();
  #closed: boolean;
  /** Closes the idle connections past idleTimeout; armed while any connection is idle (unref'd: it keeps no process alive). */
  #reaper: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(config: ClientConfig, closed: boolean) {
    this.#perOrigin = config.perOrigin;
    this.#idleTimeout = config.idleTimeout;
    this.#tls = config.tls;
    this.#limits = config.limits;
    this.#maxRedirects = config.maxRedirects;
    this.#closed = closed;
  }

  /** Idle connections in the pool, over all origins. */
  get idleConnections(): number {
    let n = 0;
    for (const pool of this.#pools.values()) n += pool.idle.length;
    return n;
  }

  /** HttpClient.fetch once the client is known open: see there. */
  async fetch(input: string | URL | Request, init: RequestInit): Promise<Response> {
    let url: URL;
    let method = init.method?.toUpperCase();
    let headers: Headers;
    let body: Body = null;
    let contentType: string | null = null;
    const signal = requestSignal(input, init);
    if (input instanceof Request) {
      url = new URL(input.url);
      method ??= input.method;
      headers = new Headers(init.headers ?? input.headers);
      if (init.body === undefined && input.body !== null) body = input.body;
    } else {
      url = new URL(String(input));
      headers = new Headers(init.headers);
    }
    method ??= 'GET';
    if (init.body !== undefined && init.body !== null) {
      [body, contentType] = await normalizeBody(init.body);
    }
    if (contentType !== null && !headers.has('content-type')) headers.set('content-type', contentType);
    const redirect = init.redirect ?? 'follow';
    for (let redirects = 0; ; redirects++) {
      signal?.throwIfAborted();
      const response = await this.#send(url, method, headers, body, signal ?? undefined);
      if (!REDIRECTS.has(response.status) || redirect === 'manual') return finish(response, url, redirects > 0);
      const location = response.headers.get('location');
      if (location === null) return finish(response, url, redirects > 0);
      await response.body?.cancel();
      if (redirect === 'error') throw new TypeError(`HttpClient: redirect to ${location} with redirect: 'error'`);
      if (redirects >= this.#maxRedirects) throw new TypeError(`HttpClient: more than ${this.#maxRedirects} redirects`);
      const next = new URL(location, url);
      if (response.status === 303 && method !== 'HEAD' || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
      } else if (body instanceof ReadableStream) {
        throw new TypeError('HttpClient: cannot follow a redirect with a streamed request body');
      }
      if (next.origin !== url.origin) headers.delete('authorization');
      url = next;
    }
  }

  async #send(url: URL, method: string, headers: Headers, body: Body, signal: AbortSignal | undefined): Promise<Response> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`HttpClient: unsupported scheme ${url.protocol}`);
    if (url.protocol === 'https:' && this.#tls === undefined) throw new TypeError('HttpClient: an https: URL needs the tls option');
    const origin = `${url.protocol}//${url.host}`;
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = { permits: new Semaphore(this.#perOrigin), idle: [] };
      this.#pools.set(origin, pool);
    }
    const permit = await pool.permits.acquire(signal === undefined ? undefined : { signal });
    const head = encodeHead(method, url, headers, body);
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#checkout(pool, url, signal).catch((error: unknown) => {
        permit.release();
        throw error;
      });
      try {
        return await this.#exchange(pool, permit, connection, method, head, body, signal);
      } catch (error) {
        this.#discard(connection);
        const retry = attempt === 0 && connection.reused && error instanceof StaleConnection && !(body instanceof ReadableStream);
        if (!retry) {
          permit.release();
          throw error instanceof StaleConnection ? new HttpError(502, 'ERR_RT_HTTP_INCOMPLETE', 'the server closed the connection before answering') : error;
        }
      }
    }
  }

  async #checkout(pool: Pool, url: URL, signal: AbortSignal | undefined): Promise<PooledConnection> {
    const now = Date.now();
    for (let idle = pool.idle.pop(); idle !== undefined; idle = pool.idle.pop()) {
      if (now - idle.idleSince < this.#idleTimeout) {
        idle.reused = true;
        return idle;
      }
      this.#discard(idle);
    }
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const tcp = await TcpStream.connect({ host, port }, signal === undefined ? undefined : { signal });
    tcp.setNoDelay(true);
    let stream: HttpStream = tcp;
    if (secure) {
      try {
        stream = await this.#tls!.connect(host, tcp, signal === undefined ? {} : { signal });
      } catch (error) {
        tcp.close();
        throw error;
      }
    }
    this.#open.add(stream);
    return { stream, input: new InputBuffer(), idleSince: now, reused: false };
  }

  /** Arms the reaper; a delay past what one Node timer can wait (2^31 - 1 ms: Node waits 1 ms instead) is cut to that, and the reaper re-arms from there. */
  #armReaper(delay: number): void {
    this.#reaper = setTimeout(this.#reap, Math.min(delay, MAX_TIMER_DELAY));
    this.#reaper.unref();
  }

  /** Each idle stack is oldest first: closes the connections idle for idleTimeout, re-arms for the next oldest. */
  readonly #reap = (): void => {
    this.#reaper = undefined;
    const now = Date.now();
    let oldest = Infinity;
    for (const pool of this.#pools.values()) {
      const idle = pool.idle;
      let expired = 0;
      while (expired < idle.length && now - idle[expired]!.idleSince >= this.#idleTimeout) this.#discard(idle[expired++]!);
      if (expired > 0) idle.splice(0, expired);
      if (idle.length > 0) oldest = Math.min(oldest, idle[0]!.idleSince);
    }
    if (oldest !== Infinity) this.#armReaper(oldest + this.#idleTimeout - now);
  };

  #discard(connection: PooledConnection): void {
    connection.stream.close();
    this.#open.delete(connection.stream);
  }

  async #exchange(pool: Pool, permit: SemaphorePermit, connection: PooledConnection, method: string, head: Uint8Array, body: Body, signal: AbortSignal | undefined): Promise<Response> {
    const stream = connection.stream;
    const options = signal === undefined ? undefined : { signal };
    await stream.writeAll(head, options);
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (value.length === 0) continue;
          await stream.writeAll(encoder.encode(`${value.length.toString(16)}\r\n`), options);
          await stream.writeAll(value, options);
          await stream.writeAll(encoder.encode('\r\n'), options);
        }
        await stream.writeAll(encoder.encode('0\r\n\r\n'), options);
      } catch (error) {
        void reader.cancel(error).catch(() => undefined);
        throw error;
      }
    }
    const input = connection.input;
    let responseHead: Head | undefined;
    let received = false;
    for (;;) {
      responseHead = parseResponseHead(input, this.#limits, method);
      if (responseHead !== undefined) {
        if (responseHead.status >= 100 && responseHead.status < 200 && responseHead.status !== 101) continue; // 100 Continue and friends
        break;
      }
      let n: number;
      try {
        n = await stream.read(input.spare(), options);
      } catch (error) {
        if (!received && connection.reused && (error as { code?: unknown }).code === 'ECONNRESET') throw new StaleConnection();
        throw error;
      }
      if (n === 0) {
        if (!received && input.buffered === 0) throw new StaleConnection();
        throw new HttpError(502, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a response head');
      }
      received = true;
      input.commit(n);
    }
    const parsed = responseHead;
    const fill = async (into?: Uint8Array): Promise<number> => {
      if (into !== undefined) return stream.read(into, options);
      const n = await stream.read(input.spare(64 * 1024), options);
      input.commit(n);
      return n;
    };
    const reader = parsed.framing === Framing.None ? undefined : new BodyReader(input, fill, parsed, Number.MAX_SAFE_INTEGER);
    let released = false;
    const release = (reuse: boolean): void => {
      if (released) return;
      released = true;
      if (reuse && parsed.keepAlive && parsed.framing !== Framing.UntilClose && !this.#closed && input.buffered === 0) {
        connection.idleSince = Date.now();
        pool.idle.push(connection);
        if (this.#reaper === undefined) this.#armReaper(this.#idleTimeout);
      } else {
        this.#discard(connection);
      }
      permit.release();
    };
    if (parsed.status === 205 && method !== 'HEAD') {
      // Reset Content has no content (RFC 9110 §15.3.6): its Response has a null body (the
      // platform refuses any other). A body the server framed anyway is not read, so the
      // connection is reused only when that body is empty and already here.
      const rest = reader?.takeBuffered();
      release(reader === undefined || rest?.length === 0);
      return new (platformResponse())(null, { status: 205, statusText: parsed.reason, headers: parsed.entries() });
    }
    const nullBody = parsed.status === 204 || parsed.status === 304 || parsed.status === 101 || method === 'HEAD';
    let responseBody: ReadableStream<Uint8Array> | Uint8Array | null = null;
    const whole = nullBody ? undefined : reader?.takeBuffered();
    if (whole !== undefined) {
      // The whole body came with the head (the usual small answer): copy it out, give the
      // connection back now, and answer with a FastResponse that owns the bytes (no Web
      // stream; text()/json()/arrayBuffer() read them directly).
      const bytes = new Uint8Array(whole);
      release(true);
      if (parsed.status >= 200 && parsed.status <= 599) return new FastResponse(bytes, { status: parsed.status, statusText: parsed.reason, headers: parsed.entries() }) as unknown as Response;
      responseBody = bytes;
    } else if (reader === undefined) {
      release(true);
      if (!nullBody) responseBody = new ReadableStream({ start: (c) => c.close() });
    } else {
      // Done: the connection goes back to the pool; an error or a cancel discards it.
      responseBody = bodyStream(reader, (error) => release(error === undefined));
    }
    // Pairs, not a Headers: the Response builds its own Headers from them (once).
    const headers = parsed.entries();
    return new (platformResponse())(nullBody ? null : responseBody, { status: parsed.status, statusText: parsed.reason, headers });
  }

  /** HttpClient.close: see there. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#reaper);
    this.#reaper = undefined;
    for (const pool of this.#pools.values()) {
      for (const connection of pool.idle) this.#discard(connection);
      pool.idle.length = 0;
    }
  }

}

/** The reused connection was closed by the server before any byte of the answer. */
class StaleConnection extends Error {}

function finish(response: Response, url: URL, redirected: boolean): Response {
  Object.defineProperty(response, 'url', { value: url.href });
  if (redirected) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

async function normalizeBody(body: NonNullable<RequestInit['body']>): Promise<[Uint8Array | ReadableStream<Uint8Array>, string | null]> {
  if (typeof body === 'string') return [encoder.encode(body), 'text/plain;charset=UTF-8'];
  if (body instanceof Uint8Array) return [body, null];
  if (body instanceof ArrayBuffer) return [new Uint8Array(body), null];
  if (ArrayBuffer.isView(body)) return [new Uint8Array(body.buffer, body.byteOffset, body.byteLength), null];
  if (body instanceof ReadableStream) return [body as ReadableStream<Uint8Array>, null];
  // URLSearchParams, Blob, FormData: let the platform encode them (and name their type).
  const response = new (platformResponse())(body);
  return [new Uint8Array(await response.arrayBuffer()), response.headers.get('content-type')];
}

const FORBIDDEN = new Set(['connection', 'content-length', 'transfer-encoding', 'host', 'keep-alive']);

/** The request head, with a known-size body appended (one write). */
function encodeHead(method: string, url: URL, headers: Headers, body: Body): Uint8Array {
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of headers) if (!FORBIDDEN.has(name)) text += `${name}: ${value}\r\n`;
  if (body instanceof ReadableStream) text += 'transfer-encoding: chunked\r\n';
  else if (body !== null) text += `content-length: ${body.length}\r\n`;
  else if (method === 'POST' || method === 'PUT' || method === 'PATCH') text += 'content-length: 0\r\n';
  text += '\r\n';
  // Buffer.from of a short string comes from Node's pool: no buffer of its own per request.
  if (body === null || body instanceof ReadableStream) return Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(text, 'latin1'), body]);
}
