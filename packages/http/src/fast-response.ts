// A Response that costs nothing to make. On Node 20, `new Response('hello')` builds a Web
// ReadableStream, a Headers object and undici's internal state: 10–20 µs, more than Node's
// whole `http` request. `FastResponse` keeps a string or bytes body as given and its header
// fields serialised once (validated, names lower-cased: what the server writes); the server
// copies both into its output buffer (a bytes body from 2 KiB on is sent from its own memory,
// in one gather write with the head: OutputBuffer.share). Anything else (`headers`, `body`, `text()`, `clone()`,
// …) builds the real Response on first use and delegates to it, so code that treats it as a
// Response still works, and `instanceof Response` is true. A body of another kind (a stream,
// a Blob, FormData, …) makes the real Response at once.
//
// `overrideGlobalResponse()` installs it as `globalThis.Response` (what @hono/node-server does
// by default), so a framework's `new Response(…)` and `c.text(…)` cost nothing either.
import { isToken } from './internal/parser.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { types } = process.getBuiltinModule('node:util');

const decoder = new TextDecoder();

/** The platform's Response once known (see platformResponse). */
let platform: typeof Response | undefined;
/**
 * Node 22 and later define the Fetch classes as V8 lazy data properties: they look like plain
 * values, and the first access of any kind (a read, `Object.getOwnPropertyDescriptor`) loads the
 * Fetch implementation (undici: on Node 24 ~2.3 MB of heap and 114 internal modules, tls, crypto,
 * http2 and zlib among them). Nothing can see or replace such a property without loading it, so
 * there @rt/http does not touch the global until it needs the platform's Response (see
 * `lazyParent` at the end of this file for `instanceof`).
 */
const lazyData = Number(process.versions.node.split('.', 1)[0]) >= 22;
/**
 * Node 20: Node's own accessor of `globalThis.Response` when it has not run yet (an accessor that
 * loads undici, ~2 MB of heap there, on its first read; reading the descriptor does not run it).
 * A server that answers with FastResponse never needs it, so it is left lazy (see the end of this
 * file). Undefined on Node 22 and later (above).
 */
const lazy = lazyData ? undefined : Object.getOwnPropertyDescriptor(globalThis, 'Response');

/** How many modules Node had loaded when {@link fetchLoaded} last looked and said no. */
let modulesSeen = -1;

/**
 * Whether Node has loaded its Fetch implementation (by anyone's access to a Fetch global, or
 * fetch()). Asked until it says yes (then the platform's Response is resolved and it is not asked
 * again): it looks through Node's list of loaded modules only when that list has grown.
 */
function fetchLoaded(): boolean {
  const list = (process as unknown as { moduleLoadList: readonly string[] }).moduleLoadList;
  if (list.length === modulesSeen) return false;
  modulesSeen = list.length;
  return list.includes('NativeModule internal/deps/undici/undici');
}

/**
 * The platform's Response, whatever `globalThis.Response` is later (overrideGlobalResponse, a
 * framework's own): loads it on first call when nothing has yet.
 */
export function platformResponse(): typeof Response {
  return platform ?? resolvePlatform();
}

/**
 * Reads the platform's Response (Node 20: through Node's lazy accessor, which replaces itself
 * with a plain value; Node 22 and later: the global as it is, which loads it), keeps a
 * `globalThis.Response` that someone else defined meanwhile, and makes `FastResponse.prototype`
 * inherit from the platform's prototype (so `instanceof Response`).
 */
function resolvePlatform(): typeof Response {
  if (lazyData) {
    let value = globalThis.Response as typeof Response | undefined;
    if (typeof value !== 'function') {
      throw new TypeError('@rt/http: the platform Response is not available (globalThis.Response was removed before anything read it)');
    }
    // A class another library put in the global after reading the platform's (@hono/node-server's
    // stand-in, a subclass) derives from it: the platform's is the root of its prototype chain,
    // below an Object.prototype (of any realm: rt may be loaded in a vm context).
    let root: object = value.prototype;
    for (let up = Object.getPrototypeOf(root) as object | null; up !== null && Object.getPrototypeOf(up) !== null; up = Object.getPrototypeOf(up) as object | null) root = up;
    const rootClass = (root as { constructor?: unknown }).constructor;
    if (typeof rootClass === 'function' && rootClass.prototype === root) value = rootClass as typeof Response;
    platform = value;
    Object.setPrototypeOf(FastResponse.prototype, value.prototype);
    return value;
  }
  const current = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  let value: typeof Response;
  if (lazy?.get !== undefined) {
    // Node's getter writes what it loaded to the global before returning it: where someone deleted
    // the global, that write would make a new non-configurable one (it is put back as it was
    // below), so it gets a configurable place to write to first.
    if (current === undefined) Object.defineProperty(globalThis, 'Response', { value: undefined, writable: true, configurable: true });
    try {
      value = lazy.get.call(globalThis) as typeof Response;
    } catch {
      // The write fails where someone made the global non-configurable meanwhile; the getter
      // keeps what it loaded before writing it and returns it when called again.
      value = lazy.get.call(globalThis) as typeof Response;
    }
  } else {
    value = globalThis.Response;
  }
  platform = value;
  if (current === undefined) delete (globalThis as { Response?: unknown }).Response;
  else if (current.get !== getGlobalResponse) Object.defineProperty(globalThis, 'Response', current);
  else if (Object.getOwnPropertyDescriptor(globalThis, 'Response')?.get === getGlobalResponse) {
    // An accessor that does not replace itself (not Node's): the value from now on.
    Object.defineProperty(globalThis, 'Response', { value, writable: true, configurable: true, enumerable: lazy?.enumerable ?? false });
  }
  Object.setPrototypeOf(FastResponse.prototype, value.prototype);
  return value;
}

/** The getter that stands in for Node's lazy one: the first read of `globalThis.Response` resolves the platform's. */
function getGlobalResponse(): typeof Response {
  resolvePlatform();
  return globalThis.Response;
}

const JSON_FIELDS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** Header fields the server owns: kept for the real Response, never written from a FastResponse. */
function serverOwned(name: string): boolean {
  return name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive';
}

/** `value` with leading and trailing spaces and tabs removed (what Headers does); a TypeError for a CR, LF or NUL. */
function fieldValue(name: string, value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) throw new TypeError(`FastResponse: invalid value for header ${name}`);
  }
  const n = value.length;
  if (n > 0 && (value.charCodeAt(0) <= 32 || value.charCodeAt(n - 1) <= 32)) return value.replace(/^[ \t]+|[ \t]+$/g, '');
  return value;
}

/** A response's own header fields, validated and serialised (see FastResponse). */
interface Fields {
  /** `name: value\r\n` lines, lower-case names, without the fields the server owns. */
  readonly text: string;
  readonly hasDate: boolean;
  readonly hasType: boolean;
  /** The fields the server owns (content-length, …), for the real Response only. */
  readonly owned: readonly [string, string][] | undefined;
  /** `text` with the default `content-type` of a string body added (made once per Fields). */
  withTextType?: string;
}

const NO_FIELDS: Fields = { text: '', hasDate: false, hasType: false, owned: undefined, withTextType: 'content-type: text/plain;charset=UTF-8\r\n' };

/**
 * The last plain-object `headers` serialised, by its own names and string values at the time:
 * a handler answering with the same header record each time (the usual case: a constant)
 * has it validated and serialised once. A record whose names or values differ in any way (or
 * has a value that is not a string) is serialised afresh.
 */
let lastNames: string[] = [];
let lastValues: string[] = [];
let lastFields: Fields = NO_FIELDS;

/**
 * Whether `record` has exactly the remembered names, in order, with the remembered values.
 * A `for…in` walk, not `Object.keys`: no array per response (an inherited enumerable name
 * makes it differ, and the record is then serialised afresh from its own names).
 */
function sameRecord(record: Record<string, unknown>): boolean {
  if (lastFields === NO_FIELDS) return false;
  const names = lastNames;
  let i = 0;
  for (const name in record) {
    if (i === names.length || name !== names[i] || record[name] !== lastValues[i]) return false;
    i++;
  }
  return i === names.length;
}

/**
 * Validates and serialises `headers` (what `new Response`'s `init.headers` takes); the
 * remembered record (see `lastFields`) is recognised here, before anything is made for a
 * serialisation (`serialiseFields` allocates its closure and its context on entry).
 */
function fieldsOf(headers: NonNullable<ResponseInit['headers']>): Fields {
  if (typeof headers === 'object' && typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function' && sameRecord(headers as Record<string, unknown>)) {
    return lastFields;
  }
  return serialiseFields(headers);
}

/** `fieldsOf` for a record it does not remember, or an iterable of pairs. */
function serialiseFields(headers: NonNullable<ResponseInit['headers']>): Fields {
  let text = '';
  let hasDate = false;
  let hasType = false;
  let owned: [string, string][] | undefined;
  const add = (rawName: string, rawValue: unknown): void => {
    if (!isToken(rawName)) throw new TypeError(`FastResponse: invalid header name ${JSON.stringify(rawName)}`);
    const name = rawName.toLowerCase();
    const value = fieldValue(name, String(rawValue));
    if (serverOwned(name)) {
      (owned ??= []).push([name, value]);
      return;
    }
    if (name === 'date') hasDate = true;
    else if (name === 'content-type') hasType = true;
    text += `${name}: ${value}\r\n`;
  };
  if (typeof headers === 'object' && typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    // A Headers, an array of pairs, or any other iterable of pairs (a Map), as Headers takes.
    for (const pair of headers as Iterable<[string, string]>) {
      if (pair === null || typeof pair !== 'object' || pair.length !== 2) throw new TypeError('FastResponse: a header must be a [name, value] pair');
      add(pair[0], pair[1]);
    }
    return { text, hasDate, hasType, owned };
  }
  if (typeof headers !== 'object') throw new TypeError('FastResponse: headers must be a Headers, an array of pairs or an object');
  const record = headers as Record<string, unknown>;
  const names = Object.keys(record);
  let strings = true;
  for (const name of names) {
    const value = record[name];
    if (typeof value !== 'string') strings = false;
    add(name, value);
  }
  const fields: Fields = { text, hasDate, hasType, owned };
  if (strings) {
    lastNames = names;
    lastValues = names.map((name) => record[name] as string);
    lastFields = fields;
  }
  return fields;
}

/**
 * A `Response` whose string or bytes body (or none) the server writes without building a Web
 * Response. Use it where a handler answers many small requests; it behaves as a Response
 * everywhere else (the real one is made on first use of anything but `status`, `statusText`,
 * `ok`, `type`, `url` and `redirected`). It takes what `new Response(body, init)` takes; a
 * body other than a string, bytes or null makes the real Response at once. A `Uint8Array` body
 * is kept, not copied (from 2 KiB on the server sends it from where it is, possibly after the
 * handler of a pipelined request behind it has run): do not change it before the response is
 * sent.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** `TypeError` for an invalid header name or value (a CR, LF or NUL), an invalid
 * status text, or a body with a status that has none (204, 205, 304); `RangeError` for a
 * status outside 200–599.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, () => new FastResponse('Hello, World!', { headers: { 'content-type': 'text/plain' } }));
 * ```
 */
export class FastResponse {
  /** @internal The body as given (bytes or text), null for none or when the real Response holds it. */
  readonly source: string | Uint8Array | null;
  /** @internal The header fields as `name: value\r\n` lines (lower-case names), without those the server owns. */
  readonly fieldText: string;
  /** @internal Whether the fields include a Date. */
  readonly hasDate: boolean;
  /** @internal Fields the server owns (content-length, …): kept for the real Response only. */
  readonly #owned: readonly [string, string][] | undefined;
  readonly #status: number;
  readonly #statusText: string;
  #real: Response | undefined;
  /** The body was read by text()/json()/arrayBuffer()/bytes() without the real Response. */
  #used = false;

  constructor(body?: ConstructorParameters<typeof Response>[0] | Uint8Array, init?: ResponseInit) {
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`FastResponse: status must be an integer in 200\u2013599, got ${String(status)}`);
    const statusText = init?.statusText ?? '';
    if (statusText !== '' && /[\r\n\0]/.test(statusText)) throw new TypeError('FastResponse: invalid status text');
    this.#status = status;
    this.#statusText = statusText;
    let source: string | Uint8Array | null;
    if (body === undefined || body === null) source = null;
    else if (typeof body === 'string' || body instanceof Uint8Array) source = body;
    else if (types.isAnyArrayBuffer(body)) source = new Uint8Array(body.slice(0));
    else if (ArrayBuffer.isView(body)) source = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    else {
      // A stream, Blob, FormData, URLSearchParams, …: the platform's Response does it.
      this.#real = new (platformResponse())(body, init);
      source = null;
    }
    if (source !== null && (status === 204 || status === 205 || status === 304)) {
      throw new TypeError(`FastResponse: a ${status} response cannot have a body`);
    }
    this.source = source;
    const headers = init?.headers;
    const fields = headers === undefined || headers === null ? NO_FIELDS : fieldsOf(headers);
    if (typeof source === 'string' && !fields.hasType) {
      this.fieldText = fields.withTextType ??= `${fields.text}content-type: text/plain;charset=UTF-8\r\n`;
    } else {
      this.fieldText = fields.text;
    }
    this.hasDate = fields.hasDate;
    this.#owned = fields.owned;
  }

  /** `Response.json` without the Web Response: the JSON text with `content-type: application/json`. */
  static json(data: unknown, init?: ResponseInit): FastResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('FastResponse.json: the value cannot be serialised as JSON');
    if (init?.headers === undefined) return new FastResponse(text, { ...init, headers: JSON_FIELDS });
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new FastResponse(text, { ...init, headers });
  }

  /** The platform's `Response.error()`. */
  static error(): Response {
    return platformResponse().error();
  }

  /** The platform's `Response.redirect(url, status)`. */
  static redirect(url: string | URL, status?: number): Response {
    return platformResponse().redirect(url, (status ?? 302) as Parameters<typeof Response.redirect>[1]);
  }

  /** @internal Whether `value` is a FastResponse whose real Response has not been made nor its body read (the server writes it directly). */
  static isUnmaterialized(value: unknown): boolean {
    return typeof value === 'object' && value !== null && #status in value && (value as FastResponse).#real === undefined && !(value as FastResponse).#used;
  }

  /** The header fields as [name, value] pairs (lower-case names). */
  #pairs(): [string, string][] {
    const pairs: [string, string][] = [];
    for (const line of this.fieldText.split('\r\n')) {
      if (line === '') continue;
      const colon = line.indexOf(': ');
      pairs.push([line.slice(0, colon), line.slice(colon + 2)]);
    }
    if (this.#owned !== undefined) pairs.push(...this.#owned);
    return pairs;
  }

  #response(): Response {
    if (this.#real === undefined) {
      this.#real = new (platformResponse())(this.source as string | null, { status: this.#status, statusText: this.#statusText, headers: this.#pairs() });
      if (this.#used) void this.#real.arrayBuffer(); // read by text()/json()/…: the real one is used too
    }
    return this.#real;
  }

  /** The body read without the real Response (once), or undefined when only the real one can. */
  #take(): string | Uint8Array | null | undefined {
    if (this.#real !== undefined) return undefined;
    if (this.#used) throw new TypeError('Body is unusable: the body was already read');
    this.#used = true;
    return this.source;
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status < 300;
  }
  get headers(): Headers {
    return this.#response().headers;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#response().body;
  }
  get bodyUsed(): boolean {
    return this.#used || (this.#real?.bodyUsed ?? false);
  }
  get type(): 'default' {
    return 'default';
  }
  get url(): string {
    return '';
  }
  get redirected(): boolean {
    return false;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      const source = this.#take();
      if (source === undefined) return this.#response().arrayBuffer();
      if (source === null) return Promise.resolve(new ArrayBuffer(0));
      const bytes = typeof source === 'string' ? Buffer.from(source) : source;
      return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  blob(): Promise<Blob> {
    return this.#response().blob();
  }
  formData(): Promise<FormData> {
    return this.#response().formData();
  }
  json(): Promise<unknown> {
    if (this.#real !== undefined) return this.#real.json();
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
  text(): Promise<string> {
    try {
      const source = this.#take();
      if (source === undefined) return this.#response().text();
      if (source === null) return Promise.resolve('');
      return Promise.resolve(typeof source === 'string' ? source : decoder.decode(source));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  bytes(): Promise<Uint8Array> {
    return this.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }
  clone(): Response {
    if (this.#used) throw new TypeError('Response.clone: the body was already read');
    return this.#response().clone();
  }
  /** Whether the real Response was made (then the server uses it). */
  get materialized(): boolean {
    return this.#real !== undefined;
  }
  /** @internal The real Response, made now if it was not. */
  toResponse(): Response {
    return this.#response();
  }
}
// Until the platform's Response is loaded, FastResponse.prototype inherits nothing from it: its
// own tag and inspection, as the platform's (`Object.prototype.toString` says Response; console.log
// shows what it shows for a Response).
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');
Object.defineProperty(FastResponse.prototype, Symbol.toStringTag, { value: 'Response', configurable: true });
Object.defineProperty(FastResponse.prototype, inspectCustom, {
  value(this: FastResponse, ...args: unknown[]): unknown {
    const inspect = (platformResponse().prototype as unknown as Record<symbol, ((...args: unknown[]) => unknown) | undefined>)[inspectCustom];
    return inspect === undefined ? { ...this } : inspect.apply(this, args);
  },
  writable: true,
  configurable: true,
});
if (lazyData) {
  if (fetchLoaded()) {
    // Loaded already (an earlier read of a Fetch global, or fetch()): nothing to keep lazy.
    resolvePlatform();
  } else {
    // Nobody can hold the platform's Response before something touches the global (which loads
    // it), so until then FastResponse.prototype's parent is a stand-in whose [[GetPrototypeOf]]
    // answers the platform's prototype once the Fetch implementation is loaded (and links
    // FastResponse.prototype to it for good), Object.prototype before: `x instanceof Response`
    // and `Response.prototype.isPrototypeOf(x)` are what they would be with the link made at
    // load. Property look-ups that reach it go on to Object.prototype.
    const lazyParent: object = new Proxy(Object.create(Object.prototype) as object, {
      getPrototypeOf(): object {
        if (platform === undefined && !fetchLoaded()) return Object.prototype;
        try {
          return platformResponse().prototype;
        } catch {
          return Object.prototype; // the global was removed before anything read it: no Response to be an instance of
        }
      },
    });
    Object.setPrototypeOf(FastResponse.prototype, lazyParent);
  }
} else if (lazy?.get !== undefined && lazy.configurable === true) {
  // Node's lazy accessor: stand in for it, so the first read of `globalThis.Response` (by anyone:
  // `x instanceof Response`, `new Response`, overrideGlobalResponse) links FastResponse first. A
  // write (`globalThis.Response = X`) keeps X, after the platform's is resolved.
  Object.defineProperty(globalThis, 'Response', {
    get: getGlobalResponse,
    set(value: unknown) {
      resolvePlatform();
      Object.defineProperty(globalThis, 'Response', { value, writable: true, configurable: true, enumerable: lazy.enumerable ?? false });
    },
    configurable: true,
    enumerable: lazy.enumerable ?? false,
  });
} else {
  resolvePlatform();
}

/** What `overrideGlobalResponse` installs: a FastResponse for which every Response is `instanceof`. */
class GlobalResponse extends FastResponse {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof platformResponse();
  }
}
Object.defineProperty(GlobalResponse, 'name', { value: 'Response' });

/**
 * Makes `globalThis.Response` a {@link FastResponse} (as @hono/node-server does by default), so
 * the `new Response(…)` of any handler or framework costs nothing to make and the server writes
 * it directly. Every Response (also those `fetch()` returns) stays `instanceof Response`.
 * Returns a function that puts the platform's Response back. Idempotent.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * overrideGlobalResponse();
 * serve({ port: 8080 }, app.fetch); // Hono's c.text() now makes a FastResponse
 * ```
 */
export function overrideGlobalResponse(): () => void {
  // The platform's first (Node 22 and later: the global is not read before it is replaced).
  platformResponse();
  const previous = globalThis.Response;
  if (previous === (GlobalResponse as unknown)) return () => undefined;
  const set = (value: unknown): void => {
    Object.defineProperty(globalThis, 'Response', { value, writable: true, configurable: true, enumerable: false });
  };
  set(GlobalResponse);
  return () => {
    if (globalThis.Response === (GlobalResponse as unknown)) set(previous);
  };
}
