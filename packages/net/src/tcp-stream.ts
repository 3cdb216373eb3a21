import { intoRegistration } from '@rt/reactor';
import type { RegisteredFd } from '@rt/reactor';
import type { WaitOptions } from '@rt/scheduler';
import { ConnectError, NetError, SocketClosed } from './errors.js';
import type { ConnectAttempt } from './errors.js';
import { ByteStream } from './internal/byte-stream.js';
import type { DriverName, StreamHandle } from './internal/driver.js';
import { checkTtl, toSocketAddr } from './internal/ip-socket.js';
import { driverFor } from './internal/select-driver.js';
import { resolve } from './lookup-host.js';
import type { SocketAddr } from './socket-addr.js';
import { describe, toHostPort } from './socket-addr.js';
import type { ToSocketAddrs } from './socket-addr.js';
import { connectChannel, traced } from './internal/diagnostics.js';

/**
 * Options of {@link TcpStream.connect} and `UnixStream.connect`: an abort `signal`, and the
 * driver for this one socket.
 *
 * **Cancellation:** aborting `signal` cancels the connect (cancel safe: no socket is left
 * open).
 *
 * **Errors:** `TypeError` from `connect` when `signal` is not an AbortSignal; `Error` when
 * `driver: 'native'` is asked for where the addon is not available.
 *
 * **Example**
 * ```ts
 * await TcpStream.connect('127.0.0.1:8080', { signal: AbortSignal.timeout(1000), driver: 'fallback' });
 * ```
 */
export interface ConnectOptions extends WaitOptions {
  /** Force a driver for this socket (default: `RT_NET_DRIVER`, else native when available). */
  driver?: DriverName;
}

/**
 * Options of {@link TcpStream.fromRawFd}: the driver to adopt the fd with, and a hook told
 * when the adopted socket leaves this thread's hands.
 *
 * **Cancellation:** not applicable (options of a synchronous call).
 *
 * **Errors:** `TypeError` from `fromRawFd` when `onClose` is not a function.
 *
 * **Example**
 * ```ts
 * const stream = TcpStream.fromRawFd(fd, { onClose: () => active-- });
 * ```
 */
export interface FromRawFdOptions {
  /** Adopt with this driver (default: `RT_NET_DRIVER`, else native when available). */
  driver?: DriverName;
  /**
   * Called once, synchronously, when the stream stops owning the fd: `close()`, disposal,
   * both owned halves closed (just before the fd is closed), or `intoRawFd()`. Not called
   * when the runtime simply ends. A throwing `onClose` does not keep the fd open: `close()`
   * closes it, then rethrows the error.
   */
  onClose?: () => void;
}


/**
 * A TCP connection you `read()` from and `write()` to, with backpressure (Tokio's
 * `TcpStream`).
 *
 * Made by {@link TcpStream.connect} or {@link TcpListener.accept}. Implements `@rt/io`'s
 * `AsyncRead` and `AsyncWrite`, so `readExact`, `copy`, `BufReader`, `lines()` and the other
 * `@rt/io` helpers work on it. Reads are FIFO among concurrent readers, writes FIFO among
 * concurrent writers; `split()` gives a reader and a writer to hand to two tasks.
 *
 * `close()` (or `await using`) releases the socket at once: bytes already accepted by
 * `write` are still sent, unread incoming bytes are discarded (the peer may see a reset).
 * Call `shutdown()` first for an orderly end of stream.
 *
 * **Cancellation:** `read`, `peek`, `readable`, `writable`, `ready`, `write` and `writev`
 * are cancel safe: an abort before they complete rejects with `Cancelled` having read or
 * written nothing. `writeAll` is not (some bytes may have been written). `flush` and
 * `shutdown` can be called again after an abort to finish the job. `connect` is cancel
 * safe: the half-open socket is closed.
 *
 * **Errors:** {@link NetError} for OS errors — a peer reset is `ECONNRESET`
 * (`errno` `'ECONNRESET'`) on the next operation, a write after `shutdown()` or to a
 * closed peer `EPIPE` (`'EPIPE'`); {@link SocketClosed} after `close()`;
 * `Cancelled` on abort; `TypeError` for arguments of the wrong type.
 *
 * **Example**
 * ```ts
 * await using stream = await TcpStream.connect('127.0.0.1:8080');
 * await stream.writeAll(new TextEncoder().encode('ping\n'));
 * const buf = new Uint8Array(1024);
 * const n = await stream.read(buf); // 0 would mean the peer closed
 * ```
 */
export class TcpStream extends ByteStream {
  /** @internal Use {@link TcpStream.connect} or {@link TcpListener.accept}. */
  constructor(handle: StreamHandle) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { read?: unknown }).read !== 'function') {
      throw new TypeError('TcpStream cannot be constructed directly: use TcpStream.connect() or TcpListener.accept()');
    }
    super(handle);
  }

  /** @internal */
  protected wrap(handle: StreamHandle): this {
    return new TcpStream(handle) as this;
  }

  /**
   * Opens a TCP connection to `addr`, trying each address it resolves to in order until one
   * connects.
   *
   * `addr` is `'host:port'`, `'[v6]:port'`, `{ host, port }` (host defaults to
   * `'localhost'`) or a {@link SocketAddr}.
   *
   * **Cancellation:** cancel safe: an abort rejects with `Cancelled` and closes the socket
   * being connected; no connection is left open.
   *
   * **Errors:** `TypeError`/`RangeError` for a malformed address or port (synchronously);
   * {@link ConnectError} when no address connects — a {@link NetError} with the last
   * attempt's `code` (`ECONNREFUSED`, …), `address` and `port`, whose `errors`/`attempts`
   * list each address's error; when the name did not resolve, the resolver's code
   * (`ENOTFOUND`) and no attempts; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const stream = await TcpStream.connect('localhost:8080', { signal: AbortSignal.timeout(5000) });
   * ```
   */
  static connect(addr: ToSocketAddrs, options?: ConnectOptions): Promise<TcpStream> {
    const { host, port } = toHostPort(addr, 'localhost', 'TcpStream.connect');
    const driver = driverFor(options?.driver);
    if (connectChannel.hasSubscribers) return traced(connectChannel, { host, port }, () => connectAll(driver.connectTcp.bind(driver), host, port, options));
    return connectAll(driver.connectTcp.bind(driver), host, port, options);
  }

  /**
   * Adopts a connected TCP socket given as a raw fd — typically one that another worker
   * thread gave up with {@link TcpStream.intoRawFd} (fds are process-wide) — and registers
   * it with the current runtime (Tokio's `TcpStream::from_std`). The stream owns the fd
   * from then on: `close()` closes it.
   *
   * The fd must be an open, connected IPv4/IPv6 stream socket in non-blocking mode (as
   * `intoRawFd` and `accept` leave it). On the fallback driver it is wrapped in a Node
   * `net.Socket`.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** `TypeError` for a non-number fd, `RangeError` for one that is not an integer
   * 0 … 2^31-1 (negative, NaN); {@link NetError} — and the fd is left open, not owned — when
   * it is not usable: `EBADF` (not open), `ENOTSOCK` (a file or a pipe), `EPROTOTYPE` (not
   * a stream socket), `EAFNOSUPPORT` (a Unix socket), `ENOTCONN` (not connected, e.g. a
   * listening socket), `EINVAL` (blocking mode). `TypeError` for a bad `onClose`.
   *
   * **Example**
   * ```ts
   * // Thread A:
   * const fd = (await listener.accept()).intoRawFd();
   * port.postMessage(fd);
   * // Thread B, inside its runtime:
   * await using stream = TcpStream.fromRawFd(fd);
   * ```
   */
  static fromRawFd(fd: number, options?: FromRawFdOptions): TcpStream {
    if (typeof fd !== 'number') throw new TypeError(`TcpStream.fromRawFd: fd must be a number, got ${describe(fd)}`);
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw new RangeError(`TcpStream.fromRawFd: fd must be an integer 0-2147483647, got ${describe(fd)}`);
    }
    const onClose = options?.onClose;
    if (onClose !== undefined && typeof onClose !== 'function') {
      throw new TypeError(`TcpStream.fromRawFd: onClose must be a function, got ${describe(onClose)}`);
    }
    const handle = driverFor(options?.driver).adoptTcp(fd);
    if (onClose !== undefined) handle.onRelease(onClose);
    return new TcpStream(handle);
  }

  /**
   * Gives up the socket: deregisters it from this runtime's reactor and returns its fd,
   * still open, for another thread to adopt with {@link TcpStream.fromRawFd} (Tokio's
   * `TcpStream::into_std`). The stream is closed for use afterwards (`SocketClosed`), and
   * its `close()` no longer touches the fd: the caller owns it and must adopt or close it.
   *
   * Pending reads and writes on the stream reject with `SocketClosed`. Bytes the kernel has
   * buffered stay with the socket and are read by the new owner.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** {@link SocketClosed} when the stream is closed or was moved into halves
   * (`intoSplit`); {@link NetError} `ENOTSUP` on the fallback driver (Node's `net` cannot
   * let go of a socket's fd).
   *
   * **Example**
   * ```ts
   * const fd = stream.intoRawFd();
   * worker.postMessage({ fd }); // the worker calls TcpStream.fromRawFd(fd)
   * ```
   */
  intoRawFd(): number {
    if (this.core.moved) throw new SocketClosed('the stream was moved into its halves (intoSplit)');
    const handle = this.core.handle;
    if (handle.closed) throw new SocketClosed();
    if (handle.intoRawFd === undefined) {
      throw new NetError('ENOTSUP', 'intoRawFd', `TcpStream.intoRawFd: the ${handle.driver} driver (Node net) cannot give up a socket's fd`);
    }
    return handle.intoRawFd();
  }

  /**
   * Gives up the socket's fd together with its live reactor registration, for a new owner on
   * this runtime (`@rt/tls` takes its sockets this way): as {@link TcpStream.intoRawFd}, but
   * without deregistering, so no `epoll_ctl` DEL + ADD in between and the cached readiness
   * goes along (see `@rt/reactor`'s `intoRegistration`). The caller must `deregister()` the
   * registration and close the fd. Returns `undefined`, giving up nothing, on the fallback
   * driver or when the runtime's reactor closed already.
   *
   * **Cancellation:** not applicable (synchronous). Pending reads and writes on the stream
   * reject with `SocketClosed`.
   *
   * **Errors:** {@link SocketClosed} when the stream is closed or was moved into halves.
   *
   * **Example**
   * ```ts
   * const handed = stream[intoRegistration]();
   * if (handed === undefined) return fallback(stream.intoRawFd());
   * ```
   */
  [intoRegistration](): RegisteredFd | undefined {
    if (this.core.moved) throw new SocketClosed('the stream was moved into its halves (intoSplit)');
    const handle = this.core.handle;
    if (handle.closed) throw new SocketClosed();
    return handle.intoRegistration?.();
  }

  /**
   * Enables or disables Nagle's algorithm (`TCP_NODELAY`): `true` sends small writes at once.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * stream.setNoDelay(true);
   * ```
   */
  setNoDelay(noDelay: boolean): void {
    if (typeof noDelay !== 'boolean') throw new TypeError(`setNoDelay: expected a boolean, got ${describe(noDelay)}`);
    this.core.get().setNoDelay(noDelay);
  }

  /** Whether `TCP_NODELAY` is set. See {@link TcpStream.setNoDelay}. */
  noDelay(): boolean {
    return this.core.get().noDelay();
  }

  /**
   * Sets `SO_LINGER`: `null` (default) closes in the background; `0` makes `close()` reset
   * the connection (RST) and drop unsent bytes; `n > 0` (native driver only) makes close
   * linger up to `n` seconds.
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` for a negative or fractional
   * value; {@link NetError} `ENOTSUP` for `n > 0` on the fallback
   * driver; {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * stream.setLinger(0);
   * stream.close(); // the peer's next read fails with ECONNRESET
   * ```
   */
  setLinger(seconds: number | null): void {
    if (seconds !== null && (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)) {
      throw new RangeError(`setLinger: seconds must be null or an integer >= 0, got ${describe(seconds)}`);
    }
    this.core.get().setLinger(seconds);
  }

  /** The `SO_LINGER` setting (`null`: off). See {@link TcpStream.setLinger}. */
  linger(): number | null {
    return this.core.get().linger();
  }

  /**
   * Enables or disables TCP keepalive probes, the first after `initialDelayMs` idle
   * milliseconds (0: the system default).
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` for a negative delay;
   * {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * stream.setKeepAlive(true, 60_000);
   * ```
   */
  setKeepAlive(enable: boolean, initialDelayMs = 0): void {
    if (typeof enable !== 'boolean') throw new TypeError(`setKeepAlive: enable must be a boolean, got ${describe(enable)}`);
    if (typeof initialDelayMs !== 'number' || !Number.isFinite(initialDelayMs) || initialDelayMs < 0) {
      throw new RangeError(`setKeepAlive: initialDelayMs must be a number >= 0, got ${describe(initialDelayMs)}`);
    }
    this.core.get().setKeepAlive(enable, initialDelayMs);
  }

  /**
   * Sets the IP time-to-live of outgoing packets (`IP_TTL`). Native driver only.
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` outside 1–255; {@link NetError}
   * (`ENOTSUP`) on the fallback driver; {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * stream.setTtl(64);
   * ```
   */
  setTtl(ttl: number): void {
    checkTtl(ttl, 'setTtl');
    this.core.get().setTtl(ttl);
  }

  /** The IP time-to-live. See {@link TcpStream.setTtl}. */
  ttl(): number {
    return this.core.get().ttl();
  }

  /**
   * The local address of this connection.
   *
   * **Cancellation:** not applicable. **Errors:** {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * console.log(stream.localAddr().toString()); // '127.0.0.1:53122'
   * ```
   */
  localAddr(): SocketAddr {
    return toSocketAddr(this.core.get().localAddress());
  }

  /**
   * The address of the peer.
   *
   * **Cancellation:** not applicable. **Errors:** {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * console.log(`connection from ${stream.peerAddr()}`);
   * ```
   */
  peerAddr(): SocketAddr {
    return toSocketAddr(this.core.get().peerAddress());
  }

}

/** @internal Tries each resolved address in order, collecting each failure. */
export async function connectAll<T>(
  connectOne: (ip: string, port: number, options: WaitOptions | undefined) => Promise<StreamHandle>,
  host: string,
  port: number,
  options: ConnectOptions | undefined,
  wrap: (handle: StreamHandle) => T = (h) => new TcpStream(h) as T,
): Promise<T> {
  const waitOptions: WaitOptions | undefined = options?.signal === undefined ? undefined : { signal: options.signal };
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  let addresses: SocketAddr[];
  try {
    addresses = await resolve(host, port, waitOptions);
  } catch (error) {
    if (error instanceof NetError) throw new ConnectError(target, [], error);
    throw error;
  }
  const attempts: ConnectAttempt[] = [];
  for (const address of addresses) {
    try {
      return wrap(await connectOne(address.ip, address.port, waitOptions));
    } catch (error) {
      if (!(error instanceof NetError)) throw error;
      attempts.push({ address, error });
    }
  }
  throw new ConnectError(target, attempts);
}

