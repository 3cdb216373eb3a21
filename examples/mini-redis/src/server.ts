// The mini-redis server: a TcpListener, an accept loop bounded by a Semaphore (at most
// `maxConnections` clients at once: the next accept waits for a permit, as in Tokio's
// mini-redis), one task per connection, an active-expiry task on an `@rt/time` interval,
// and a graceful `shutdown()`.
import { TcpListener, type SocketAddr, type TcpStream } from '@rt/net';
import { TlsAcceptor } from '@rt/tls';
import { spawn, type JoinHandle } from '@rt/scheduler';
import { Semaphore, type SemaphorePermit } from '@rt/sync';
import { Instant, interval } from '@rt/time';
import { serveConnection, type ConnectionState, type Shared } from './connection.js';
import { Db } from './db.js';
import { PubSub } from './pub-sub.js';
import type { RespLimits } from './resp-parser.js';

/** Options of {@link Server.bind}. */
export interface ServerOptions {
  /** Address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 6379 (0 picks a free one: read it back with `port`). */
  readonly port?: number;
  /** Most clients served at once; default 10 000. */
  readonly maxConnections?: number;
  /** Request limits (see RespParser); Redis's defaults. */
  readonly limits?: RespLimits;
  /** Messages a pub/sub channel keeps for a slow subscriber; default 1024. */
  readonly pubSubCapacity?: number;
  /** Period of the active expiry sweep in ms; default 100 (Redis's `hz 10`). */
  readonly expiryInterval?: number;
  /**
   * Serve TLS instead of plain TCP (Redis's `tls-cert-file`/`tls-key-file`); with `ca`,
   * clients must present a certificate signed by it (`tls-ca-cert-file`, `tls-auth-clients`).
   */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer };
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`mini-redis: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** A bound mini-redis server; `run()` serves, `shutdown()` stops. */
export class Server {
  readonly db: Db;
  readonly pubSub: PubSub;
  readonly #listener: TcpListener;
  readonly #port: number;
  readonly #limit: Semaphore;
  readonly #expiryInterval: number;
  readonly #stop = new AbortController();
  readonly #shared: Shared;
  readonly #connections = new Set<ConnectionState & { task?: JoinHandle<void> }>();
  readonly #tls: TlsAcceptor | undefined;
  #idle: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  private constructor(listener: TcpListener, options: ServerOptions) {
    this.#listener = listener;
    this.#port = listener.localAddr().port;
    this.#limit = new Semaphore(positiveInteger('maxConnections', options.maxConnections, 10_000));
    this.#expiryInterval = positiveInteger('expiryInterval', options.expiryInterval, 100);
    this.db = new Db(() => Instant.now().valueOf());
    this.pubSub = new PubSub(options.pubSubCapacity);
    this.#shared = { db: this.db, pubSub: this.pubSub, limits: options.limits ?? {}, shutdown: this.#stop.signal };
    const tls = options.tls;
    this.#tls = tls === undefined ? undefined : new TlsAcceptor({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true }) });
  }

  /** Binds the listening socket (validating every option first). */
  static async bind(options: ServerOptions = {}): Promise<Server> {
    const port = positiveInteger('port', options.port, 6379, 0);
    if (port > 65535) throw new RangeError(`mini-redis: port must be ≤ 65535, got ${port}`);
    positiveInteger('maxConnections', options.maxConnections, 1);
    positiveInteger('expiryInterval', options.expiryInterval, 1);
    const listener = await TcpListener.bind({ host: options.host ?? '127.0.0.1', port });
    try {
      return new Server(listener, options);
    } catch (error) {
      listener.close();
      throw error;
    }
  }

  /** The address the server listens on. */
  localAddr(): SocketAddr {
    return this.#listener.localAddr();
  }

  /** The port the server listens on. */
  get port(): number {
    return this.#port;
  }

  /** Clients connected now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** True once `shutdown()` was called. */
  get isShutdown(): boolean {
    return this.#stop.signal.aborted;
  }

  /**
   * Accepts and serves clients until `shutdown()`; resolves then. Rejects with the
   * listener's error, or `Cancelled` when the calling task is aborted (call `shutdown()`
   * afterwards to close the connections gracefully).
   */
  async run(): Promise<void> {
    const signal = this.#stop.signal;
    const sweeper = spawn(() => this.#sweep(signal), { name: 'mini-redis expiry' });
    try {
      for (;;) {
        const permit = await this.#limit.acquire({ signal });
        let stream: TcpStream;
        try {
          stream = await this.#listener.accept({ signal });
        } catch (error) {
          permit.release();
          throw error;
        }
        this.#serve(stream, permit);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      sweeper.abort();
    }
  }

  #serve(stream: TcpStream, permit: SemaphorePermit): void {
    const state: ConnectionState & { task?: JoinHandle<void> } = { idle: false };
    this.#connections.add(state);
    state.task = spawn(async () => {
      try {
        if (this.#tls === undefined) {
          await serveConnection(stream, this.#shared, state);
        } else {
          stream.setNoDelay(true);
          let secure;
          state.idle = true; // shutdown may abort a handshake (the accept closes the socket)
          try {
            secure = await this.#tls.accept(stream);
          } finally {
            state.idle = false;
          }
          await serveConnection(secure, this.#shared, state);
        }
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        process.stderr.write(`mini-redis: connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
      } finally {
        permit.release();
        this.#connections.delete(state);
        if (this.#connections.size === 0) this.#idle?.();
      }
    }, { name: 'mini-redis connection' });
  }

  async #sweep(signal: AbortSignal): Promise<void> {
    const ticker = interval(this.#expiryInterval);
    try {
      for (;;) {
        await ticker.tick({ signal });
        // Redis's active expiry: sample keys with a deadline; go on while a quarter or
        // more of a sample had expired, at most 16 samples per tick.
        for (let round = 0; round < 16 && this.db.sweep(20) >= 5; round++);
      }
    } catch {
      // aborted: the server is shutting down
    } finally {
      ticker[Symbol.dispose]();
    }
  }

  /**
   * Stops accepting, lets every connection finish the commands it has read (their replies
   * are written), closes them, and resolves when the last one is closed. Idempotent. Uses
   * only plain promises, so it also works from a task that is being aborted (a `main`
   * interrupted by SIGINT).
   */
  shutdown(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#stop.abort(new Error('mini-redis is shutting down'));
    this.#listener.close();
    this.#limit.close();
    // Connections waiting for input stop now; busy ones stop when they next would wait.
    for (const connection of this.#connections) if (connection.idle) connection.task?.abort();
    this.#closed = this.#connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#idle = resolve));
    return this.#closed;
  }
}
