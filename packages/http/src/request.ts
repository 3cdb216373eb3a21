import type { SocketAddr } from '@rt/net/tcp';
import { platformResponse } from './fast-response.js';
import type { BodyReader } from './internal/body.js';
import { bodyDisturbed, bodyStream } from './internal/body-stream.js';
import type { Head } from './internal/parser.js';

/** What the connection gives a request: its body, and a signal made on first use. */
export interface RequestSource {
  readonly head: Head;
  readonly body: BodyReader | undefined;
  readonly scheme: 'http' | 'https';
  readonly localHost: string;
  readonly signal: AbortSignal;
  /** Called once when the body has been read to its end, failed (`error`), or was cancelled by the handler (`cancelled`). */
  bodyDone(error?: unknown, cancelled?: boolean): void;
}

const EMPTY = new Uint8Array(0);

/**
 * The last URL `IncomingRequest.url` made and what it was made of: a request with the same
 * scheme, Host (or local address when it has none), CONNECT-ness and target reuses the string,
 * compared in place in the head's text (no slice, no concatenation per request).
 */
const lastUrl: { scheme: string; host: string; localHost: string; method: string; target: string; url: string; head: Head | undefined } = {
  scheme: '', host: '', localHost: '', method: '', target: '', url: '',
  /** The head the URL was made or found for: the same head (the parser's repeated-head memo) needs no comparison. */
  head: undefined,
};

/** Whether `text[start, end)` is exactly `expected`, without slicing. */
function sameSlice(text: string, start: number, end: number, expected: string): boolean {
  return end - start === expected.length && text.startsWith(expected, start);
}

/** Whether `head` would make its URL from the same scheme, host and method class as `lastUrl`'s. */
function sameOrigin(head: Head, scheme: string, localHost: string): boolean {
  if (lastUrl.url === '' || scheme !== lastUrl.scheme || (head.method === 'CONNECT') !== (lastUrl.method === 'CONNECT')) return false;
  if (head.hostStart < 0) return lastUrl.host === '' && localHost === lastUrl.localHost;
  return lastUrl.host !== '' && sameSlice(head.text, head.hostStart, head.hostEnd, lastUrl.host);
}

/**
 * The request a handler receives: the Fetch `Request` interface, built lazily from the parsed
 * head (the URL, the `Headers` and the body stream are made on first access, so a handler
 * that reads only `method` and `url` costs one string per request). It is not an
 * `instanceof Request`; `toRequest()` makes a real one when code needs that.
 *
 * The body can be read once, as `body` (a byte `ReadableStream` that reads the socket only as
 * the consumer pulls: backpressure reaches the client through TCP; a BYOB reader gets the bytes
 * read into its own buffer) or with `text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()` or
 * `formData()`.
 *
 * **Cancellation:** the body methods take no signal; `signal` aborts when the client goes away
 * (also in the middle of the body) or a shutdown outlives its timeout, and a pending body read
 * then rejects. `body.cancel()` is safe at any point: the unread rest is drained (at most
 * 64 KiB) or the connection closed after the answer, never read as the next request; a read
 * pending at the cancel resolves as done.
 *
 * **Errors:** `TypeError` when the body is read twice; `HttpError` 413 when a chunked body
 * outgrows `limits.maxBodySize`, 400 when the client closes in the middle of the body.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, async (request) => Response.json({ got: await request.json() }));
 * ```
 */
export class IncomingRequest {
  readonly #source: RequestSource;
  #url: string | undefined;
  #headers: Headers | undefined;
  #body: ReadableStream<Uint8Array> | null | undefined;
  #used = false;
  /** The peer's address. */
  readonly remoteAddr: SocketAddr;
  // The Fetch Request's fixed attributes: getters on the prototype (FIXED, below).
  declare readonly cache: string;
  declare readonly credentials: string;
  declare readonly destination: string;
  declare readonly integrity: string;
  declare readonly keepalive: boolean;
  declare readonly mode: string;
  declare readonly redirect: string;
  declare readonly referrer: string;
  declare readonly referrerPolicy: string;
  declare readonly duplex: string;

  /** @internal */
  constructor(source: RequestSource, remoteAddr: SocketAddr) {
    this.#source = source;
    this.remoteAddr = remoteAddr;
  }

  /** The method as sent (case-sensitive, e.g. `GET`). */
  get method(): string {
    return this.#source.head.method;
  }

  /** The absolute URL: the scheme, the Host header (or the local address), then the target. */
  get url(): string {
    if (this.#url === undefined) {
      const source = this.#source;
      const head = source.head;
      if (head === lastUrl.head && source.scheme === lastUrl.scheme && source.localHost === lastUrl.localHost) {
        this.#url = lastUrl.url; // the same head as the last one (a repeated request)
      } else if (sameOrigin(head, source.scheme, source.localHost) && sameSlice(head.text, head.targetStart, head.targetEnd, lastUrl.target)) {
        this.#url = lastUrl.url; // the same URL as the last one made (the usual case under load)
        lastUrl.head = head;
        lastUrl.localHost = source.localHost;
      } else {
        const target = head.target;
        let url: string;
        if (target.charCodeAt(0) === 47 /* / */) url = `${source.scheme}://${head.host || source.localHost}${target}`;
        else if (head.method === 'CONNECT' || target === '*') url = `${source.scheme}://${head.host || source.localHost}/`;
        else url = target;
        lastUrl.scheme = source.scheme;
        lastUrl.host = head.host;
        lastUrl.localHost = source.localHost;
        lastUrl.method = head.method === 'CONNECT' ? 'CONNECT' : '';
        lastUrl.target = target;
        lastUrl.url = url;
        lastUrl.head = head;
        this.#url = url;
      }
    }
    return this.#url;
  }

  /** The request target exactly as sent (`/path?query`). */
  get target(): string {
    return this.#source.head.target;
  }

  /** The header fields (a `Headers`, made on first access). */
  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      for (const [name, value] of this.#source.head.entries()) headers.append(name, value);
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** Aborts when the client goes away or a server shutdown outlives its timeout. */
  get signal(): AbortSignal {
    return this.#source.signal;
  }

  /** The body as a byte stream (`type: 'bytes'`: BYOB readers read into their own buffers), or null for a request without one. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === undefined) {
      const reader = this.#source.body;
      if (reader === undefined || (reader.done && !this.#used)) {
        this.#body = null;
      } else {
        const stream = bodyStream(reader, (error, cancelled) => this.#source.bodyDone(error, cancelled));
        // Read (or being read) by text()/json()/arrayBuffer(): as Fetch's, the stream is there
        // but disturbed and locked, never a second reader of the same bytes.
        if (this.#used) stream.getReader();
        this.#body = stream;
      }
    }
    return this.#body;
  }

  /** Whether the body has been read (or its stream taken). */
  get bodyUsed(): boolean {
    return this.#used || (this.#body != null && (this.#body.locked || bodyDisturbed(this.#body)));
  }

  async #bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: the request body was already read');
    // A request without a body (GET, Content-Length: 0) reads as empty every time and is
    // never "used" (Fetch: bodyUsed is false while the body is null).
    const body = this.#body;
    if (body !== undefined) {
      if (body === null) return EMPTY;
      this.#used = true;
      return new Uint8Array(await new (platformResponse())(body).arrayBuffer());
    }
    const reader = this.#source.body;
    if (reader === undefined || reader.done) return EMPTY;
    this.#used = true;
    // Never a view of the connection's input buffer: once bodyDone has been called the
    // connection may read into it (the signal's watch), over the body (text() decodes a body
    // buffered whole there itself, before bodyDone).
    const whole = reader.readWhole(this.#source);
    if (whole !== undefined) return new Uint8Array(await whole);
    try {
      const bytes = await reader.readAll();
      this.#source.bodyDone();
      return bytes;
    } catch (error) {
      this.#source.bodyDone(error);
      throw error;
    }
  }

  /** The body decoded as UTF-8. */
  async text(): Promise<string> {
    // A Content-Length body already buffered whole is decoded where it lies (no copy), and
    // before bodyDone: from then on the connection may read into its input buffer (the
    // signal's watch for a client that leaves), over the body's bytes.
    const reader = this.#source.body;
    if (reader !== undefined && this.#body === undefined && !this.#used) {
      const buffered = reader.takeBuffered();
      if (buffered !== undefined) {
        this.#used = true;
        const text = buffered.toString('utf8');
        this.#source.bodyDone();
        return text;
      }
    }
    const bytes = await this.#bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** The body parsed as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  /**
   * The body as a new ArrayBuffer. A Content-Length body nothing has read yet is read from the
   * socket straight into one ArrayBuffer of its size, in one async frame (`BodyReader.readWhole`).
   */
  arrayBuffer(): Promise<ArrayBuffer> {
    const reader = this.#source.body;
    if (reader !== undefined && this.#body === undefined && !this.#used) {
      const whole = reader.readWhole(this.#source);
      if (whole !== undefined) {
        this.#used = true;
        return whole;
      }
    }
    return this.#copyOfBytes();
  }

  async #copyOfBytes(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    // #bytes() never hands out a view of the connection's input: bytes that fill their
    // ArrayBuffer (readWhole()'s, readAll()'s) are handed over without a copy.
    if (bytes.length > 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
      return bytes.buffer as ArrayBuffer;
    }
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }


  /** The body as a new Uint8Array. */
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  /** The body as a Blob typed by Content-Type. */
  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  /** The body parsed as `multipart/form-data` or `application/x-www-form-urlencoded`. */
  async formData(): Promise<FormData> {
    const type = this.headers.get('content-type') ?? '';
    return new (platformResponse())(await this.arrayBuffer(), { headers: { 'content-type': type } }).formData();
  }

  /** A real Fetch `Request` with this method, URL, headers, signal and (streamed) body. */
  toRequest(): Request {
    const hasBody = this.method !== 'GET' && this.method !== 'HEAD';
    const body = hasBody ? this.body : null;
    if (body !== null) this.#used = true;
    const init: RequestInit & { duplex?: 'half' } = { method: this.method, headers: this.headers, signal: this.signal, body, duplex: 'half' };
    return new Request(this.url, init);
  }

  /** A copy whose body is a tee of this one's; both can then be read. */
  clone(): Request {
    const body = this.body;
    if (body === null) return this.toRequest();
    const [a, b] = body.tee();
    this.#body = a;
    const init: RequestInit & { duplex?: 'half' } = { method: this.method, headers: this.headers, signal: this.signal, body: b, duplex: 'half' };
    return new Request(this.url, init);
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

/** The Fetch Request's fixed attributes, as a server sees them. */
const FIXED = {
  cache: 'default',
  credentials: 'same-origin',
  destination: '',
  integrity: '',
  keepalive: false,
  mode: 'cors',
  redirect: 'follow',
  referrer: 'about:client',
  referrerPolicy: '',
  duplex: 'half',
} as const;
// Getters on the prototype: nothing per request.
for (const [name, value] of Object.entries(FIXED)) Object.defineProperty(IncomingRequest.prototype, name, { get: () => value, configurable: true });
