import type { WaitOptions } from '@rt/scheduler';
import { NetError, SocketClosed } from './errors.js';
import type { Driver, DriverName, ListenerHandle } from './internal/driver.js';
import { checkTtl, toSocketAddr } from './internal/ip-socket.js';
import { driverFor } from './internal/select-driver.js';
import { resolve } from './lookup-host.js';
import { describe, toHostPort } from './socket-addr.js';
import type { SocketAddr, ToSocketAddrs } from './socket-addr.js';
import { TcpStream } from './tcp-stream.js';
import { acceptChannel, traced } from './internal/diagnostics.js';

/**
 * Options of {@link TcpListener.bind} and `UnixListener.bind`: the `listen(2)` backlog,
 * IPv6-only binding, the driver, and a `signal` for the name resolution.
 *
 * **Cancellation:** aborting `signal` while a host name resolves rejects with `Cancelled`.
 *
 * **Errors:** `RangeError` for a backlog that is not an integer >= 1; `TypeError` for a
 * non-boolean `ipv6Only`.
 *
 * **Example**
 * ```ts
 * await TcpListener.bind('[::]:8080', { backlog: 4096, ipv6Only: true });
 * ```
 */
export interface BindOptions extends WaitOptions {
  /** Pending-connection queue length passed to `listen(2)` (default 1024). */
  backlog?: number;
  /** When binding `::`, accept IPv6 only (default false: dual stack). */
  ipv6Only?: boolean;
  /** Force a driver for this listener and the streams it accepts. */
  driver?: DriverName;
}

/**
 * Options of {@link TcpListener.bind}: those of {@link BindOptions} plus `reusePort`
 * (SO_REUSEPORT), which lets several listeners — in several worker threads or processes —
 * bind the same address, the kernel spreading incoming connections across them.
 *
 * **Cancellation:** as {@link BindOptions}.
 *
 * **Errors:** `TypeError` for a non-boolean `reusePort`; {@link NetError} `ENOTSUP` from
 * `bind` on the fallback driver where Node lacks `listen({ reusePort })` (before 22.12).
 *
 * **Example**
 * ```ts
 * // In each worker thread: the kernel balances connections across the listeners.
 * await using listener = await TcpListener.bind('0.0.0.0:8080', { reusePort: true });
 * ```
 */
export interface TcpBindOptions extends BindOptions {
  /** Set SO_REUSEPORT before binding (default false). Every socket sharing the port must set it. */
  reusePort?: boolean;
}

/** @internal */
export function listenOptions(options: BindOptions | undefined, what: string): { backlog: number; ipv6Only: boolean } {
  const backlog = options?.backlog ?? 1024;
  if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 1) {
    throw new RangeError(`${what}: backlog must be an integer >= 1, got ${describe(backlog)}`);
  }
  const ipv6Only = options?.ipv6Only ?? false;
  if (typeof ipv6Only !== 'boolean') throw new TypeError(`${what}: ipv6Only must be a boolean, got ${describe(ipv6Only)}`);
  return { backlog, ipv6Only };
}

/**
 * A TCP socket listening for connections (Tokio's `TcpListener`).
 *
 * `accept()` resolves with the next connection, FIFO among concurrent callers; `for await
 * (const stream of listener)` accepts in a loop until the listener is closed. When the
 * kernel reports readiness the native driver drains the backlog in one batch.
 *
 * **Cancellation:** `accept` is cancel safe: an abort never loses a connection (it stays
 * queued for the next `accept`).
 *
 * **Errors:** `bind` rejects with {@link NetError} (`EADDRINUSE`,
 * `EACCES`, …) and throws `TypeError`/`RangeError` for a malformed
 * address; `accept` rejects with {@link SocketClosed} once the listener is closed, and
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * console.log(`listening on ${listener.localAddr()}`);
 * for await (const stream of listener) {
 *   spawn(async () => { await using s = stream; await copy(s, s); });
 * }
 * ```
 */
export class TcpListener implements AsyncIterable<TcpStream> {
  readonly #handle: ListenerHandle;

  /** @internal Use {@link TcpListener.bind}. */
  constructor(handle: ListenerHandle) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { accept?: unknown }).accept !== 'function') {
      throw new TypeError('TcpListener cannot be constructed directly: use TcpListener.bind()');
    }
    this.#handle = handle;
  }

  /**
   * Creates a listener bound to `addr` (`'host:port'`, `'[v6]:port'`, `{ host, port }` —
   * host defaults to `'0.0.0.0'` — or a SocketAddr). Port 0 picks a free port: read it
   * back with `localAddr()`. A host name is resolved and each address tried in order.
   * `{ reusePort: true }` sets SO_REUSEPORT so other listeners (other threads) can bind the
   * same address; pass the port the first one got to the others when binding port 0.
   *
   * **Cancellation:** cancel safe until the socket is bound (then it completes).
   *
   * **Errors:** `TypeError`/`RangeError` for a malformed address, port or option
   * (synchronously); {@link NetError} from the OS for the last address tried
   * (`EADDRINUSE`, …); `Cancelled`.
   *
   * **Example**
   * ```ts
   * const listener = await TcpListener.bind({ host: '::1', port: 0 });
   * const first = await TcpListener.bind('127.0.0.1:0', { reusePort: true });
   * const second = await TcpListener.bind(first.localAddr(), { reusePort: true });
   * ```
   */
  static async bind(addr: ToSocketAddrs, options?: TcpBindOptions): Promise<TcpListener> {
    const { host, port } = toHostPort(addr, '0.0.0.0', 'TcpListener.bind');
    const reusePort = options?.reusePort ?? false;
    if (typeof reusePort !== 'boolean') throw new TypeError(`TcpListener.bind: reusePort must be a boolean, got ${describe(reusePort)}`);
    const listen = { ...listenOptions(options, 'TcpListener.bind'), reusePort };
    const driver: Driver = driverFor(options?.driver);
    const addresses = await resolve(host, port, options?.signal === undefined ? undefined : { signal: options.signal });
    let last: unknown;
    for (const a of addresses) {
      try {
        return new TcpListener(await driver.listenTcp(a.ip, a.port, listen));
      } catch (error) {
        if (!(error instanceof NetError)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /**
   * Adopts a listening TCP socket given as a raw fd — one another thread gave up with
   * {@link TcpListener.intoRawFd}, or one inherited from a supervisor (fds are process-wide)
   * — and registers it with the current runtime (Tokio's `TcpListener::from_std`). The
   * listener owns the fd from then on.
   *
   * **Cancellation:** not applicable (completes without waiting).
   *
   * **Errors:** `TypeError`/`RangeError` for an fd that is not an integer 0 … 2^31-1;
   * {@link NetError} — and the fd is left open, not owned — for one that is not an open,
   * listening, non-blocking IPv4/IPv6 stream socket (`EBADF`, `ENOTSOCK`, `EPROTOTYPE`,
   * `EAFNOSUPPORT`, `EINVAL`).
   *
   * **Example**
   * ```ts
   * const listener = await TcpListener.fromRawFd(fd);
   * ```
   */
  static async fromRawFd(fd: number, options?: { driver?: DriverName }): Promise<TcpListener> {
    if (typeof fd !== 'number') throw new TypeError(`TcpListener.fromRawFd: fd must be a number, got ${describe(fd)}`);
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw new RangeError(`TcpListener.fromRawFd: fd must be an integer 0-2147483647, got ${describe(fd)}`);
    }
    return new TcpListener(await driverFor(options?.driver).adoptTcpListener(fd));
  }

  /**
   * Gives up the listening socket: deregisters it from this runtime's reactor and returns
   * its fd, still open and listening, for another thread to adopt with
   * {@link TcpListener.fromRawFd} (Tokio's `into_std`). The listener is closed for use
   * afterwards: parked `accept` calls reject with {@link SocketClosed}.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** {@link SocketClosed} when closed; {@link NetError} `ENOTSUP` on the fallback
   * driver.
   *
   * **Example**
   * ```ts
   * const fd = listener.intoRawFd();
   * ```
   */
  intoRawFd(): number {
    const handle = this.#handle;
    if (handle.closed) throw new SocketClosed('the listener is closed');
    if (handle.intoRawFd === undefined) {
      throw new NetError('ENOTSUP', 'intoRawFd', `TcpListener.intoRawFd: the ${handle.driver} driver (Node net) cannot give up a socket's fd`);
    }
    return handle.intoRawFd();
  }

  /**
   * Waits for the next incoming connection and resolves with its stream.
   *
   * **Cancellation:** cancel safe: an abort never loses a connection.
   *
   * **Errors:** {@link SocketClosed} once the listener is closed; {@link NetError} for a
   * listener-level failure; `Cancelled`. Per-connection failures (`ECONNABORTED`) and
   * `EMFILE`/`ENFILE` do not end the listener: they are retried.
   *
   * **Example**
   * ```ts
   * const stream = await listener.accept();
   * console.log(stream.peerAddr().toString());
   * ```
   */
  async accept(options?: WaitOptions): Promise<TcpStream> {
    if (acceptChannel.hasSubscribers) return traced(acceptChannel, { local: String(this.localAddr()) }, async () => new TcpStream(await this.#handle.accept(options)));
    return new TcpStream(await this.#handle.accept(options));
  }

  /**
   * Accepts a connection that is already queued, without waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when none is queued; {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * try { handle(listener.tryAccept()); } catch (e) { if (!(e instanceof WouldBlock)) throw e; }
   * ```
   */
  tryAccept(): TcpStream {
    return new TcpStream(this.#handle.tryAccept());
  }

  /**
   * The address the listener is bound to, with the port the OS chose for port 0.
   *
   * **Cancellation:** not applicable. **Errors:** {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * const port = listener.localAddr().port;
   * ```
   */
  localAddr(): SocketAddr {
    return toSocketAddr(this.#handle.localAddress());
  }

  /**
   * Sets the IP time-to-live of accepted sockets' packets (native driver only).
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` outside 1–255;
   * {@link NetError} (`ENOTSUP`) on the fallback driver.
   *
   * **Example**
   * ```ts
   * listener.setTtl(64);
   * ```
   */
  setTtl(ttl: number): void {
    checkTtl(ttl, 'TcpListener.setTtl');
    this.#handle.setTtl(ttl);
  }

  /** The IP time-to-live. See {@link TcpListener.setTtl}. */
  ttl(): number {
    return this.#handle.ttl();
  }

  /** Which driver this listener uses: `'native'` or `'fallback'`. */
  get driver(): DriverName {
    return this.#handle.driver;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#handle.closed;
  }

  /**
   * Stops listening and closes the socket (idempotent). Parked `accept` calls reject with
   * {@link SocketClosed}; connections queued but not accepted are closed. Accepted streams
   * are not affected.
   *
   * **Cancellation:** not applicable. **Errors:** none.
   *
   * **Example**
   * ```ts
   * listener.close();
   * ```
   */
  close(): void {
    this.#handle.close();
  }

  /** `await using listener = await TcpListener.bind(addr)`: closes the listener. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Accepts connections in a loop; the iteration ends when the listener is closed.
   * Breaking out of the loop does not close the listener.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<TcpStream> {
    for (;;) {
      let stream: TcpStream;
      try {
        stream = await this.accept();
      } catch (error) {
        if (error instanceof SocketClosed && this.#handle.closed) return;
        throw error;
      }
      yield stream;
    }
  }
}
