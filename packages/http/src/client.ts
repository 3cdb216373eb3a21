// The HTTP/1.1 client. How and why:
//
// - A pool per origin (scheme, host, port): idle keep-alive connections in a LIFO stack, and
//   a Semaphore of `connectionsPerOrigin` permits; a request holds a permit from checkout
//   until its response body has been read to the end (the connection goes back to the pool)
//   or abandoned (it is closed). One unref'd timer per client, armed while a connection is
//   idle, closes those idle for `idleTimeout` (oldest first: the bottom of each stack).
// - Requests are encoded into one buffer (head and a known-size body) and written at once; a
//   ReadableStream body goes out chunked, written as the stream yields (backpressure).
// - Responses are parsed with the server's parser (`parseResponseHead`, strict, 502 for a
//   malformed response) and returned as a standard `Response` whose body streams from the
//   socket as it is read.
// - A request written on a reused connection that finds it closed before any byte of the
//   answer (the server timed it out) is retried once on a new connection when it can be
//   (no stream body).
// - Split in two: this module (the class, its options, their validation: a bad option throws
//   at once) is what `@rt/http` loads; the implementation (internal/client-core.ts: pools,
//   connections, the exchange, and @rt/sync's Semaphore) is imported by the first `fetch` of
//   the process, so a server that never fetches never loads it (@rt/http README, "What a
//   server loads").
import { throwIfCancelled } from '@rt/scheduler';
import type { TcpStream } from '@rt/net/tcp';
import type { HttpStream } from './internal/body.js';
import type { ParserLimits } from './internal/parser.js';
import type { ClientCore } from './internal/client-core.js';

/** What `HttpClient`'s `tls` option takes: `@rt/tls`'s `TlsConnector` has this shape. */
export interface TlsConnectorLike {
  connect(serverName: string, stream: TcpStream, options: { signal?: AbortSignal }): Promise<HttpStream>;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Connections open at once to one origin; default 16. More requests wait for one. */
  readonly connectionsPerOrigin?: number;
  /** How long an idle connection is kept for reuse, in ms; default 30 s. Then it is closed (a timer, without waiting for the next fetch). */
  readonly idleTimeout?: number;
  /** For `https:` URLs. */
  readonly tls?: TlsConnectorLike;
  /** Largest response head, in bytes; default 64 KiB. */
  readonly maxHeaderSize?: number;
  /** Most redirects followed; default 20 (the Fetch standard's). */
  readonly maxRedirects?: number;
}

/** An HttpClient's options, validated (what the implementation takes). */
export interface ClientConfig {
  readonly perOrigin: number;
  readonly idleTimeout: number;
  readonly tls: TlsConnectorLike | undefined;
  readonly limits: ParserLimits;
  readonly maxRedirects: number;
}

/** @internal The signal a fetch of `input` with `init` answers to: `init.signal`, else a Request's own. */
export function requestSignal(input: string | URL | Request, init: RequestInit): AbortSignal | undefined {
  return init.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
}

/** The implementation's module, once the first fetch of the process asked for it. */
let clientCore: Promise<typeof import('./internal/client-core.js')> | undefined;

/**
 * A keep-alive HTTP/1.1 client on rt sockets; `fetch` returns a standard `Response`.
 *
 * **Cancellation:** `init.signal` aborts the connect, the write, the wait for the answer and the
 * body stream; the connection is then closed (never returned to the pool half-read).
 *
 * **Errors:** `TypeError` for a bad URL or scheme (and for an `https:` URL without `tls`),
 * `HttpError` (status 502) for a malformed response, the socket's `NetError`, `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await using client = new HttpClient();
 * const response = await client.fetch('http://127.0.0.1:8080/');
 * console.log(response.status, await response.text());
 * ```
 */
export class HttpClient {
  readonly #config: ClientConfig;
  /** The implementation, from the first `fetch` on. */
  #core: ClientCore | undefined;
  #closed = false;

  constructor(options: HttpClientOptions = {}) {
    const count = (value: number | undefined, fallback: number, what: string): number => {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`HttpClient: ${what} must be a non-negative integer, got ${String(value)}`);
      return value;
    };
    const perOrigin = Math.max(1, count(options.connectionsPerOrigin, 16, 'connectionsPerOrigin'));
    const idleTimeout = count(options.idleTimeout, 30_000, 'idleTimeout');
    const maxRedirects = count(options.maxRedirects, 20, 'maxRedirects');
    const maxHeaderSize = Math.max(1024, count(options.maxHeaderSize, 64 * 1024, 'maxHeaderSize'));
    const limits = { maxRequestLine: maxHeaderSize, maxHeaderSize, maxHeaders: 1000, maxBodySize: Number.MAX_SAFE_INTEGER };
    if (options.tls !== undefined && typeof (options.tls as { connect?: unknown }).connect !== 'function') {
      throw new TypeError('HttpClient: tls must have a connect(serverName, stream, { signal }) method');
    }
    this.#config = { perOrigin, idleTimeout, tls: options.tls, limits, maxRedirects };
  }

  /** Idle connections in the pool, over all origins. */
  get idleConnections(): number {
    return this.#core?.idleConnections ?? 0;
  }

  /**
   * Sends a request and resolves with the response once its head has arrived; the body
   * streams. `input`/`init` are those of the global `fetch` (method, headers, body — a
   * string, bytes, `URLSearchParams`, `Blob`, `FormData` or a `ReadableStream` with
   * `duplex: 'half'` — signal, redirect).
   *
   * Redirects (301, 302, 303, 307, 308) are followed as the Fetch standard says with
   * `redirect: 'follow'` (303, and 301/302 after a POST, become a GET without body;
   * `Authorization` is dropped across origins), refused with `'error'`, returned with `'manual'`.
   *
   * **Cancellation:** see the class. A response whose body is never read holds its connection
   * until the body is cancelled or read: read or cancel every body.
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * const response = await client.fetch('http://127.0.0.1:8080/items', { method: 'POST', body: JSON.stringify({ a: 1 }) });
   * ```
   */
  async fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    if (this.#closed) throw new TypeError('HttpClient: the client is closed');
    if (this.#core !== undefined) return this.#core.fetch(input, init);
    const signal = requestSignal(input, init);
    const abortedBefore = signal?.aborted === true;
    const core = await this.#start();
    // Aborted while the implementation loaded: Cancelled, what the connect it replaced throws
    // (an abort before the call is the implementation's: the signal's reason, as ever).
    if (!abortedBefore && signal !== undefined) throwIfCancelled({ signal });
    return core.fetch(input, init);
  }

  /** Loads the implementation (the first fetch of the process imports its module) and makes this client's. */
  async #start(): Promise<ClientCore> {
    const { ClientCore } = await (clientCore ??= import('./internal/client-core.js'));
    // Made closed when close() came while the module loaded: a connection is then never pooled.
    return (this.#core ??= new ClientCore(this.#config, this.#closed));
  }

  /**
   * Closes the idle connections and refuses new requests; connections lent to responses close
   * when their bodies end.
   *
   * **Cancellation:** not applicable (nothing to wait for).
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#core?.close();
    return Promise.resolve();
  }

  /** `await using client = new HttpClient()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
