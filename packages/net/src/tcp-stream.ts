import type { WaitOptions } from '@rt/scheduler';
import { ConnectError, NetError, SocketClosed } from './errors.js';
import type { ConnectAttempt } from './errors.js';
import type { DriverName, RawAddress, StreamHandle } from './internal/driver.js';
import { READABLE, WRITABLE } from './internal/driver.js';
import { driverFor } from './internal/select-driver.js';
import { StreamCore, checkBuffer, checkBuffers, interestBits, readyOf, writeAllTo } from './internal/stream-core.js';
import type { Interest, Ready } from './internal/stream-core.js';
import { resolve } from './lookup-host.js';
import { SocketAddr, describe, toHostPort } from './socket-addr.js';
import type { ToSocketAddrs } from './socket-addr.js';
import { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from './split.js';

/** Options of {@link TcpStream.connect}. */
export interface ConnectOptions extends WaitOptions {
  /** Force a driver for this socket (default: `RT_NET_DRIVER`, else native when available). */
  driver?: DriverName;
}

/** @internal */
export function toSocketAddr(raw: RawAddress): SocketAddr {
  if ('ip' in raw) return new SocketAddr(raw.ip, raw.port);
  throw new TypeError('expected an IP address, got a Unix socket path');
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
 * **Errors:** {@link NetError} for OS errors — a peer reset is `ERR_RT_CONNECTION_RESET`
 * (`errno` `'ECONNRESET'`) on the next operation, a write after `shutdown()` or to a
 * closed peer `ERR_RT_BROKEN_PIPE` (`'EPIPE'`); {@link SocketClosed} after `close()`;
 * `Cancelled` on abort; `TypeError` for arguments of the wrong type.
 *
 * **Example:**
 * ```ts
 * await using stream = await TcpStream.connect('127.0.0.1:8080');
 * await stream.writeAll(new TextEncoder().encode('ping\n'));
 * const buf = new Uint8Array(1024);
 * const n = await stream.read(buf); // 0 would mean the peer closed
 * ```
 */
export class TcpStream {
  readonly #core: StreamCore;

  /** @internal Use {@link TcpStream.connect} or {@link TcpListener.accept}. */
  constructor(handle: StreamHandle) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { read?: unknown }).read !== 'function') {
      throw new TypeError('TcpStream cannot be constructed directly: use TcpStream.connect() or TcpListener.accept()');
    }
    this.#core = new StreamCore(handle);
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
   * {@link ConnectError} when no address connects — its `attempts` list each address with
   * its {@link NetError} (`ERR_RT_CONNECTION_REFUSED`, …), and it has no attempts when the
   * name did not resolve; `Cancelled` on abort.
   *
   * **Example:**
   * ```ts
   * const stream = await TcpStream.connect('localhost:8080', { signal: AbortSignal.timeout(5000) });
   * ```
   */
  static connect(addr: ToSocketAddrs, options?: ConnectOptions): Promise<TcpStream> {
    const { host, port } = toHostPort(addr, 'localhost', 'TcpStream.connect');
    const driver = driverFor(options?.driver);
    return connectAll(driver.connectTcp.bind(driver), host, port, options);
  }

  /**
   * Reads up to `buf.length` bytes into the front of `buf`, waiting until at least one is
   * available; resolves with the count, `0` at end of stream (the peer shut down its
   * writing side) or for an empty `buf`.
   *
   * **Cancellation:** cancel safe: on abort no byte was consumed.
   *
   * **Errors:** {@link NetError} (`ERR_RT_CONNECTION_RESET`, …) once, after the bytes that
   * arrived before the error; {@link SocketClosed} after `close()`; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * const n = await stream.read(buf);
   * if (n === 0) console.log('peer closed');
   * ```
   */
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'TcpStream.read');
    return this.#core.get().read(buf, false, options);
  }

  /**
   * Like `read`, but leaves the bytes in the socket: the next `read` or `peek` sees them
   * again (MSG_PEEK).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** as `read`.
   *
   * **Example:**
   * ```ts
   * const n = await stream.peek(buf); // buf[0..n) will be read again
   * ```
   */
  peek(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'TcpStream.peek');
    return this.#core.get().read(buf, true, options);
  }

  /**
   * Reads what is available now without waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when nothing is available yet; otherwise as `read`.
   *
   * **Example:**
   * ```ts
   * await stream.readable();
   * try { const n = stream.tryRead(buf); } catch (e) { if (!(e instanceof WouldBlock)) throw e; }
   * ```
   */
  tryRead(buf: Uint8Array): number {
    checkBuffer(buf, 'TcpStream.tryRead');
    return this.#core.get().tryRead(buf);
  }

  /**
   * Waits until the stream is readable (data, end of stream or an error is ready). A
   * following `tryRead` may still throw `WouldBlock` (another reader was first).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * await stream.readable();
   * ```
   */
  async readable(options?: WaitOptions): Promise<void> {
    await this.#core.get().ready(READABLE, options);
  }

  /**
   * Waits until the stream can accept a write.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * await stream.writable();
   * stream.tryWrite(bytes);
   * ```
   */
  async writable(options?: WaitOptions): Promise<void> {
    await this.#core.get().ready(WRITABLE, options);
  }

  /**
   * Waits until any of `interest` holds and reports which readiness was found.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `TypeError` for an unknown interest; {@link SocketClosed}; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * const ready = await stream.ready('readable|writable');
   * if (ready.readable) n = stream.tryRead(buf);
   * ```
   */
  async ready(interest: Interest, options?: WaitOptions): Promise<Ready> {
    const bits = interestBits(interest);
    return readyOf(await this.#core.get().ready(bits, options));
  }

  /**
   * Writes some of `buf` (at least one byte), waiting until the socket can take it; resolves
   * with how many bytes were accepted. `buf` may be reused as soon as the promise settles.
   *
   * **Cancellation:** cancel safe: on abort nothing was written.
   *
   * **Errors:** {@link NetError} `ERR_RT_BROKEN_PIPE` after `shutdown()` or once the peer
   * is gone, `ERR_RT_CONNECTION_RESET` after a reset; {@link SocketClosed}; `Cancelled`.
   * Never raises SIGPIPE.
   *
   * **Example:**
   * ```ts
   * const n = await stream.write(bytes); // maybe fewer than bytes.length: see writeAll
   * ```
   */
  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'TcpStream.write');
    return this.#core.get().write(buf, options);
  }

  /**
   * Writes from several buffers in order (gather write); resolves with the total accepted.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** as `write`.
   *
   * **Example:**
   * ```ts
   * await stream.writev([header, body]);
   * ```
   */
  writev(buffers: readonly Uint8Array[], options?: WaitOptions): Promise<number> {
    checkBuffers(buffers, 'TcpStream.writev');
    return this.#core.get().writev(buffers, options);
  }

  /**
   * Writes without waiting; resolves nothing, returns the count accepted.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when the socket cannot take bytes now; otherwise as `write`.
   *
   * **Example:**
   * ```ts
   * const n = stream.tryWrite(bytes);
   * ```
   */
  tryWrite(buf: Uint8Array): number {
    checkBuffer(buf, 'TcpStream.tryWrite');
    return this.#core.get().tryWrite(buf);
  }

  /**
   * Writes all of `buf`, waiting as needed (Tokio's `write_all`).
   *
   * **Cancellation:** not cancel safe: on abort an unknown prefix of `buf` was written.
   *
   * **Errors:** as `write`.
   *
   * **Example:**
   * ```ts
   * await stream.writeAll(new TextEncoder().encode('hello\n'));
   * ```
   */
  writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void> {
    checkBuffer(buf, 'TcpStream.writeAll');
    return writeAllTo(this.#core.get(), buf, options);
  }

  /**
   * Resolves once every byte accepted by `write` has been handed to the kernel.
   *
   * **Cancellation:** cancel safe: call it again to finish.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * await stream.flush();
   * ```
   */
  flush(options?: WaitOptions): Promise<void> {
    return this.#core.get().flush(options);
  }

  /**
   * Flushes, then shuts down the writing side: the peer reads end of stream, and this
   * stream can still read. Idempotent. Later writes fail with `ERR_RT_BROKEN_PIPE`.
   *
   * **Cancellation:** cancel safe: an abort while flushing leaves the stream open for
   * writing; call `shutdown` again.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example:**
   * ```ts
   * await stream.writeAll(request);
   * await stream.shutdown();
   * const reply = await readToEnd(stream);
   * ```
   */
  shutdown(options?: WaitOptions): Promise<void> {
    return this.#core.get().shutdown(options);
  }

  /**
   * Enables or disables Nagle's algorithm (`TCP_NODELAY`): `true` sends small writes at once.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * stream.setNoDelay(true);
   * ```
   */
  setNoDelay(noDelay: boolean): void {
    if (typeof noDelay !== 'boolean') throw new TypeError(`setNoDelay: expected a boolean, got ${describe(noDelay)}`);
    this.#core.get().setNoDelay(noDelay);
  }

  /** Whether `TCP_NODELAY` is set. See {@link TcpStream.setNoDelay}. */
  noDelay(): boolean {
    return this.#core.get().noDelay();
  }

  /**
   * Sets `SO_LINGER`: `null` (default) closes in the background; `0` makes `close()` reset
   * the connection (RST) and drop unsent bytes; `n > 0` (native driver only) makes close
   * linger up to `n` seconds.
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` for a negative or fractional
   * value; {@link NetError} `ERR_RT_OS_ERROR` (`ENOTSUP`) for `n > 0` on the fallback
   * driver; {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * stream.setLinger(0);
   * stream.close(); // the peer's next read fails with ECONNRESET
   * ```
   */
  setLinger(seconds: number | null): void {
    if (seconds !== null && (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)) {
      throw new RangeError(`setLinger: seconds must be null or an integer >= 0, got ${describe(seconds)}`);
    }
    this.#core.get().setLinger(seconds);
  }

  /** The `SO_LINGER` setting (`null`: off). See {@link TcpStream.setLinger}. */
  linger(): number | null {
    return this.#core.get().linger();
  }

  /**
   * Enables or disables TCP keepalive probes, the first after `initialDelayMs` idle
   * milliseconds (0: the system default).
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` for a negative delay;
   * {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * stream.setKeepAlive(true, 60_000);
   * ```
   */
  setKeepAlive(enable: boolean, initialDelayMs = 0): void {
    if (typeof enable !== 'boolean') throw new TypeError(`setKeepAlive: enable must be a boolean, got ${describe(enable)}`);
    if (typeof initialDelayMs !== 'number' || !Number.isFinite(initialDelayMs) || initialDelayMs < 0) {
      throw new RangeError(`setKeepAlive: initialDelayMs must be a number >= 0, got ${describe(initialDelayMs)}`);
    }
    this.#core.get().setKeepAlive(enable, initialDelayMs);
  }

  /**
   * Sets the IP time-to-live of outgoing packets (`IP_TTL`). Native driver only.
   *
   * **Cancellation:** not applicable. **Errors:** `RangeError` outside 1–255; {@link NetError}
   * (`ENOTSUP`) on the fallback driver; {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * stream.setTtl(64);
   * ```
   */
  setTtl(ttl: number): void {
    checkTtl(ttl, 'setTtl');
    this.#core.get().setTtl(ttl);
  }

  /** The IP time-to-live. See {@link TcpStream.setTtl}. */
  ttl(): number {
    return this.#core.get().ttl();
  }

  /**
   * The local address of this connection.
   *
   * **Cancellation:** not applicable. **Errors:** {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * console.log(stream.localAddr().toString()); // '127.0.0.1:53122'
   * ```
   */
  localAddr(): SocketAddr {
    return toSocketAddr(this.#core.get().localAddress());
  }

  /**
   * The address of the peer.
   *
   * **Cancellation:** not applicable. **Errors:** {@link SocketClosed}.
   *
   * **Example:**
   * ```ts
   * console.log(`connection from ${stream.peerAddr()}`);
   * ```
   */
  peerAddr(): SocketAddr {
    return toSocketAddr(this.#core.get().peerAddress());
  }

  /** Which driver moves this stream's bytes: `'native'` (epoll addon) or `'fallback'` (Node `net`). */
  get driver(): DriverName {
    return this.#core.handle.driver;
  }

  /**
   * Borrows a reader and a writer over this stream, to use from two tasks at once (Tokio's
   * `split`). The stream stays usable and owns the socket: closing it closes both halves.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed} if the
   * stream was moved by `intoSplit`.
   *
   * **Example:**
   * ```ts
   * const [reader, writer] = stream.split();
   * await Promise.all([copy(reader, stdout), copy(stdin, writer)]);
   * ```
   */
  split(): [ReadHalf, WriteHalf] {
    const core = this.#core;
    if (core.moved) throw new SocketClosed('the stream was moved into its halves (intoSplit)');
    return [new ReadHalf(core), new WriteHalf(core)];
  }

  /**
   * Moves the stream into an owned reader and writer (Tokio's `into_split`); this
   * `TcpStream` is unusable afterwards. Closing (or disposing) the write half shuts down the
   * writing side; the socket is closed once both halves are closed. `reunite` puts them back
   * together.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed} if
   * already moved.
   *
   * **Example:**
   * ```ts
   * const [reader, writer] = stream.intoSplit();
   * spawn(() => copy(reader, sink()));
   * const again: TcpStream = reader.reunite(writer);
   * ```
   */
  intoSplit(): [OwnedReadHalf<TcpStream>, OwnedWriteHalf] {
    if (this.#core.moved) throw new SocketClosed('the stream was already moved into its halves (intoSplit)');
    const core = new StreamCore(this.#core.move());
    core.openHalves = 2;
    return [new OwnedReadHalf(core, (h) => new TcpStream(h)), new OwnedWriteHalf(core)];
  }

  /**
   * Closes the socket now (idempotent). Parked operations reject with {@link SocketClosed}.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** none.
   *
   * **Example:**
   * ```ts
   * stream.close();
   * ```
   */
  close(): void {
    if (!this.#core.moved) this.#core.handle.close();
  }

  /** Closes the stream: `await using stream = await TcpStream.connect(addr)`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** @internal */
export function checkTtl(ttl: unknown, what: string): asserts ttl is number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
    throw new RangeError(`${what}: ttl must be an integer 1-255, got ${describe(ttl)}`);
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

