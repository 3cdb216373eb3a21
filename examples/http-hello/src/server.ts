// http-hello: a minimal HTTP/1.1 server on @rt/http, for load tests with wrk.
//
// - `GET` or `HEAD` of any target: `200 Hello, World!` (HEAD without the body).
// - `POST /echo` (or PUT): `200` with the request's body back (Content-Length or chunked).
// - Another method: `405`; POST elsewhere: `404`. A request the parser refuses gets its status
//   (400, 413, 431, 505…) with `Connection: close` from @rt/http.
//
// The handler has the Fetch shape and answers with `FastResponse`, which @rt/http writes
// without building a Web Response; keep-alive, pipelining, limits, timeouts and graceful
// shutdown are @rt/http's.
import { FastResponse, serve, type HttpServer as RtHttpServer, type ServerLimits } from '@rt/http';
import type { SocketAddr } from '@rt/net';
import { oneshot } from '@rt/sync';

/** Options of {@link HttpServer.bind}. */
export interface HttpServerOptions {
  /** Address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 8080 (0 picks a free one). */
  readonly port?: number;
  /** Request limits (see @rt/http's `ServerLimits`); the body limit defaults to 1 MiB here. */
  readonly limits?: ServerLimits;
}

const TEXT: [string, string][] = [['content-type', 'text/plain']];
const NOT_ALLOWED: [string, string][] = [['content-type', 'text/plain'], ['allow', 'GET, HEAD, POST, PUT']];

/** The http-hello handler: a Fetch handler, usable with any server of that shape. */
export async function hello(request: Request): Promise<Response | FastResponse> {
  const method = request.method;
  if (method === 'GET' || method === 'HEAD') return new FastResponse('Hello, World!', { headers: TEXT });
  if (method === 'POST' || method === 'PUT') {
    if (new URL(request.url).pathname !== '/echo') return new FastResponse('Not Found\n', { status: 404, headers: TEXT });
    return new FastResponse(new Uint8Array(await request.arrayBuffer()), { headers: TEXT });
  }
  return new FastResponse('Method Not Allowed\n', { status: 405, headers: NOT_ALLOWED });
}

/** A bound http-hello server; `run()` waits until `shutdown()` has finished. */
export class HttpServer {
  readonly #server: RtHttpServer;
  #stopped: Promise<void> | undefined;
  readonly #finished = oneshot.channel<void>();

  private constructor(server: RtHttpServer) {
    this.#server = server;
  }

  /** Binds and starts serving; validates the options and limits first. */
  static async bind(options: HttpServerOptions = {}): Promise<HttpServer> {
    const port = options.port ?? 8080;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`http-hello: port must be an integer in 0–65535, got ${String(port)}`);
    const limits: ServerLimits = { maxBodySize: 1024 * 1024, ...options.limits };
    return new HttpServer(await serve({ hostname: options.host ?? '127.0.0.1', port, limits }, hello));
  }

  localAddr(): SocketAddr {
    return this.#server.addr;
  }

  get port(): number {
    return this.#server.addr.port;
  }

  /** Open connections. */
  get connections(): number {
    return this.#server.connections;
  }

  /**
   * Resolves when the server has shut down (the serving itself runs in @rt/http's tasks).
   * An rt await point: aborting the task that waits here (SIGINT under `main()`) rejects it.
   */
  async run(): Promise<void> {
    await this.#finished[1];
  }

  /** Stops accepting, lets connections finish the responses they owe; idempotent. */
  shutdown(): Promise<void> {
    this.#stopped ??= this.#server.shutdown({ timeout: 5000 }).then(() => {
      try {
        this.#finished[0].send();
      } catch {
        // nobody waits in run() any more
      }
    });
    return this.#stopped;
  }
}
