// The HTTP/1.1 server. How and why:
//
// - One rt task per connection ('http connection') runs a loop: parse the next request head
//   from the connection's InputBuffer (reading more when needed), spawn the handler as its
//   own task ('http request', visible in dump(), its id in ctx.taskId) and start it at once
//   (`startNow`: its first segment runs inside the connection's, so a handler that answers
//   synchronously has answered when the spawn returns), take or await its Response, encode it
//   into the connection's OutputBuffer, and go on. Pipelined requests are therefore
//   answered strictly in order; a burst already in the buffer is answered with one write.
// - Request bodies are read by the handler, through the same InputBuffer, only when it asks
//   (ReadableStream with highWaterMark 0), so a fast client cannot make the server buffer an
//   unbounded body: TCP pushes back. What the handler leaves unread is drained (up to 64 KiB)
//   or the connection closes.
// - Timeouts cost nothing per read: each connection has a `deadline` (a number), set when it
//   starts waiting for a head, a body chunk or a write, and one sweeper task per server checks
//   them every `tick` ms. A connection past its deadline gets its 408 (if a request had begun)
//   and its socket closed, which makes its pending read or write reject.
// - ctx.signal is made on first use. When the handler asks for it and has read the body, the
//   connection reads ahead (cancel safe) so that end of stream from the client aborts the signal
//   and the request task at once. A handler that does not ask gets the same watch from the
//   sweeper once it has run for a tick or two (a fast handler never pays for it), so a client
//   that leaves a slow handler aborts its task and frees the connection all the same.
import { JoinError, spawn, type JoinHandle } from '@rt/scheduler';
import { RESOLVED, isThenable, spawnUnstarted, startNow } from '@rt/scheduler/primitives';
import { TcpListener, WouldBlock, type SocketAddr, type TcpStream } from '@rt/net/tcp';
import { Instant, sleep, timeout } from '@rt/time';
import { currentClock, type TurnClock } from '@rt/time/primitives';
import { HttpError } from './errors.js';
import { BodyReader, type HttpStream } from './internal/body.js';
import { Framing, INITIAL_CAPACITY, InputBuffer, parseRequestHead, type Head, type ParserLimits } from './internal/parser.js';
import { dateHeader, fastBody, OutputBuffer, statusLine, utf8Length } from './internal/response-writer.js';
import { MAX_TIMER_DELAY } from './internal/timer.js';
import { IncomingRequest, type RequestSource } from './request.js';
import { FastResponse, platformResponse } from './fast-response.js';

/** Limits of {@link serve}; every one has a safe default. Times are in milliseconds. */
export interface ServerLimits {
  /** Longest request line (method, target, version); default 8 KiB. Longer: 414. */
  readonly maxRequestLine?: number;
  /** Longest request head (request line and header fields); default 16 KiB. Longer: 431. */
  readonly maxHeaderSize?: number;
  /** Most header fields in a request; default 100. More: 431. */
  readonly maxHeaders?: number;
  /** Largest request body; default 16 MiB. Larger: 413 (at once for Content-Length, when reached for chunked). */
  readonly maxBodySize?: number;
  /** Time to receive a whole request head once it has begun (slowloris); default 10 s. Then: 408 and close. */
  readonly headerTimeout?: number;
  /** Time a kept-alive connection may wait for its next request; default 5 s. Then: closed. */
  readonly keepAliveTimeout?: number;
  /** Time the handler may wait for one body read, and a response write for the client to take it; default 30 s. */
  readonly ioTimeout?: number;
  /**
   * Time to receive a whole request body, from the handler's first read of it; default 5 min
   * (Node's `requestTimeout`). A body read still waiting then: 408 and close (a close alone once
   * the answer has begun). Bounds a client that trickles its body a byte at a time (every read
   * progresses, so `ioTimeout` never fires). `Infinity`: no limit (a server whose handlers take
   * long streamed uploads on purpose; Node's `requestTimeout: 0`).
   */
  readonly bodyTimeout?: number;
  /** Requests served on one connection before it is closed (`Connection: close` on the last); default 10,000. */
  readonly maxRequestsPerConnection?: number;
  /** Open connections; one more is answered 503 and closed; default 10,000. */
  readonly maxConnections?: number;
}

type Required_ = { readonly [K in keyof ServerLimits]-?: number };

const DEFAULT_LIMITS: Required_ = {
  maxRequestLine: 8 * 1024,
  maxHeaderSize: 16 * 1024,
  maxHeaders: 100,
  maxBodySize: 16 * 1024 * 1024,
  headerTimeout: 10_000,
  keepAliveTimeout: 5_000,
  ioTimeout: 30_000,
  bodyTimeout: 300_000,
  maxRequestsPerConnection: 10_000,
  maxConnections: 10_000,
};

function checkLimits(limits: ServerLimits | undefined): Required_ & ParserLimits {
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) throw new TypeError('serve: limits must be an object');
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`serve: unknown limit ${JSON.stringify(key)}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0) || (!Number.isSafeInteger(value) && value !== Infinity)) {
      throw new RangeError(`serve: limits.${key} must be a positive integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out as unknown as Required_ & ParserLimits;
}

/**
 * What `serve`'s `tls` option takes: anything that turns an accepted byte stream into a
 * decrypted one. `@rt/tls`'s `TlsAcceptor` has this shape; so does a test double.
 */
export interface TlsAcceptorLike {
  accept(stream: TcpStream, options: { signal: AbortSignal }): Promise<HttpStream>;
}

/** The second argument of a handler. */
export interface ServeContext {
  /** Aborts when the client goes away (end of stream while the handler runs) or `shutdown()` outlives its timeout. */
  readonly signal: AbortSignal;
  /** The client's address. */
  readonly remoteAddr: SocketAddr;
  /** The id of the task running this request (as in `dump()` and `JoinHandle.id`). */
  readonly taskId: number;
}

/** A Fetch-shaped handler: `Request` in, `Response` (or its promise) out. */
export type Handler = (request: Request, ctx: ServeContext) => Response | FastResponse | Promise<Response | FastResponse>;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** A bound listener to serve (the server closes it on shutdown). Else `hostname` + `port` are bound. */
  readonly listener?: TcpListener;
  /** Address to bind; default `127.0.0.1`. */
  readonly hostname?: string;
  /** Port to bind; default 0 (any free port: read `server.addr`). */
  readonly port?: number;
  /** Serves HTTPS: each accepted stream goes through `tls.accept` first (see {@link TlsAcceptorLike}). */
  readonly tls?: TlsAcceptorLike;
  /** See {@link ServerLimits}. */
  readonly limits?: ServerLimits;
  /** Aborting it shuts the server down (as `shutdown()` with the default timeout). */
  readonly signal?: AbortSignal;
  /**
   * Called with errors a handler threw (default: one line on stderr); the client gets 500. Not
   * called when the handler failed because the server itself closed the connection at a
   * deadline (its `SocketClosed` is the timeout, already answered 408 when one was owed).
   */
  readonly onError?: (error: unknown, request: Request) => void;
}

/** Options of {@link HttpServer.shutdown}. */
export interface ShutdownOptions {
  /** How long in-flight requests may take before they are aborted, in ms; default 10 s (`Infinity`: as long as they take). */
  readonly timeout?: number;
}

/** The spawn options of every request task. */
const REQUEST_TASK = { name: 'http request' } as const;
/** The task that reads ahead for a slow handler that did not ask for ctx.signal (so dump() names what waits on the read). */
const CLOSE_WATCH_TASK = { name: 'http close watch' } as const;
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const DRAIN_LIMIT = 64 * 1024;
/**
 * A Content-Length body larger than this does not fit the head read (the input buffer's first
 * size): the next head read of its connection is cut down to about the head's size (see
 * `Connection.#headSpare`).
 */
const LARGE_BODY = INITIAL_CAPACITY;

/** Whether an error only says the peer went away. */
const NOT_YET = Symbol('not yet');

/** Resolves with NOT_YET after this turn's I/O: what "the stream has nothing now" waits for. */
function nextTurn(): Promise<typeof NOT_YET> {
  return new Promise((resolve) => setImmediate(resolve, NOT_YET));
}

/** A response body chunk as bytes (a string chunk is encoded); anything else is a TypeError. */
function chunkBytes(value: unknown): Uint8Array {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('a response body chunk must be a Uint8Array');
  return bytes;
}

function isDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // OS errors carry the errno name in `code` (Node's contract); rt's own conditions ERR_RT_*.
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_RT_SOCKET_CLOSED' || code === 'ERR_RT_BROKEN_PIPE' ||
    code === 'ERR_RT_CANCELLED';
}

/**
 * Serves HTTP/1.1 with a Fetch-shaped handler: binds (or takes) a listener, then accepts in a
 * background task. Each request runs as its own rt task; see the file comment for keep-alive,
 * pipelining, bodies and timeouts.
 *
 * Responses get `Date`, and `Content-Length` when the body's size is known (a string, bytes,
 * or the handler's own header) or `Transfer-Encoding: chunked` when it is a stream (HTTP/1.1;
 * HTTP/1.0 clients get the body delimited by close). HEAD, 1xx, 204 and 304 answers never carry
 * a body. `Expect: 100-continue` is answered when the handler first reads the body.
 *
 * **Cancellation:** aborting `options.signal` shuts the server down; the returned promise
 * covers only the bind (no signal: it is quick).
 *
 * **Errors:** `TypeError`/`RangeError` for bad options or limits; the bind's `NetError`
 * (`EADDRINUSE`, …).
 *
 * **Example**
 * ```ts
 * await using server = await serve({ port: 0 }, () => new Response('Hello, World!'));
 * const response = await fetch(`http://${server.addr.toString()}/`);
 * console.log(await response.text()); // Hello, World!
 * ```
 */
export async function serve(options: ServeOptions, handler: Handler): Promise<HttpServer> {
  if (typeof options !== 'object' || options === null) throw new TypeError('serve: options must be an object');
  if (typeof handler !== 'function') throw new TypeError('serve: handler must be a function');
  const limits = checkLimits(options.limits);
  if (options.tls !== undefined && typeof (options.tls as { accept?: unknown }).accept !== 'function') {
    throw new TypeError('serve: tls must have an accept(stream, { signal }) method');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`serve: port must be an integer in 0\u201365535, got ${String(port)}`);
  const listener = options.listener ?? (await TcpListener.bind({ host: options.hostname ?? '127.0.0.1', port }));
  return new HttpServer(listener, handler, limits, options);
}

interface ConnectionState {
  stream: HttpStream | undefined;
  task: JoinHandle<void> | undefined;
  /** When to give up on the current wait (ms on the rt clock), Infinity when none. */
  deadline: number;
  /** 408 when a request had begun (the client is owed an answer), 0 to close silently. */
  timeoutStatus: number;
  /** Waiting for a request with nothing buffered: shutdown may close it at once. */
  idle: boolean;
  /** The running request, for shutdown to abort. */
  request: RequestState | undefined;
  /** The server closed this connection's socket at a deadline (#kill): its handler's disconnect is the server's doing, not reported. */
  killed: boolean;
}

/**
 * A running HTTP server (from {@link serve}).
 *
 * **Cancellation:** `shutdown` is idempotent and takes no signal: its timeout bounds it.
 *
 * **Errors:** none of its own; handler errors become 500 responses and `onError` calls.
 *
 * **Example**
 * ```ts
 * const server = await serve({ port: 8080 }, handler);
 * process.on('SIGTERM', () => void server.shutdown({ timeout: 5000 }));
 * ```
 */
export class HttpServer {
  readonly #listener: TcpListener;
  readonly #handler: Handler;
  readonly #limits: Required_ & ParserLimits;
  readonly #tls: TlsAcceptorLike | undefined;
  readonly #onError: (error: unknown, request: Request) => void;
  readonly #connections = new Set<ConnectionState>();
  readonly #stop = new AbortController();
  readonly #addr: SocketAddr;
  readonly #localHost: string;
  readonly #acceptTask: JoinHandle<void>;
  readonly #sweeper: JoinHandle<void>;
  /** The runtime's clock, read once per turn for the connections' deadlines. */
  readonly #clock: TurnClock = currentClock();
  #closed: Promise<void> | undefined;
  #allClosed: (() => void) | undefined;
  #shuttingDown = false;
  /** @internal The last handler call returned a Response, not a promise (see Connection.run). */
  syncHandler = true;

  /** @internal use {@link serve} */
  constructor(listener: TcpListener, handler: Handler, limits: Required_ & ParserLimits, options: ServeOptions) {
    this.#listener = listener;
    this.#handler = handler;
    this.#limits = limits;
    this.#tls = options.tls;
    this.#onError = options.onError ?? ((error, request) => {
      process.stderr.write(`@rt/http: the handler of ${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    });
    this.#addr = listener.localAddr();
    this.#localHost = this.#addr.toString();
    this.#acceptTask = spawn(() => this.#acceptLoop(), { name: 'http accept' });
    this.#sweeper = spawn(() => this.#sweep(), { name: 'http timeouts' });
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) void this.shutdown();
      else signal.addEventListener('abort', () => void this.shutdown(), { once: true });
    }
  }

  /** The address the server listens on. */
  get addr(): SocketAddr {
    return this.#addr;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /**
   * Stops accepting, closes idle connections, lets in-flight requests finish (their responses
   * say `Connection: close`), and after `timeout` ms aborts what remains (their `ctx.signal`
   * and tasks). Resolves when every connection is closed. Idempotent.
   *
   * **Cancellation:** not cancellable; bounded by `timeout`.
   *
   * **Errors:** `RangeError` for a bad timeout.
   *
   * **Example**
   * ```ts
   * await server.shutdown({ timeout: 1000 });
   * ```
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const timeout = options.timeout ?? 10_000;
    if (typeof timeout !== 'number' || !(timeout >= 0)) throw new RangeError(`HttpServer.shutdown: timeout must be a non-negative number, got ${String(timeout)}`);
    if (this.#closed !== undefined) return this.#closed;
    this.#shuttingDown = true;
    this.#stop.abort(new Error('the HTTP server is shutting down'));
    this.#acceptTask.abort();
    this.#listener.close();
    for (const connection of this.#connections) if (connection.idle) this.#kill(connection, 0);
    const allClosed = this.#connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#allClosed = resolve));
    this.#closed = (async () => {
      if (this.#connections.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        // A Node timer waits at most 2^31 - 1 ms (a longer delay, Infinity too, is 1 ms): the
        // rest of a longer timeout is waited for in more of them.
        const end = performance.now() + timeout;
        const expired = new Promise<void>((resolve) => {
          const arm = (ms: number): void => {
            timer = setTimeout(() => {
              const left = end - performance.now();
              if (left >= 1) arm(left);
              else resolve();
            }, Math.min(ms, MAX_TIMER_DELAY));
          };
          arm(timeout);
        });
        await Promise.race([allClosed, expired]);
        clearTimeout(timer);
        for (const connection of this.#connections) {
          connection.request?.abort(new Error('the HTTP server shut down'));
          this.#kill(connection, 0);
        }
        await allClosed;
      }
      this.#sweeper.abort();
    })();
    return this.#closed;
  }

  /** `await using server = await serve(…)`: shutdown with the default timeout. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** Sends the timeout answer if one is owed, closes the socket (pending I/O rejects), aborts the task. */
  #kill(connection: ConnectionState, status: number): void {
    const stream = connection.stream;
    if (status !== 0 && stream?.tryWrite !== undefined) {
      try {
        stream.tryWrite(errorResponse(new HttpError(status, 'ERR_RT_HTTP_HEADER_TIMEOUT', 'the request took too long to arrive')));
      } catch {
        // the client is gone; nothing is owed
      }
    }
    connection.deadline = Infinity;
    connection.killed = true;
    stream?.close();
    if (connection.request === undefined) connection.task?.abort();
  }

  async #sweep(): Promise<void> {
    const limits = this.#limits;
    const tick = Math.max(10, Math.min(250, limits.headerTimeout / 4, limits.keepAliveTimeout / 4, limits.ioTimeout / 4, limits.bodyTimeout / 4));
    for (;;) {
      await sleep(tick);
      const now = Instant.now().valueOf();
      for (const connection of this.#connections) {
        if (connection.deadline <= now) this.#kill(connection, connection.timeoutStatus);
        // A handler still running a tick after it started, its body read: watch for the client
        // leaving, as reading ctx.signal does (a fast handler never pays for the watch).
        else connection.request?.watchIfSlow();
      }
    }
  }

  /**
   * `ms` from now on the rt clock as of this event-loop turn (one clock read per turn, however
   * many requests the turn serves). It was the clock as of the last sweep: a deadline fell due
   * early by the time since that sweep, a tick and more at load, where a keep-alive of 200 ms
   * closed a connection whose next request came ~20 ms after its answer. The sweep still kills
   * up to a tick late.
   */
  #deadline(ms: number): number {
    return this.#clock.turnNow() + ms;
  }

  async #acceptLoop(): Promise<void> {
    const signal = this.#stop.signal;
    try {
      for (;;) {
        const stream = await this.#listener.accept({ signal });
        if (this.#connections.size >= this.#limits.maxConnections) {
          spawn(async () => {
            try {
              await timeout(1000, stream.writeAll(errorResponse(new HttpError(503, 'ERR_RT_HTTP_TOO_MANY_CONNECTIONS', 'too many connections'))));
              await lingeringClose(stream);
            } catch {
              // best effort: the client is gone or slow
            } finally {
              stream.close();
            }
          }, { name: 'http refuse' });
          continue;
        }
        const state: ConnectionState = { stream: undefined, task: undefined, deadline: Infinity, timeoutStatus: 0, idle: false, request: undefined, killed: false };
        this.#connections.add(state);
        state.task = spawn(() => this.#connection(stream, state), { name: 'http connection' });
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  /**
   * A connection's task. Plain TCP: its Connection's `run()` is the task's one async frame (no
   * frame of this method waits on it, under load a suspended generator, its registers, a promise
   * and a reaction less per connection); TLS: the handshake first (#tlsConnection).
   */
  #connection(tcp: TcpStream, state: ConnectionState): Promise<void> | undefined {
    if (this.#tls !== undefined) return this.#tlsConnection(tcp, state, this.#tls);
    let remoteAddr: SocketAddr;
    try {
      tcp.setNoDelay(true);
      remoteAddr = tcp.peerAddr();
    } catch (error) {
      this.connectionFailed(error);
      this.connectionClosed(state, tcp, tcp);
      return undefined;
    }
    state.stream = tcp;
    return new Connection(this, tcp, state, remoteAddr, tcp).run();
  }

  async #tlsConnection(tcp: TcpStream, state: ConnectionState, tls: TlsAcceptorLike): Promise<void> {
    let stream: HttpStream;
    let remoteAddr: SocketAddr;
    try {
      tcp.setNoDelay(true);
      remoteAddr = tcp.peerAddr();
      state.stream = tcp;
      state.deadline = this.#deadline(this.#limits.headerTimeout);
      try {
        stream = await tls.accept(tcp, { signal: this.#stop.signal });
      } catch {
        this.connectionClosed(state, tcp, tcp);
        return; // a failed handshake (a scanner, a plain-HTTP client): nothing to report
      }
      state.stream = stream;
    } catch (error) {
      this.connectionFailed(error);
      this.connectionClosed(state, tcp, tcp);
      return;
    }
    // Its run() reports its own failure and closes both streams.
    return new Connection(this, stream, state, remoteAddr, tcp).run();
  }

  /** @internal A connection's task failed: reported unless the client left, the server is shutting down, or the error was HTTP's (answered). */
  connectionFailed(error: unknown): void {
    if (!isDisconnect(error) && !this.#shuttingDown && !(error instanceof HttpError)) {
      process.stderr.write(`@rt/http: connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  /** @internal A connection's end: its stream and socket closed, its state forgotten. */
  connectionClosed(state: ConnectionState, stream: HttpStream, tcp: TcpStream): void {
    stream.close();
    tcp.close();
    this.#connections.delete(state);
    if (this.#connections.size === 0) this.#allClosed?.();
  }

  /** The limits in force: the defaults with `options.limits` applied. */
  get limits(): Readonly<Required<ServerLimits>> {
    return this.#limits;
  }
  /** @internal */ get handler(): Handler {
    return this.#handler;
  }
  /** @internal */ get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
  /** @internal */ get scheme(): 'http' | 'https' {
    return this.#tls === undefined ? 'http' : 'https';
  }
  /** @internal */ get localHost(): string {
    return this.#localHost;
  }
  /** @internal */ deadline(ms: number): number {
    return this.#deadline(ms);
  }
  /** @internal */ reportError(error: unknown, request: Request): void {
    this.#onError(error, request);
  }
}

/** A complete error response with `Connection: close`. */
function errorResponse(error: HttpError): Buffer {
  const body = `${error.message}\n`;
  return Buffer.from(
    `${statusLine(error.status, '')}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${dateHeader()}Connection: close\r\n\r\n${body}`,
  );
}

/** One request in flight: the handler's view of the connection (body, lazy signal). */
class RequestState implements RequestSource {
  readonly head: Head;
  readonly body: BodyReader | undefined;
  readonly scheme: 'http' | 'https';
  readonly localHost: string;
  readonly #connection: Connection;
  #controller: AbortController | undefined;
  /** Why the client is known gone (it left in the middle of the body, or the connection's watch saw it leave). */
  #gone: unknown;
  /** 0: no sweep of the server's timers has seen this request running; 1: one has; 2: the close watch was started from there. */
  #sweeps = 0;
  task: JoinHandle<Response> | undefined;
  /** What the handler returned (a Response, or its promise), once it has run. */
  result: unknown = undefined;
  /** The request task ran its first segment when spawned (startNow), not from the run queue. */
  started = false;
  incoming: Request | undefined;
  /** The handler's `ctx`. */
  context: Context | undefined;
  bodyFinished: boolean;
  bodyError: unknown;

  constructor(connection: Connection, head: Head, body: BodyReader | undefined) {
    this.#connection = connection;
    this.head = head;
    this.body = body;
    this.scheme = connection.server.scheme;
    this.localHost = connection.server.localHost;
    this.bodyFinished = body === undefined || body.done;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#gone !== undefined) this.#controller.abort(this.#gone);
      else if (this.bodyFinished) this.#connection.watchForClose(this);
    }
    return this.#controller.signal;
  }

  get wantsSignal(): boolean {
    return this.#controller !== undefined;
  }

  bodyDone(error?: unknown, cancelled = false): void {
    if (this.bodyFinished) return;
    this.bodyFinished = true;
    // A cancel is no protocol error: the rest of the body is drained (or the connection closed).
    if (!cancelled) this.bodyError = error;
    // The client left in the middle of the body: it is gone, so the handler's signal says so.
    if (!cancelled && error !== undefined && (isDisconnect(error) || (error instanceof HttpError && error.code === 'ERR_RT_HTTP_INCOMPLETE'))) {
      this.#gone = error;
      this.#controller?.abort(error);
    }
    if (error === undefined && this.#controller !== undefined) this.#connection.watchForClose(this);
  }

  /**
   * The sweeper's: from the second sweep that finds the handler still running with its body
   * read, the connection watches for the client leaving (in a task of its own: the read is
   * that task's wait in dump(), not the sweeper's).
   */
  watchIfSlow(): void {
    if (this.#sweeps === 0) {
      this.#sweeps = 1;
    } else if (this.#sweeps === 1 && this.bodyFinished && this.body?.reading !== true) {
      // (A body cancelled with its socket read still in flight: a later sweep, once that read has ended.)
      this.#sweeps = 2;
      spawn(() => this.#connection.watchForClose(this), CLOSE_WATCH_TASK);
    }
  }

  /** Aborts the signal, the request task and the connection task (which stops waiting for it). */
  abort(reason: unknown): void {
    this.#gone ??= reason; // a ctx.signal made later is aborted too
    this.#controller?.abort(reason);
    this.task?.abort();
    this.#connection.abort();
  }
}

class Connection {
  readonly server: HttpServer;
  readonly #stream: HttpStream;
  /** The TCP socket under `#stream` (the same stream without TLS). */
  readonly #tcp: TcpStream;
  readonly #state: ConnectionState;
  readonly #remoteAddr: SocketAddr;
  readonly #input = new InputBuffer();
  readonly #out = new OutputBuffer();
  #requests = 0;
  #continueOwed = false;
  /** The request's answer has begun (a 100 Continue asked for after it is not sent). */
  #answering = false;
  /** The answer's bytes have begun (a read that times out then closes without a 408 cut into them). */
  #answerBegun = false;
  /** A flush still writing (its promise): the only writer of the output buffer until it ends. */
  #flushing: Promise<void> | undefined = undefined;
  #watch: { controller: AbortController; done: Promise<void> } | undefined;
  /** What every request's BodyReader reads more with: made once per connection, not per request. */
  readonly #fill = (into?: Uint8Array): Promise<number> => this.#fillBody(into);
  readonly #afterFill = (): void => {
    this.#filling = false;
    // A read that ends while the answer is being written (a stale read of a cancelled body, or
    // one that started during the write) leaves the write's deadline in force, not none.
    const state = this.#state;
    if (this.#writeDeadline !== Infinity) {
      state.timeoutStatus = 0;
      state.deadline = this.#writeDeadline;
    } else {
      state.deadline = Infinity;
    }
  };
  /** A body read is in flight (a write that ends then gives the I/O deadline back to it). */
  #filling = false;
  /** The deadline of the write in flight (Infinity: none). */
  #writeDeadline = Infinity;
  /** When the request's body must have arrived (bodyTimeout from its first read; Infinity before that read). */
  #bodyDeadline = Infinity;
  /**
   * The request whose task starts next (`#start` sets it). The connection waits for each request
   * task before it parses the next request, so when a task starts (at once, or from the run
   * queue) this is its request; a task aborted before it starts never runs.
   */
  #starting: RequestState | undefined;
  /** Every request task's function: made once per connection, not a closure per request. */
  readonly #runHandler = (): unknown => {
    const request = this.#starting!;
    this.#starting = undefined; // not kept (nor its Response) after the task starts
    return (request.result = this.server.handler(request.incoming!, request.context!));
  };
  /**
   * How many bytes the next head read may take when it starts on an empty input buffer (0: all
   * the room there is). Set after a head that announced a large Content-Length body: a client
   * that sent one is likely to send another, and every body byte a full-sized head read takes
   * (up to 16 KiB) lands in the input buffer and is copied from there into the handler's memory,
   * where the body's own reads put it straight. Twice that head's size, at least 1 KiB: a head
   * read that ends inside the head reads again (the loop below), at full size.
   */
  #headRead = 0;
  /** A body read that completes now (the stream's `readNow`), else -1; never before a 100 Continue owed. */
  readonly #fillNow = (into: Uint8Array): number => (this.#continueOwed || this.#stream.readNow === undefined ? -1 : this.#stream.readNow(into));

  constructor(server: HttpServer, stream: HttpStream, state: ConnectionState, remoteAddr: SocketAddr, tcp: TcpStream) {
    this.server = server;
    this.#stream = stream;
    this.#tcp = tcp;
    this.#state = state;
    this.#remoteAddr = remoteAddr;
  }

  /** Serves the connection's requests until it closes, then closes it (reporting a failure): the connection task's one async frame. */
  async run(): Promise<void> {
    const limits = this.server.limits;
    const input = this.#input;
    const state = this.#state;
    // A request's objects are kept in these, not in consts of the loop's block: a suspended async
    // frame keeps every register it has, so the last request (its body reader, state, task and
    // Response, and through them its head and IncomingRequest) stayed alive while the connection
    // waited for the next head on keep-alive. Each is cleared before that wait.
    let body: BodyReader | undefined;
    let request: RequestState | undefined;
    let task: JoinHandle<Response> | undefined;
    let result: unknown;
    let response: Response | HttpError | undefined;
    try {
      for (;;) {
        let head: Head | undefined;
        try {
          // The hot path: a pipelined or already-received head parses without an await; else
          // read until one is whole (inline: no async call per request).
          head = parseRequestHead(input, limits);
          for (let begun = false; head === undefined; ) {
            if (this.#out.size > 0) await this.#flush();
            if (input.buffered === 0) {
              if (this.server.shuttingDown) return;
              state.idle = true;
              state.timeoutStatus = 0;
              state.deadline = this.server.deadline(this.#requests === 0 ? limits.headerTimeout : limits.keepAliveTimeout);
            } else if (!begun) {
              begun = true;
              state.idle = false;
              state.timeoutStatus = 408;
              state.deadline = this.server.deadline(limits.headerTimeout);
            }
            let n: number;
            try {
              n = await this.#stream.read(this.#headSpare());
            } finally {
              state.idle = false;
            }
            if (n === 0) {
              if (input.buffered > 0) throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a request head');
              return;
            }
            input.commit(n);
            head = parseRequestHead(input, limits);
          }
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          await this.#fail(error);
          return;
        }
        state.deadline = Infinity;
        this.#requests++;
        this.#headRead = head.framing === Framing.Length && head.contentLength > LARGE_BODY ? Math.max(1024, 2 * (head.text.length + 4)) : 0;
        let keepAlive = head.keepAlive && this.#requests < limits.maxRequestsPerConnection;
        body = head.framing === Framing.None ? undefined : new BodyReader(input, this.#fill, head, limits.maxBodySize, this.#afterFill, this.#fillNow);
        this.#continueOwed = head.expectContinue && head.minorVersion === 1 && body !== undefined && input.buffered === 0;
        this.#answering = this.#answerBegun = false;
        this.#bodyDeadline = Infinity;
        // The answers to requests pipelined before this one are owed now when this one's body
        // is not all here: its rest may wait on a slow client, and that read's timeout sends a
        // 408 the client would take for the first of them. (Written before the handler starts,
        // so no body read of its runs beside this flush.)
        if (body !== undefined && this.#out.size > 0 && !(head.framing === Framing.Length && input.buffered >= head.contentLength)) await this.#flush();
        request = new RequestState(this, head, body);
        task = this.#start(request);
        try {
          // The request task has usually run its first segment already (startNow): a handler
          // that answers synchronously (a Response, not a promise: the usual hello or JSON
          // handler) has returned, and its Response is taken as it returned it (the task's
          // value: nothing awaited it), with no yield, join waiter, promise or wake. When the
          // task was queued instead (see startNow), a synchronous handler has run once the run
          // queue's drain, queued ahead of this continuation, has run: one yield (whether to
          // yield follows the last request's handler, so async handlers pay none). Anything
          // else (a promise, a throw, a task not run yet) is joined.
          const server = this.server;
          if (!request.started && server.syncHandler) await RESOLVED;
          result = request.result;
          // A task that started inside startNow (nothing ran since) and is finished with a value
          // returned no thenable: the scheduler has just looked (a thenable's task finishes in a
          // later job), so its `then` is not looked up again (on Node 22 and later a FastResponse's
          // missing `then` is looked up through its stand-in parent, see fast-response.ts).
          if (result !== undefined && task.isFinished() && (request.started || !isThenable(result))) {
            response = this.#check(result, request);
          } else {
            // join(), not `await task`: the same abortable wait, without the thenable job and the
            // extra promise `then` makes (one microtask and two promise hooks less per request).
            response = this.#check(await task.join(), request);
            server.syncHandler = request.result !== undefined && !isThenable(request.result);
          }
        } catch (error) {
          response = this.#failure(error, task, request);
        }
        // One writer at a time: a body read the handler started may still be writing its
        // 100 Continue (and the pipelined answers before it) from the handler's task.
        while (this.#flushing !== undefined) await this.#flushing;
        this.#answering = true;
        if (this.#watch !== undefined) await this.#stopWatching();
        if (this.server.shuttingDown) keepAlive = false;
        if (request.bodyError instanceof HttpError && !(request.bodyError.status === 400 && request.bodyError.code === 'ERR_RT_HTTP_INCOMPLETE')) {
          // The body broke the protocol (413, a bad chunk): the framing is lost, answer and close.
          await this.#fail(request.bodyError);
          return;
        }
        // A body stream still live (not ended, failed or cancelled) may be what the response
        // sends (`new Response(request.body)`): its rest is drained after the answer, not before.
        const drainAfter = body !== undefined && body.streamed && !request.bodyFinished;
        if (body !== undefined && !body.done) {
          // Unread body: close (see #cannotDrain), else drain a little.
          if (this.#cannotDrain(request, body)) keepAlive = false;
          else if (keepAlive && !drainAfter) keepAlive = await this.#drain(body);
        }
        this.#answerBegun = true;
        const encoded = this.#encode(response, head, keepAlive);
        keepAlive = encoded === undefined ? await this.#respondStream(response as Response, head, keepAlive) : encoded;
        if (drainAfter && keepAlive && body !== undefined && !body.done) {
          // As above, once the answer is out (a close then is the server's right in HTTP/1.1).
          if (this.#cannotDrain(request, body)) keepAlive = false;
          else keepAlive = await this.#drain(body);
        }
        state.request = undefined;
        body = request = task = result = response = undefined;
        if (!keepAlive) {
          await this.#flush();
          return;
        }
        if (input.buffered === 0 || this.#out.size >= 64 * 1024) {
          const pending = this.#flushNow();
          if (pending !== undefined) await pending;
        }
      }
    } catch (error) {
      this.server.connectionFailed(error);
    } finally {
      this.server.connectionClosed(state, this.#stream, this.#tcp);
    }
  }

  /**
   * A body read (BodyReader's `fill`): into `into`, else into the input buffer (committed).
   * Sets the I/O deadline; `#afterFill` clears it. Not async: the usual read is the stream's
   * own promise (one async frame less per read of a large body).
   */
  #fillBody(into?: Uint8Array): Promise<number> {
    if (this.#continueOwed) return this.#continueThenFill(into);
    const state = this.#state;
    // A read that times out before the answer began gets a 408; after, the answer is not cut
    // into (the connection just closes: the sweeper's 408 would land inside it).
    state.timeoutStatus = this.#answerBegun ? 0 : 408;
    state.deadline = this.#readDeadline();
    this.#filling = true;
    if (into !== undefined) return this.#stream.read(into);
    // Body reads get room for 64 KiB at a time (the buffer shrinks back when empty).
    const input = this.#input;
    return this.#stream.read(input.spare(64 * 1024)).then((n) => {
      input.commit(n);
      return n;
    });
  }

  /** A body read's deadline: ioTimeout from now, or the body's own deadline (set at its first read) if sooner. */
  #readDeadline(): number {
    const limits = this.server.limits;
    if (this.#bodyDeadline === Infinity) this.#bodyDeadline = this.server.deadline(limits.bodyTimeout);
    return Math.min(this.server.deadline(limits.ioTimeout), this.#bodyDeadline);
  }

  /**
   * The first body read of a request that expects 100-continue: the interim answer, then the
   * read. The 100 Continue goes through the output buffer, after the pipelined answers waiting
   * there, and not at all once the request's own answer has begun (a read the answer's body
   * stream starts: RFC 9110 §10.1.1 has no interim answer after the final one).
   */
  async #continueThenFill(into?: Uint8Array): Promise<number> {
    this.#continueOwed = false;
    while (this.#flushing !== undefined) await this.#flushing;
    if (!this.#answering) this.#out.bytes(CONTINUE);
    await this.#flush();
    return this.#fillBody(into);
  }

  /** Room for a read of the next head: the input buffer's free space, cut to `#headRead` bytes (once) when it is empty. */
  #headSpare(): Buffer {
    const input = this.#input;
    const spare = input.spare();
    const limit = this.#headRead;
    if (limit === 0 || input.buffered > 0 || spare.length <= limit) return spare;
    this.#headRead = 0;
    return spare.subarray(0, limit);
  }

  /** Spawns the handler as the request's task, and starts it at once where the run queue allows (startNow). */
  #start(request: RequestState): JoinHandle<Response> {
    const context = new Context(request, this.#remoteAddr);
    request.context = context;
    request.incoming = new IncomingRequest(request, this.#remoteAddr) as unknown as Request;
    this.#starting = request;
    // Recorded before the handler runs (its ctx.taskId, the connection's abort), then started
    // at once: its first segment runs here, as the request's own task (see startNow).
    const task = spawnUnstarted(this.#runHandler, REQUEST_TASK) as JoinHandle<Response>;
    context.taskId = task.id;
    request.task = task;
    this.#state.request = request;
    request.started = startNow(task);
    return task;
  }

  /**
   * The handler's result, or a 500 (and an `onError` TypeError) when it is not a Response or
   * its body was already read or locked: the Fetch standard's "body is unusable" (a used body
   * is never sent, nor its reader's leftovers).
   */
  #check(result: unknown, request: RequestState): Response | HttpError {
    let response: Response | undefined;
    if (result instanceof FastResponse) {
      if (FastResponse.isUnmaterialized(result)) return result;
      if (!result.bodyUsed) response = result.toResponse();
    } else if (result instanceof platformResponse()) {
      response = result;
    } else {
      this.server.reportError(new TypeError(`the handler returned ${result === null ? 'null' : typeof result}, not a Response`), request.incoming!);
      return new HttpError(500, 'ERR_RT_HTTP_INCOMPLETE', 'Internal Server Error');
    }
    if (response === undefined || response.bodyUsed || response.body?.locked === true) {
      this.server.reportError(new TypeError('Body is unusable: the handler returned a Response whose body was already read or locked'), request.incoming!);
      return new HttpError(500, 'ERR_RT_HTTP_INCOMPLETE', 'Internal Server Error');
    }
    return response;
  }

  /** What a failed request task answers; rethrows when this connection's own task was aborted. */
  #failure(error: unknown, task: JoinHandle<Response>, request: RequestState): HttpError {
    if (!task.isFinished()) {
      // This connection task was aborted (client gone, forced shutdown): take the request with it.
      task.abort();
      throw error;
    }
    const cause = error instanceof JoinError && error.isPanic() ? error.cause : error;
    if (cause instanceof HttpError) return cause;
    if (error instanceof JoinError && error.isCancelled()) return new HttpError(503, 'ERR_RT_HTTP_INCOMPLETE', 'the request was cancelled');
    // The server closed the socket at a deadline (and answered 408 if one was owed): the
    // handler's failed body read or write is that timeout, not the handler's fault.
    if (this.#state.killed && isDisconnect(cause)) return new HttpError(500, 'ERR_RT_HTTP_INCOMPLETE', 'the connection timed out');
    this.server.reportError(cause, request.incoming!);
    return new HttpError(500, 'ERR_RT_HTTP_INCOMPLETE', 'Internal Server Error');
  }

  abort(): void {
    this.#state.task?.abort();
  }

  /**
   * Reads ahead while the handler runs, so a client that leaves aborts ctx.signal; returns that
   * read's end, or undefined when no watch was started. Not while a body read is in flight (a
   * cancelled body's): that read owns the socket and the input buffer's free space, which a
   * second read would fill from the same offset (its bytes overwritten, the next request lost).
   */
  watchForClose(request: RequestState): Promise<void> | undefined {
    if (this.#watch !== undefined || request.task?.isFinished() === true || request.body?.reading === true) return undefined;
    const controller = new AbortController();
    const input = this.#input;
    const done = (async () => {
      try {
        const n = await this.#stream.read(this.#headSpare(), { signal: controller.signal });
        if (n > 0) input.commit(n);
        else request.abort(new Error('the client closed the connection'));
      } catch (error) {
        if (!controller.signal.aborted) request.abort(error);
      }
    })();
    this.#watch = { controller, done };
    return done;
  }

  async #stopWatching(): Promise<void> {
    const watch = this.#watch;
    if (watch === undefined) return;
    this.#watch = undefined;
    watch.controller.abort();
    await watch.done;
  }

  /**
   * Whether an unread body must close the connection instead of being drained: the client
   * waits for 100-continue (it will not send it), the body broke the framing, or a read still
   * in flight (a cancelled stream's, or one the handler never awaited) owns the socket.
   */
  #cannotDrain(request: RequestState, body: BodyReader): boolean {
    return this.#continueOwed || request.bodyError !== undefined || body.reading;
  }

  /** Discards up to 64 KiB of unread body; false when more remains (then the connection closes). */
  async #drain(body: BodyReader): Promise<boolean> {
    if (body.knownRemaining > DRAIN_LIMIT) return false;
    let drained = 0;
    try {
      for (;;) {
        const chunk = await body.next();
        if (chunk === null) return true;
        drained += chunk.length;
        if (drained > DRAIN_LIMIT) return false;
      }
    } catch {
      return false;
    }
  }

  /**
   * Encodes an error, a body-less response or one whose bytes are known (up to 64 KiB) into
   * the output buffer without an await; returns whether the connection stays open, or
   * undefined when the body must be streamed (`#respondStream`).
   */
  #encode(result: Response | HttpError, head: Head, keepAlive: boolean): boolean | undefined {
    const out = this.#out;
    // The FastResponse first: `instanceof HttpError` walks a FastResponse's whole prototype chain
    // (through its stand-in parent on Node 22 and later while the platform's Response is not loaded).
    if (FastResponse.isUnmaterialized(result)) return this.#encodeFast(result as FastResponse, head, keepAlive);
    if (result instanceof HttpError) {
      out.latin1(errorHeadAndBody(result, keepAlive, head.minorVersion));
      return keepAlive;
    }
    const fast = fastBody(result);
    if (fast === undefined) return undefined;
    const status = result.status;
    const bodyless = status === 204 || status === 304 || status < 200;
    const noBody = bodyless || head.method === 'HEAD';
    let length = 0;
    if (typeof fast === 'string') length = utf8Length(fast);
    else if (fast !== null) length = fast.length;
    if (length > 64 * 1024 && !noBody) return undefined;
    const fields = responseFields(result);
    let text = fields.text;
    if (!bodyless && (fast !== null || head.method !== 'HEAD' || fields.length >= 0)) {
      text += `content-length: ${fast === null && fields.length >= 0 ? fields.length : length}\r\n`;
    }
    text += connectionField(keepAlive, head.minorVersion);
    out.latin1(text);
    if (noBody || fast === null) {
      if (result.body !== null && !result.bodyUsed) void result.body.cancel().catch(() => undefined);
    } else if (typeof fast === 'string') {
      out.utf8(fast, length);
    } else {
      out.bodyBytes(fast);
    }
    return keepAlive;
  }

  /** A FastResponse: its fields and body as given, no Web objects. */
  #encodeFast(result: FastResponse, head: Head, keepAlive: boolean): boolean | undefined {
    const source = result.source;
    const last = lastHead;
    // The remembered body's length is its own (it is forgotten whenever the head memo changes).
    const length = source === null ? 0 : source === last.body ? last.length : typeof source === 'string' ? utf8Length(source) : source.length;
    if (length > 64 * 1024 && head.method !== 'HEAD' && result.status !== 204 && result.status !== 304) return undefined;
    const bodyless = result.status === 204 || result.status === 304;
    const date = result.hasDate ? '' : dateHeader();
    const connection = connectionField(keepAlive, head.minorVersion);
    let text: string;
    const out = this.#out;
    if (
      last.fields === result.fieldText && last.status === result.status && last.statusText === result.statusText &&
      last.length === length && last.date === date && last.connection === connection
    ) {
      // The same head as the last response (the usual case under load): already flat. With the
      // same ASCII string body too (a constant text or JSON), head and body go out as one string:
      // one copy into the output buffer instead of two.
      if (source === last.body && source !== null && head.method !== 'HEAD') {
        // Its bytes are encoded on the second use (a head that changes every time is never
        // encoded twice) and written from there: no copy per response (see OutputBuffer.share).
        out.share(last.whole ??= Buffer.from(last.text + source, 'latin1'));
        return keepAlive;
      }
      text = last.text;
    } else {
      text = statusLine(result.status, result.statusText) + result.fieldText + date;
      if (!bodyless) text += `content-length: ${length}\r\n`;
      text += connection;
      last.fields = result.fieldText;
      last.status = result.status;
      last.statusText = result.statusText;
      last.length = length;
      last.body = null;
      last.date = date;
      last.connection = connection;
      last.text = text;
    }
    out.latin1(text);
    if (bodyless || head.method === 'HEAD' || source === null) return keepAlive;
    if (typeof source === 'string') {
      out.utf8(source, length);
      // ASCII only (as many bytes as characters): its latin1 bytes are its UTF-8 bytes.
      if (length === source.length) {
        last.body = source;
        last.whole = undefined;
      } else {
        last.body = null;
      }
    } else {
      out.bodyBytes(source);
    }
    return keepAlive;
  }

  /** A response whose body is a stream (or large bytes): head first, then the body as it comes. */
  async #respondStream(response: Response, head: Head, keepAlive: boolean): Promise<boolean> {
    const out = this.#out;
    const status = response.status;
    const noBody = head.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    const bodyless = status === 204 || status === 304 || status < 200;
    const fields = responseFields(response);
    let text = fields.text;
    let userLength = fields.length;
    const fast = fastBody(response);
    if (fast !== undefined && fast !== null && typeof fast !== 'string') {
      // Large bytes: the head, then the bytes from where they are (one gather write, no copy).
      out.latin1(`${text}content-length: ${fast.length}\r\n${connectionField(keepAlive, head.minorVersion)}`);
      out.share(fast);
      await this.#flush();
      return keepAlive;
    }
    // The stream path.
    const stream = response.body;
    // Read ahead what the stream has at once: a body that ends there (what `new Response(text)`
    // gives on Node versions whose Response state fastBody cannot see, e.g. Node 24's private
    // fields) is framed with a Content-Length, not chunked. A stream that has nothing yet is
    // not waited for beyond this turn, so the head of a slow stream (events) goes out at once.
    // A body that ends there is framed with its own length even when the handler named another
    // (as a string body is on Node 20, where fastBody sees it): never a Content-Length that
    // does not match the bytes sent.
    const reader = stream?.getReader();
    const early: Uint8Array[] = [];
    let carried: Promise<{ done: boolean; value?: unknown }> | undefined;
    let ended = false;
    if (stream !== null && !bodyless) {
      try {
        for (let i = 0; i < 2 && !ended; i++) {
          const next = reader!.read();
          const result = await Promise.race([next, nextTurn()]);
          if (result === NOT_YET) {
            carried = next;
            next.catch(() => undefined); // awaited below; handled meanwhile
            break;
          }
          if (result.done) ended = true;
          else early.push(chunkBytes(result.value));
        }
      } catch (error) {
        void reader!.cancel(error).catch(() => undefined);
        // As when the body fails later: reported, and the connection closed without a reply.
        if (!isDisconnect(error)) this.server.reportError(error, { method: head.method, url: head.target } as Request);
        return false;
      }
      if (ended) userLength = early.reduce((n, b) => n + b.length, 0);
    }
    if (noBody || stream === null || reader === undefined) {
      if (!bodyless && userLength >= 0) text += `content-length: ${userLength}\r\n`;
      else if (!bodyless && stream === null && head.method !== 'HEAD') text += 'content-length: 0\r\n';
      out.latin1(text + connectionField(keepAlive, head.minorVersion));
      if (reader !== undefined) void reader.cancel().catch(() => undefined);
      else if (stream !== null) void stream.cancel().catch(() => undefined);
      return keepAlive;
    }
    let chunked = false;
    if (userLength >= 0 && Number.isSafeInteger(userLength)) text += `content-length: ${userLength}\r\n`;
    else if (head.minorVersion === 1) {
      chunked = true;
      text += 'transfer-encoding: chunked\r\n';
    } else {
      keepAlive = false;
      userLength = -1;
    }
    out.latin1(text + connectionField(keepAlive, head.minorVersion));
    let sent = 0;
    try {
      for (;;) {
        let bytes: Uint8Array;
        if (early.length > 0) {
          bytes = early.shift()!;
        } else if (ended) {
          break;
        } else {
          const { done, value } = await (carried ?? reader.read());
          carried = undefined;
          if (done) break;
          bytes = chunkBytes(value);
        }
        if (bytes.length === 0) continue;
        sent += bytes.length;
        if (userLength >= 0 && sent > userLength) throw new Error(`the response body is longer than its Content-Length (${userLength})`);
        if (chunked) {
          out.latin1(`${bytes.length.toString(16)}\r\n`);
          out.bytes(bytes);
          out.latin1('\r\n');
          await this.#flush();
        } else if (bytes.length <= 64 * 1024) {
          out.bytes(bytes);
          await this.#flush();
        } else {
          await this.#flush();
          await this.#write(bytes);
        }
      }
    } catch (error) {
      void reader.cancel(error).catch(() => undefined);
      // The framing promised more than we can send: close without the end of the body.
      this.#out.clear();
      if (!isDisconnect(error)) this.server.reportError(error, { method: head.method, url: head.target } as Request);
      return false;
    }
    if (userLength >= 0 && sent !== userLength) return false;
    if (chunked) out.latin1('0\r\n\r\n');
    return keepAlive;
  }


  async #fail(error: HttpError): Promise<void> {
    this.#out.latin1(errorHeadAndBody(error, false, 1));
    try {
      await this.#flush();
      await lingeringClose(this.#stream);
    } catch {
      // the client is gone
    }
  }

  /** Writes the output buffer. */
  async #flush(): Promise<void> {
    const pending = this.#flushNow();
    if (pending !== undefined) await pending;
  }

  /**
   * Writes the output buffer: one tryWrite (a tryWritev when a shared tail follows copied
   * bytes) and no promise in the usual case, else the promise of the rest.
   */
  #flushNow(): Promise<void> | undefined {
    // A flush still writing owns the output buffer (its bytes are cleared when it ends): after it.
    if (this.#flushing !== undefined) return this.#flushing.then(() => this.#flushNow());
    const out = this.#out;
    const stream = this.#stream;
    // A stream that cannot gather (a TlsStream): a tail of up to 64 KiB is copied in (one write);
    // a larger one (a large bytes body, #respondStream) is written on its own after the head,
    // as it was before tails existed, not copied into a buffer grown to its size.
    if (out.tail !== undefined && out.length > 0 && stream.tryWritev === undefined && out.tail.length <= 64 * 1024) out.copyTail();
    const tail = out.tail;
    const size = out.size;
    if (size === 0) return undefined;
    const head = out.length === 0 ? undefined : out.view();
    let n = 0;
    try {
      if (head === undefined) {
        if (stream.tryWrite !== undefined) n = stream.tryWrite(tail!);
      } else if (tail === undefined) {
        if (stream.tryWrite !== undefined) n = stream.tryWrite(head);
      } else if (stream.tryWritev !== undefined) {
        n = stream.tryWritev([head, tail]);
      }
    } catch (error) {
      // Not writable now (the last write filled the socket): the rest is written by waiting.
      if (!(error instanceof WouldBlock)) throw error;
    }
    if (n === size) {
      out.clear();
      return undefined;
    }
    const flushing = this.#writeRest(head, tail, n).then(
      () => {
        this.#flushing = undefined;
        out.clear();
      },
      (error: unknown) => {
        this.#flushing = undefined;
        throw error;
      },
    );
    this.#flushing = flushing;
    return flushing;
  }

  /** The rest of a flush the socket took `n` bytes of: the copied bytes' rest, then the tail's. */
  async #writeRest(head: Buffer | undefined, tail: Uint8Array | undefined, n: number): Promise<void> {
    const headLength = head === undefined ? 0 : head.length;
    if (n < headLength) await this.#write(head!.subarray(n));
    if (tail !== undefined) await this.#write(n <= headLength ? tail : tail.subarray(n - headLength));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    const state = this.#state;
    state.timeoutStatus = 0;
    state.deadline = this.#writeDeadline = this.server.deadline(this.server.limits.ioTimeout);
    try {
      await this.#stream.writeAll(bytes);
    } finally {
      this.#writeDeadline = Infinity;
      if (this.#filling) {
        // A body read still in flight (an answer streaming the request's body back) gets a deadline again.
        state.timeoutStatus = this.#answerBegun ? 0 : 408;
        state.deadline = this.#readDeadline();
      } else {
        state.deadline = Infinity;
      }
    }
  }
}

/**
 * Half-closes and reads (discarding, at most 64 KiB for at most 500 ms) before the close, so
 * that bytes the client already sent do not turn the close into a reset that destroys the
 * error response on its way (RFC 9112 §9.6).
 */
async function lingeringClose(stream: HttpStream): Promise<void> {
  const shutdown = (stream as { shutdown?: () => Promise<void> }).shutdown;
  if (typeof shutdown !== 'function') return;
  await shutdown.call(stream);
  const scratch = Buffer.allocUnsafe(16 * 1024);
  let total = 0;
  await timeout(500, async (signal) => {
    for (let n = -1; n !== 0 && total < 64 * 1024; total += n) n = await stream.read(scratch, { signal });
  }).catch(() => undefined);
}

/** The status line and the response's own header fields (minus those the server owns), and its Content-Length if it set one. */
function responseFields(response: Response): { text: string; length: number } {
  let text = statusLine(response.status, response.statusText);
  let length = -1;
  let hasDate = false;
  for (const [name, value] of response.headers) {
    switch (name) {
      case 'content-length':
        length = Number(value);
        continue;
      case 'transfer-encoding':
      case 'connection':
      case 'keep-alive':
        continue;
      case 'date':
        hasDate = true;
        break;
      default:
        break;
    }
    text += `${name}: ${value}\r\n`;
  }
  if (!hasDate) text += dateHeader();
  return { text, length };
}

/**
 * The head of the last FastResponse written (any connection) and what it was made of: an equal
 * response reuses the string (no concatenation, and V8 keeps it flat for the write).
 */
const lastHead: {
  fields: string;
  status: number;
  statusText: string;
  length: number;
  date: string;
  connection: string;
  text: string;
  /** The ASCII string body last written after `text` (null: none remembered). */
  body: string | null;
  /** `text` and `body` encoded (latin1: both are ASCII), made when they are written a second time; never changed once made. */
  whole: Buffer | undefined;
} = { fields: '', status: 0, statusText: '', length: -1, date: '', connection: '', text: '', body: null, whole: undefined };

/** The `ctx` of a handler; its signal is made on first use. */
class Context implements ServeContext {
  readonly #request: RequestState;
  readonly remoteAddr: SocketAddr;
  taskId = 0;

  constructor(request: RequestState, remoteAddr: SocketAddr) {
    this.#request = request;
    this.remoteAddr = remoteAddr;
  }

  get signal(): AbortSignal {
    return this.#request.signal;
  }
}

function connectionField(keepAlive: boolean, minorVersion: number): string {
  if (!keepAlive) return 'connection: close\r\n\r\n';
  return minorVersion === 0 ? 'connection: keep-alive\r\n\r\n' : '\r\n';
}

function errorHeadAndBody(error: HttpError, keepAlive: boolean, minorVersion: number): string {
  const body = `${error.message}\n`;
  return `${statusLine(error.status, '')}content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${dateHeader()}${connectionField(keepAlive, minorVersion)}${body}`;
}
