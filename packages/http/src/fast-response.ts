// A Response that costs nothing to make. On Node 20, `new Response('hello')` builds a Web
// ReadableStream, a Headers object and undici's internal state: 10–20 µs, more than Node's
// whole `http` request. `FastResponse` keeps the body (a string or bytes) and the init as they
// were given; the server writes them directly. Anything else (`headers`, `body`, `text()`,
// `clone()`, …) builds the real Response on first use and delegates to it, so code that
// treats it as a Response still works, and `instanceof Response` is true.
// (@hono/node-server's "lightweight Response" is the same idea, installed globally there.)

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\0\r\n]/;

/** The header fields of a `FastResponse` init as [lower-case name, value] pairs. */
export function initFields(headers: ResponseInit['headers']): [string, string][] {
  if (headers === undefined) return [];
  if (headers instanceof Headers) return [...headers];
  const pairs: [string, string][] = [];
  const entries = Array.isArray(headers) ? headers : Object.entries(headers as Record<string, string>);
  for (const entry of entries) {
    const [name, value] = entry as [string, string];
    const text = String(value);
    if (!TOKEN.test(name)) throw new TypeError(`FastResponse: invalid header name ${JSON.stringify(name)}`);
    if (UNSAFE_VALUE.test(text)) throw new TypeError(`FastResponse: invalid value for header ${name}`);
    pairs.push([name.toLowerCase(), text.trim()]);
  }
  return pairs;
}

/**
 * A `Response` with a string or bytes body (or none) that the server writes without building
 * a Web Response. Use it where a handler answers many small requests; behaves as a Response
 * everywhere else (the real one is made on first use of anything but `status`).
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** `TypeError` for an invalid header name or value (a CR, LF or NUL), or a status
 * outside 200–599.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, () => new FastResponse('Hello, World!', { headers: { 'content-type': 'text/plain' } }));
 * ```
 */
export class FastResponse {
  /** @internal */ readonly source: string | Uint8Array | null;
  /** @internal */ readonly fields: [string, string][];
  readonly #status: number;
  readonly #statusText: string;
  #real: Response | undefined;

  constructor(body: string | Uint8Array | null = null, init: ResponseInit = {}) {
    if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('FastResponse: body must be a string, a Uint8Array or null');
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`FastResponse: status must be an integer in 200–599, got ${String(status)}`);
    this.source = body;
    this.#status = status;
    this.#statusText = init.statusText ?? '';
    this.fields = initFields(init.headers);
    if (typeof body === 'string' && !this.fields.some(([name]) => name === 'content-type')) this.fields.push(['content-type', 'text/plain;charset=UTF-8']);
  }

  /** `Response.json` without the Web Response: the JSON text with `content-type: application/json`. */
  static json(data: unknown, init: ResponseInit = {}): FastResponse {
    const fields = initFields(init.headers);
    if (!fields.some(([name]) => name === 'content-type')) fields.unshift(['content-type', 'application/json']);
    return new FastResponse(JSON.stringify(data), { ...init, headers: fields });
  }

  #response(): Response {
    this.#real ??= new Response(this.source as string | null, { status: this.#status, statusText: this.#statusText, headers: this.fields });
    return this.#real;
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
    return this.#real?.bodyUsed ?? false;
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
    return this.#response().arrayBuffer();
  }
  blob(): Promise<Blob> {
    return this.#response().blob();
  }
  formData(): Promise<FormData> {
    return this.#response().formData();
  }
  json(): Promise<unknown> {
    return this.#response().json();
  }
  text(): Promise<string> {
    return this.#response().text();
  }
  clone(): Response {
    return this.#response().clone();
  }
  /** Whether the real Response was made (then the server uses it). */
  get materialized(): boolean {
    return this.#real !== undefined;
  }
}
Object.setPrototypeOf(FastResponse.prototype, Response.prototype);
