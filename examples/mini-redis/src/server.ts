// The mini-redis server: a TcpListener, an accept loop bounded by a Semaphore (at most
// `maxConnections` clients at once: the next accept waits for a permit, as in Tokio's
// mini-redis), one task per connection, an active-expiry task on an `@rt/time` interval,
// and a graceful `shutdown()`: a root `CancellationToken` that every connection watches
// where it waits for a command, and a `TaskTracker` of the connections, awaited with a
// deadline.
import { TcpListener, type SocketAddr, type TcpStream } from '@rt/net';
import { TlsAcceptor } from '@rt/tls';
import { spawn, type JoinHandle } from '@rt/scheduler';
import { Semaphore, type SemaphorePermit } from '@rt/sync';
import { Instant, interval } from '@rt/time';
import { CancellationToken, TaskTracker } from '@rt/util';
import { serveConnection, type Shared } from './connection.js';
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
   * How long `shutdown()` waits for the connections to finish their commands, in ms, before
   * it aborts the ones left; default 10 000.
   */
  readonly shutdownTimeout?: number;
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
  readonly #shutdownTimeout: number;
  /** Cancelled by `shutdown()`; each connection watches a child of it. */
  readonly #root = new CancellationToken();
  readonly #tracker = new TaskTracker();
  /** The connection tasks, aborted if they outlive the shutdown deadline. */
  readonly #tasks = new Set<JoinHandle<void>>();
  readonly #shared: Shared;
  readonly #tls: TlsAcceptor | undefined;
  #closed: Promise<void> | undefined;

  private constructor(listener: TcpListener, options: ServerOptions) {
    this.#listener = listener;
    this.#port = listener.localAddr().port;
    this.#limit = new Semaphore(positiveInteger('maxConnections', options.maxConnections, 10_000));
    this.#expiryInterval = positiveInteger('expiryInterval', options.expiryInterval, 100);
    this.#shutdownTimeout = positiveInteger('shutdownTimeout', options.shutdownTimeout, 10_000);
    this.db = new Db(() => Instant.now().valueOf());
    this.pubSub = new PubSub(options.pubSubCapacity);
    this.#shared = { db: this.db, pubSub: this.pubSub, limits: options.limits ?? {} };
    const tls = options.tls;
    this.#tls = tls === undefined ? undefined : new TlsAcceptor({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true }) });
  }

  /** Binds the listening socket (validating every option first). */
  static async bind(options: ServerOptions = {}): Promise<Server> {
    const port = positiveInteger('port', options.port, 6379, 0);
    if (port > 65535) throw new RangeError(`mini-redis: port must be ≤ 65535, got ${port}`);
    positiveInteger('maxConnections', options.maxConnections, 1);
    positiveInteger('expiryInterval', options.expiryInterval, 1);
    positiveInteger('shutdownTimeout', options.shutdownTimeout, 1);
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
    return this.#tracker.len;
  }

  /** True once `shutdown()` was called. */
  get isShutdown(): boolean {
    return this.#root.isCancelled;
  }

  /**
   * Accepts and serves clients until `shutdown()`; resolves then. Rejects with the
   * listener's error, or `Cancelled` when the calling task is aborted (call `shutdown()`
   * afterwards to close the connections gracefully).
   */
  async run(): Promise<void> {
    const signal = this.#root.signal;
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
    const token = this.#root.childToken();
    const task = this.#tracker.spawn(async () => {
      using _guard = token.dropGuard(); // leaves the root token's tree when done
      try {
        if (this.#tls === undefined) {
          await serveConnection(stream, this.#shared, token);
        } else {
          stream.setNoDelay(true);
          const tls = this.#tls;
          // A shutdown aborts a handshake (the accept closes the socket).
          const secure = await token.runUntilCancelled((signal) => tls.accept(stream, { signal }));
          if (secure === undefined) {
            stream.close();
            return;
          }
          await serveConnection(secure, this.#shared, token);
        }
      } catch (error) {
        if (this.#root.isCancelled) return;
        process.stderr.write(`mini-redis: connection failed: ${error instanceof Error ? error.message : String(error)}\n`);
      } finally {
        permit.release();
        this.#tasks.delete(task);
      }
    }, { name: 'mini-redis connection' });
    this.#tasks.add(task);
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
   * are written), closes them, and resolves when the last one is closed: it cancels the root
   * token, closes the listener and awaits the connections' tracker. Connections still busy
   * after `shutdownTimeout` ms are aborted, then it resolves. Idempotent. Works from a task
   * that is being aborted too.
   *
   * **Cancellation:** the returned promise is shared by every call; nothing is undone by
   * not awaiting it.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * process.once('SIGTERM', () => void server.shutdown());
   * ```
   */
  shutdown(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#root.cancel(new Error('mini-redis is shutting down'));
    this.#listener.close();
    this.#limit.close();
    this.#tracker.close();
    // The wait runs in a task of its own: `shutdown()` is also called from a task that is
    // being aborted (a `main` interrupted by SIGINT), whose own rt waits would reject at once.
    const tracker = this.#tracker;
    const deadline = AbortSignal.timeout(this.#shutdownTimeout);
    // It settles a plain promise (a JoinHandle is awaited with an rt wait too).
    this.#closed = new Promise<void>((resolve) => {
      spawn(async () => {
        try {
          await tracker.wait({ signal: deadline });
        } catch {
          for (const task of this.#tasks) task.abort();
          await tracker.wait();
        } finally {
          resolve();
        }
      }, { name: 'mini-redis shutdown' });
    });
    return this.#closed;
  }
}
