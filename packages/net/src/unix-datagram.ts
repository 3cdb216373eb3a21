import type { WaitOptions } from '@rt/scheduler';
import { NetError } from './errors.js';
import type { DatagramHandle, DriverName } from './internal/driver.js';
import { READABLE, WRITABLE } from './internal/driver.js';
import { bindNativeUnixDatagram, pairNativeUnixDatagram } from './internal/native-udp.js';
import { driverFor } from './internal/select-driver.js';
import { checkBuffer } from './internal/stream-core.js';
import { checkPath, toUnixAddr } from './unix-stream.js';
import type { UnixSocketAddr } from './unix-stream.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { unlinkSync } = process.getBuiltinModule('node:fs');

function nativeOnly(driver: DriverName | undefined, what: string): void {
  if (driverFor(driver).name !== 'native') {
    throw new NetError('ENOTSUP', 'socket', `${what}: Unix datagram sockets need the native driver (@rt/mio-native); Node has no AF_UNIX SOCK_DGRAM`);
  }
}

/**
 * A Unix domain datagram socket (Tokio's `UnixDatagram`): message boundaries kept, no
 * connection, addressed by filesystem paths. Native driver only (Node's `dgram` has no Unix
 * sockets).
 *
 * Make one with {@link UnixDatagram.bind} (a path others send to), {@link
 * UnixDatagram.unbound} (send only, or after `connect`), or {@link UnixDatagram.pair} (two
 * connected ends). A receive copies one datagram into the caller's buffer, truncated to it.
 * `close()` removes the socket file `bind` created.
 *
 * **Cancellation:** `recv`, `recvFrom`, `readable` and `writable` are cancel safe: an abort
 * never loses a datagram; `send`/`sendTo` send a whole datagram or nothing.
 *
 * **Errors:** {@link NetError} with `errno` `ENOTSUP` on the fallback driver; OS errors
 * (`EADDRINUSE` from `bind`, `ENOENT` / `ECONNREFUSED`
 * when sending to a path nobody is bound to); {@link SocketClosed}; `Cancelled`.
 *
 * **Example**
 * ```ts
 * const [a, b] = UnixDatagram.pair();
 * await a.send(new TextEncoder().encode('ping'));
 * const n = await b.recv(new Uint8Array(64));
 * ```
 */
export class UnixDatagram {
  readonly #handle: DatagramHandle;
  readonly #path: string | null;

  private constructor(handle: DatagramHandle, path: string | null) {
    this.#handle = handle;
    this.#path = path;
  }

  /**
   * Creates a datagram socket bound to `path`.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** see {@link UnixDatagram}.
   *
   * **Example**
   * ```ts
   * const server = UnixDatagram.bind('/tmp/rt-dgram.sock');
   * ```
   */
  static bind(path: string, options?: { driver?: DriverName }): UnixDatagram {
    checkPath(path, 'UnixDatagram.bind');
    nativeOnly(options?.driver, 'UnixDatagram.bind');
    return new UnixDatagram(bindNativeUnixDatagram(path), path);
  }

  /** Creates an unbound datagram socket (it can send, and receive replies once connected). */
  static unbound(options?: { driver?: DriverName }): UnixDatagram {
    nativeOnly(options?.driver, 'UnixDatagram.unbound');
    return new UnixDatagram(bindNativeUnixDatagram(null), null);
  }

  /** Creates two connected, unnamed datagram sockets (`socketpair(2)`). */
  static pair(options?: { driver?: DriverName }): [UnixDatagram, UnixDatagram] {
    nativeOnly(options?.driver, 'UnixDatagram.pair');
    const [a, b] = pairNativeUnixDatagram();
    return [new UnixDatagram(a, null), new UnixDatagram(b, null)];
  }

  /**
   * Sets the default peer for `send`/`recv` (and only datagrams from it are received).
   *
   * **Cancellation:** not cancellable (does not wait).
   *
   * **Errors:** `TypeError`/`RangeError` for a bad path; {@link NetError} `ENOENT` (no such socket file), `ECONNREFUSED` (nobody bound there).
   *
   * **Example**
   * ```ts
   * await socket.connect('/run/app-dgram.sock');
   * ```
   */
  async connect(path: string): Promise<void> {
    checkPath(path, 'UnixDatagram.connect');
    await this.#handle.connect({ path });
  }

  /**
   * Sends one datagram to the connected peer; resolves with its length.
   *
   * **Cancellation:** cancel safe: an abort before it is sent rejects with `Cancelled` and sends nothing; a datagram is sent whole or not at all.
   *
   * **Errors:** {@link NetError} (`EDESTADDRREQ` when not connected, `EMSGSIZE`, `ECONNREFUSED` once the peer is gone); {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await a.send(new TextEncoder().encode('ping'));
   * ```
   */
  async send(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UnixDatagram.send');
    return this.#handle.sendTo(buf, null, options);
  }

  /**
   * Sends one datagram to the socket bound at `path`; resolves with its length.
   *
   * **Cancellation:** cancel safe, as `send`.
   *
   * **Errors:** `TypeError`/`RangeError` for a bad path; {@link NetError} (`ENOENT`, `ECONNREFUSED` when nobody is bound there); {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await client.sendTo(request, '/run/app-dgram.sock');
   * ```
   */
  async sendTo(buf: Uint8Array, path: string, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UnixDatagram.sendTo');
    checkPath(path, 'UnixDatagram.sendTo');
    return this.#handle.sendTo(buf, { path }, options);
  }

  /**
   * Receives one datagram into `buf`; resolves with its length (the datagram is truncated to `buf`).
   *
   * **Cancellation:** cancel safe: an abort never loses a datagram.
   *
   * **Errors:** {@link SocketClosed} (also for receives parked when the socket closes); `Cancelled`.
   *
   * **Example**
   * ```ts
   * const n = await socket.recv(buf);
   * ```
   */
  async recv(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UnixDatagram.recv');
    return (await this.#handle.recvFrom(buf, false, options)).length;
  }

  /**
   * Receives one datagram into `buf`; resolves with `[length, sender]` (`sender.path` is `null` for an unnamed sender).
   *
   * **Cancellation:** cancel safe: an abort never loses a datagram.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const [n, from] = await server.recvFrom(buf); if (from.path) await server.sendTo(reply, from.path);
   * ```
   */
  async recvFrom(buf: Uint8Array, options?: WaitOptions): Promise<[number, UnixSocketAddr]> {
    checkBuffer(buf, 'UnixDatagram.recvFrom');
    const r = await this.#handle.recvFrom(buf, false, options);
    return [r.length, toUnixAddr(r.from)];
  }

  /** Receives without waiting; throws WouldBlock when nothing is queued. */
  tryRecv(buf: Uint8Array): number {
    checkBuffer(buf, 'UnixDatagram.tryRecv');
    return this.#handle.tryRecvFrom(buf).length;
  }

  /** Sends to the connected peer without waiting; throws WouldBlock when the buffer is full. */
  trySend(buf: Uint8Array): number {
    checkBuffer(buf, 'UnixDatagram.trySend');
    return this.#handle.trySendTo(buf, null);
  }

  /** Waits until a datagram can be received. Cancel safe. */
  async readable(options?: WaitOptions): Promise<void> {
    await this.#handle.ready(READABLE, options);
  }

  /** Waits until a datagram can be sent. Cancel safe. */
  async writable(options?: WaitOptions): Promise<void> {
    await this.#handle.ready(WRITABLE, options);
  }

  /** The bound path (`path: null` when unbound). */
  localAddr(): UnixSocketAddr {
    return toUnixAddr(this.#handle.localAddress());
  }

  /** The connected peer (`path: null` for a `pair()` end); NetError `ENOTCONN` before `connect`. */
  peerAddr(): UnixSocketAddr {
    const peer = this.#handle.peerAddress();
    if (peer === null) throw new NetError('ENOTCONN', 'getpeername', 'the Unix datagram socket is not connected');
    return toUnixAddr(peer);
  }

  /** Closes the socket (idempotent) and removes the file `bind` created. */
  close(): void {
    const wasOpen = !this.#handle.closed;
    this.#handle.close();
    if (wasOpen && this.#path !== null) {
      try {
        unlinkSync(this.#path);
      } catch {
        // already removed
      }
    }
  }

  /** `using socket = UnixDatagram.bind(path)`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
