// Serialising responses. The expensive part of the Fetch handler shape is the Response body:
// reading `new Response('hello')` through its ReadableStream costs microseconds per request.
// Undici keeps the value a Response was built from (`body.source`: a string or bytes) in the
// response's internal state; `fastBody` looks that state up once per process by probing a
// Response it makes itself, and falls back to the stream when the probe finds nothing (another
// Fetch implementation, a Node version that moved it) or the body was touched.

import { platformResponse } from '../fast-response.js';

/** The symbol of undici's state, found on the first real Response written (null: none); see fastBody. */
let STATE: symbol | null | undefined;

/** Finds the symbol by making a Response of the platform's (only ever asked with one at hand: loading it costs nothing more then). */
function probeState(): symbol | null {
  try {
    const probe = new (platformResponse())('probe');
    for (const symbol of Object.getOwnPropertySymbols(probe)) {
      const state = (probe as unknown as Record<symbol, { body?: { source?: unknown } } | undefined>)[symbol];
      if (state?.body?.source === 'probe') return symbol;
    }
  } catch {
    // no Fetch Response in this runtime: always the stream path
  }
  return null;
}

/**
 * The bytes a Response was built from when they are known without reading its stream: a
 * string or bytes, `null` for no body, `undefined` when only the stream can tell.
 */
export function fastBody(response: Response): string | Uint8Array | null | undefined {
  if (STATE === undefined) STATE = probeState();
  if (STATE === null) return undefined;
  const state = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } | null } | undefined>)[STATE];
  if (state === undefined) return undefined;
  const body = state.body;
  if (body === null || body === undefined) return null;
  if (response.bodyUsed || body.stream?.locked === true) return undefined;
  const source = body.source;
  if (typeof source === 'string' || source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return undefined;
}

export const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information',
  204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict',
  410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large', 414: 'URI Too Long',
  415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 422: 'Unprocessable Content',
  426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

const STATUS_LINES = new Map<number, string>();
/** `HTTP/1.1 200 OK\r\n` (cached for the standard reasons). */
export function statusLine(status: number, statusText: string): string {
  if (statusText === '' || statusText === REASONS[status]) {
    let line = STATUS_LINES.get(status);
    if (line === undefined) {
      line = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\n`;
      STATUS_LINES.set(status, line);
    }
    return line;
  }
  return `HTTP/1.1 ${status} ${statusText.replace(/[\r\n]/g, ' ')}\r\n`;
}

let dateLine = '';
/**
 * `Date: <IMF-fixdate>\r\n`, formatted once per second: a timer (unref'd) clears it at the
 * next second, so a request pays no clock read (Node's http does the same).
 */
export function dateHeader(): string {
  if (dateLine === '') {
    const now = Date.now();
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
    setTimeout(expireDate, 1000 - (now % 1000)).unref();
  }
  return dateLine;
}
function expireDate(): void {
  dateLine = '';
}

/** Buffer's unchecked string writers (present on Node 20–26); `write` with its argument checks otherwise. */
type Writer = (this: Buffer, text: string, offset: number, length?: number) => number;
const proto = Buffer.prototype as unknown as { latin1Write?: Writer; utf8Write?: Writer };
const latin1Write: Writer = typeof proto.latin1Write === 'function' ? proto.latin1Write : function (this: Buffer, text, offset) {
  return this.write(text, offset, 'latin1');
};
const utf8Write: Writer = typeof proto.utf8Write === 'function' ? proto.utf8Write : function (this: Buffer, text, offset) {
  return this.write(text, offset, 'utf8');
};

let lastText = '';
let lastLength = 0;
/**
 * `Buffer.byteLength(text)`, remembered for the last long text: a handler that answers with
 * the same string each time (a cached document) has it measured once, not on every request.
 */
export function utf8Length(text: string): number {
  if (text.length < 256) return Buffer.byteLength(text);
  if (text !== lastText) {
    lastText = text;
    lastLength = Buffer.byteLength(text);
  }
  return lastLength;
}

/** Bytes bodies from this size on are written from their own memory, not copied (OutputBuffer.bodyBytes). */
const SHARE_MIN = 2048;

/**
 * One growable output buffer per connection: responses are encoded into it, then written at
 * once. Bytes that need no encoding can also be appended by reference (`share`): they are sent
 * from where they are (with the copied bytes before them in the same write), and copied in only
 * when something is appended after them.
 */
export class OutputBuffer {
  buffer = Buffer.allocUnsafe(16 * 1024);
  /** Bytes copied into `buffer` (the `tail`, if any, comes after them). */
  length = 0;
  /** Bytes to send after `buffer`'s first `length`, from their own memory (see `share`); undefined for none. */
  tail: Uint8Array | undefined = undefined;

  /** The last view handed out: the same bytes again (keep-alive answers of one size) reuse it. */
  #view: Buffer | undefined;
  /** The buffer `#view` was cut from (compared by identity: no `.buffer`/`.byteOffset` getter calls). */
  #viewOf: Buffer | undefined;

  /** All the bytes waiting: those copied in and the tail. */
  get size(): number {
    const tail = this.tail;
    return tail === undefined ? this.length : this.length + tail.length;
  }

  /** The copied bytes (not the tail); valid until the next append or clear (the caller writes them first). */
  view(): Buffer {
    const view = this.#view;
    if (view !== undefined && this.#viewOf === this.buffer && view.length === this.length) return view;
    this.#viewOf = this.buffer;
    return (this.#view = this.buffer.subarray(0, this.length));
  }

  clear(): void {
    this.length = 0;
    this.tail = undefined;
    if (this.buffer.length > 1024 * 1024) this.buffer = Buffer.allocUnsafe(16 * 1024);
  }

  reserve(n: number): void {
    if (this.tail !== undefined) this.copyTail();
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Copies the tail in after the copied bytes (something is appended after it, or the stream cannot gather). */
  copyTail(): void {
    const tail = this.tail;
    if (tail === undefined) return;
    this.tail = undefined;
    this.bytes(tail);
  }

  latin1(text: string): void {
    this.reserve(text.length);
    this.length += latin1Write.call(this.buffer, text, this.length, text.length);
  }

  /** `text` as UTF-8; `bytes` is its UTF-8 length (`utf8Length`). */
  utf8(text: string, bytes: number): void {
    this.reserve(bytes);
    // As many bytes as UTF-16 units: ASCII, whose latin1 bytes are its UTF-8 bytes, and
    // latin1Write is a plain copy (a 4 KiB JSON text in about half utf8Write's time).
    if (bytes === text.length) this.length += latin1Write.call(this.buffer, text, this.length, bytes);
    else this.length += utf8Write.call(this.buffer, text, this.length, bytes);
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * A response body given as bytes: copied when small (cheaper than a second piece in the
   * write), else shared (see `share`).
   */
  bodyBytes(bytes: Uint8Array): void {
    if (bytes.length < SHARE_MIN) this.bytes(bytes);
    else this.share(bytes);
  }

  /**
   * Appends `bytes` by reference: they must not change until written (`clear`). A later
   * append copies them in first.
   */
  share(bytes: Uint8Array): void {
    if (this.tail !== undefined) this.copyTail();
    this.tail = bytes;
  }
}
