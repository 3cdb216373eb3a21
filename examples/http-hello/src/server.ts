// http-hello: a minimal HTTP/1.1 keep-alive server on @rt/net, for load tests with wrk.
//
// - `GET` or `HEAD` of any target: `200 Hello, World!` (HEAD without the body).
// - `POST /echo` (or PUT): `200` with the request's body back.
// - Another method: `405`; POST elsewhere: `404`. A request the parser refuses: its status
//   (400, 413, 431, 505) with `Connection: close`, then the connection closes.
//
// Each connection is one task: read into the parser, answer every complete request in the
// buffer (pipelining), write the responses at once (one `tryWrite`, which the socket nearly
// always takes whole: no promise on the way out; `writeAll` for the rest), repeat. The Date
// header is formatted once per second, as Node's http does. Shutdown is graceful: it stops
// accepting, aborts the connections waiting for input, and lets busy ones finish the
// responses they owe.
import { TcpListener, WouldBlock, type SocketAddr, type TcpStream } from '@rt/net';
import { spawn, type JoinHandle } from '@rt/scheduler';
import { HttpError, HttpParser, type HttpLimits, type Request } from './http-parser.js';

/** Options of {@link HttpServer.bind}. */
export interface HttpServerOptions {
  /** Address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 8080 (0 picks a free one). */
  readonly port?: number;
  /** Request limits. */
  readonly limits?: HttpLimits;
}

const HELLO = Buffer.from('Hello, World!');
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  505: 'HTTP Version Not Supported',
};

let dateSecond = -1;
let dateLine = '';
/** The whole keep-alive HTTP/1.1 `200 Hello, World!` response, rebuilt with the Date line. */
let helloResponse = Buffer.alloc(0);
/** `Date: <IMF-fixdate>\r\n`, formatted at most once per second. */
function date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
    helloResponse = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${HELLO.length}\r\n${dateLine}\r\nHello, World!`, 'latin1');
  }
  return dateLine;
}

/** Encodes responses into one growable buffer per connection. */
class ResponseWriter {
  #buffer = Buffer.allocUnsafe(16 * 1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  view(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
    if (this.#buffer.length > 1024 * 1024) this.#buffer = Buffer.allocUnsafe(16 * 1024);
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }

  /** Appends prepared bytes. */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** A full response; `body` is sent unless `head` (HEAD keeps Content-Length). */
  response(status: number, minorVersion: number, keepAlive: boolean, body: Uint8Array, head = false, extra = ''): void {
    const connection = keepAlive ? (minorVersion === 0 ? 'Connection: keep-alive\r\n' : '') : 'Connection: close\r\n';
    const text = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${date()}${connection}${extra}\r\n`;
    this.#reserve(text.length + (head ? 0 : body.length));
    this.#length += this.#buffer.write(text, this.#length, 'latin1');
    if (!head) {
      this.#buffer.set(body, this.#length);
      this.#length += body.length;
    }
  }
}

/** Answers one parsed request; returns whether the connection stays open. */
function respond(request: Request, parser: HttpParser, out: ResponseWriter): boolean {
  const { method, minorVersion, keepAlive } = request;
  if (method === 'GET' && minorVersion === 1 && keepAlive) {
    date(); // refreshes helloResponse once per second
    out.raw(helloResponse); // the hot path: one copy of prepared bytes
  } else if (method === 'GET' || method === 'HEAD') {
    out.response(200, minorVersion, keepAlive, HELLO, method === 'HEAD');
  } else if (method === 'POST' || method === 'PUT') {
    if (parser.targetIs('/echo')) out.response(200, minorVersion, keepAlive, parser.body());
    else out.response(404, minorVersion, keepAlive, Buffer.from('Not Found\n'));
  } else {
    out.response(405, minorVersion, keepAlive, Buffer.from('Method Not Allowed\n'), false, 'Allow: GET, HEAD, POST, PUT\r\n');
  }
  return keepAlive;
}

const FLUSH_THRESHOLD = 64 * 1024;

/** What the server sees of a connection: it aborts the task only while it waits for input. */
interface ConnectionState {
  idle: boolean;
  task?: JoinHandle<void>;
}

async function serveConnection(stream: TcpStream, limits: HttpLimits, shutdown: AbortSignal, state: ConnectionState): Promise<void> {
  const parser = new HttpParser(limits);
  const out = new ResponseWriter();
  stream.setNoDelay(true);
  try {
    for (;;) {
      for (;;) {
        let complete: boolean;
        try {
          complete = parser.next();
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          out.response(error.status, 1, false, Buffer.from(`${error.message}\n`));
          await stream.writeAll(out.view());
          return;
        }
        if (!complete) break;
        if (!respond(parser.request, parser, out)) {
          await stream.writeAll(out.view());
          return;
        }
        if (out.length >= FLUSH_THRESHOLD) {
          const waiting = flushNow(stream, out);
          if (waiting !== undefined) await waiting;
        }
      }
      if (out.length > 0) {
        const waiting = flushNow(stream, out);
        if (waiting !== undefined) await waiting;
      }
      if (shutdown.aborted) return;
      // No signal per read (an abort listener per read costs the hot path): shutdown
      // aborts this task while it is idle here.
      state.idle = true;
      let n: number;
      try {
        n = await stream.read(parser.spare());
      } finally {
        state.idle = false;
      }
      if (n === 0) return;
      parser.commit(n);
    }
  } catch (error) {
    if (!shutdown.aborted && !isDisconnect(error)) throw error;
  } finally {
    stream.close();
  }
}

/**
 * Writes the batch of responses; returns undefined when the socket took all of it at once (the
 * usual case: no promise, no await), else a promise of the rest being written. `tryWrite`
 * never waits, so this adds no await point; the read that follows is the cancellation point.
 */
function flushNow(stream: TcpStream, out: ResponseWriter): Promise<void> | undefined {
  const view = out.view();
  let n: number;
  try {
    n = stream.tryWrite(view);
  } catch (error) {
    if (!(error instanceof WouldBlock)) throw error;
    n = 0;
  }
  if (n === view.length) {
    out.clear();
    return undefined;
  }
  return flushRest(stream, out, n);
}

async function flushRest(stream: TcpStream, out: ResponseWriter, written: number): Promise<void> {
  await stream.writeAll(out.view().subarray(written));
  out.clear();
}

function isDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_RT_SOCKET_CLOSED' || code === 'ERR_RT_BROKEN_PIPE';
}

/** A bound http-hello server; `run()` serves, `shutdown()` stops. */
export class HttpServer {
  readonly #listener: TcpListener;
  readonly #port: number;
  readonly #limits: HttpLimits;
  readonly #stop = new AbortController();
  readonly #connections = new Set<ConnectionState>();
  #idle: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  private constructor(listener: TcpListener, limits: HttpLimits) {
    this.#listener = listener;
    this.#port = listener.localAddr().port;
    this.#limits = limits;
  }

  /** Binds the listening socket; validates the options and limits first. */
  static async bind(options: HttpServerOptions = {}): Promise<HttpServer> {
    const port = options.port ?? 8080;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`http-hello: port must be an integer in 0–65535, got ${String(port)}`);
    const limits = options.limits ?? {};
    new HttpParser(limits); // throws RangeError for bad limits
    const listener = await TcpListener.bind({ host: options.host ?? '127.0.0.1', port });
    return new HttpServer(listener, limits);
  }

  localAddr(): SocketAddr {
    return this.#listener.localAddr();
  }

  get port(): number {
    return this.#port;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Accepts and serves until `shutdown()`; see mini-redis's Server.run for the contract. */
  async run(): Promise<void> {
    const signal = this.#stop.signal;
    try {
      for (;;) {
        const stream = await this.#listener.accept({ signal });
        const state: ConnectionState = { idle: false };
        this.#connections.add(state);
        state.task = spawn(async () => {
          try {
            await serveConnection(stream, this.#limits, signal, state);
          } catch (error) {
            process.stderr.write(`http-hello: connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
          } finally {
            this.#connections.delete(state);
            if (this.#connections.size === 0) this.#idle?.();
          }
        }, { name: 'http-hello connection' });
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  /** Stops accepting, lets connections finish the responses they owe, resolves when all are closed. Idempotent; plain promises only. */
  shutdown(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#stop.abort(new Error('http-hello is shutting down'));
    this.#listener.close();
    for (const connection of this.#connections) if (connection.idle) connection.task?.abort();
    this.#closed = this.#connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#idle = resolve));
    return this.#closed;
  }
}
