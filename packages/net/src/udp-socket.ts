import type { WaitOptions } from '@rt/scheduler';
import { NetError } from './errors.js';
import type { DatagramHandle, DriverName, RawAddress } from './internal/driver.js';
import { READABLE, WRITABLE } from './internal/driver.js';
import { checkTtl, toSocketAddr } from './internal/ip-socket.js';
import { driverFor } from './internal/select-driver.js';
import { checkBuffer } from './internal/stream-core.js';
import { resolve } from './lookup-host.js';
import { SocketAddr, describe, toHostPort } from './socket-addr.js';
import type { ToSocketAddrs } from './socket-addr.js';

/**
 * Options of {@link UdpSocket.bind}: `SO_REUSEADDR`, IPv6-only binding, the driver, and a
 * `signal` for the name resolution.
 *
 * **Cancellation:** aborting `signal` while a host name resolves rejects with `Cancelled`.
 *
 * **Errors:** `TypeError` for a non-boolean `reuseAddress`.
 *
 * **Example**
 * ```ts
 * await UdpSocket.bind('0.0.0.0:5353', { reuseAddress: true });
 * ```
 */
export interface UdpBindOptions extends WaitOptions {
  /** `SO_REUSEADDR` (default false). */
  reuseAddress?: boolean;
  /** When binding `::`, IPv6 only (default false). */
  ipv6Only?: boolean;
  /** Force a driver for this socket. */
  driver?: DriverName;
}

function rawOf(a: SocketAddr): RawAddress {
  return { ip: a.ip, port: a.port };
}

/**
 * A UDP socket (Tokio's `UdpSocket`): send and receive datagrams, to and from any address
 * (`sendTo`/`recvFrom`), or to one peer after `connect` (`send`/`recv`).
 *
 * A receive copies one datagram into the caller's buffer; a datagram longer than the buffer
 * is truncated (the rest is discarded, as with `recvfrom(2)`). Receives are FIFO among
 * concurrent callers. The fallback driver (Node `dgram`) queues up to 4,096 datagrams and
 * drops beyond that, as a full kernel buffer does.
 *
 * **Cancellation:** `recv`, `recvFrom`, `peek`, `peekFrom` and `readable` are cancel safe:
 * an abort never loses a datagram. `send`/`sendTo` complete at once once started (a
 * datagram is sent whole or not at all); an abort before they start rejects with
 * `Cancelled`.
 *
 * **Errors:** `bind` rejects with {@link NetError} (`EADDRINUSE`, …); `send`
 * before `connect` with `EDESTADDRREQ`; a datagram above the path limit
 * with `EMSGSIZE`; {@link SocketClosed} after `close()`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await using socket = await UdpSocket.bind('127.0.0.1:0');
 * await socket.sendTo(new TextEncoder().encode('ping'), '127.0.0.1:9999');
 * const buf = new Uint8Array(1500);
 * const [n, from] = await socket.recvFrom(buf);
 * ```
 */
export class UdpSocket {
  readonly #handle: DatagramHandle;
  #lastRaw: RawAddress | null = null;
  #lastAddr: SocketAddr | null = null;

  #addr(raw: RawAddress): SocketAddr {
    if (raw !== this.#lastRaw) {
      this.#lastAddr = toSocketAddr(raw);
      this.#lastRaw = raw;
    }
    return this.#lastAddr!;
  }

  /** @internal Use {@link UdpSocket.bind}. */
  constructor(handle: DatagramHandle) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { recvFrom?: unknown }).recvFrom !== 'function') {
      throw new TypeError('UdpSocket cannot be constructed directly: use UdpSocket.bind()');
    }
    this.#handle = handle;
  }

  /**
   * Creates a UDP socket bound to `addr` (port 0: any free port; `{ port }` binds
   * `0.0.0.0`).
   *
   * **Cancellation:** cancel safe until bound.
   *
   * **Errors:** `TypeError`/`RangeError` for a malformed address (synchronously);
   * {@link NetError} from the OS; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const socket = await UdpSocket.bind('[::1]:0');
   * ```
   */
  static async bind(addr: ToSocketAddrs, options?: UdpBindOptions): Promise<UdpSocket> {
    const { host, port } = toHostPort(addr, '0.0.0.0', 'UdpSocket.bind');
    const reuseAddress = options?.reuseAddress ?? false;
    const ipv6Only = options?.ipv6Only ?? false;
    if (typeof reuseAddress !== 'boolean') throw new TypeError(`UdpSocket.bind: reuseAddress must be a boolean, got ${describe(reuseAddress)}`);
    const driver = driverFor(options?.driver);
    const addresses = await resolve(host, port, options?.signal === undefined ? undefined : { signal: options.signal });
    let last: unknown;
    for (const a of addresses) {
      try {
        return new UdpSocket(await driver.bindUdp(a.ip, a.port, { reuseAddress, ipv6Only }));
      } catch (error) {
        if (!(error instanceof NetError)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /**
   * Sets the default peer: `send` goes there and `recv` only receives from it.
   *
   * **Cancellation:** cancel safe while resolving `addr`.
   *
   * **Errors:** `TypeError`/`RangeError` for a malformed address; {@link NetError}.
   *
   * **Example**
   * ```ts
   * await socket.connect('127.0.0.1:5353');
   * await socket.send(query);
   * ```
   */
  async connect(addr: ToSocketAddrs, options?: WaitOptions): Promise<void> {
    const { host, port } = toHostPort(addr, 'localhost', 'UdpSocket.connect');
    const [first] = await resolve(host, port, options);
    await this.#handle.connect(rawOf(first!));
  }

  /**
   * Sends one datagram to the connected peer; resolves with its length.
   *
   * **Cancellation:** see {@link UdpSocket}. **Errors:** see {@link UdpSocket}.
   *
   * **Example**
   * ```ts
   * await socket.send(new TextEncoder().encode('hi'));
   * ```
   */
  async send(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UdpSocket.send');
    return this.#handle.sendTo(buf, null, options);
  }

  /**
   * Sends one datagram to `target` (resolved; the first address is used).
   *
   * **Cancellation:** see {@link UdpSocket}. **Errors:** see {@link UdpSocket}.
   *
   * **Example**
   * ```ts
   * await socket.sendTo(bytes, { host: '127.0.0.1', port: 9000 });
   * ```
   */
  async sendTo(buf: Uint8Array, target: ToSocketAddrs, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UdpSocket.sendTo');
    if (target instanceof SocketAddr) return this.#handle.sendTo(buf, target, options);
    const { host, port } = toHostPort(target, 'localhost', 'UdpSocket.sendTo');
    const [first] = await resolve(host, port, options);
    return this.#handle.sendTo(buf, rawOf(first!), options);
  }

  /**
   * Sends without waiting; returns the datagram's length.
   *
   * **Cancellation:** never waits. **Errors:** as `send`; `target` must be an IP
   * SocketAddr or `'ip:port'` (no name resolution).
   *
   * **Example**
   * ```ts
   * socket.trySendTo(bytes, peer);
   * ```
   */
  trySendTo(buf: Uint8Array, target: SocketAddr | string): number {
    checkBuffer(buf, 'UdpSocket.trySendTo');
    const a = typeof target === 'string' ? SocketAddr.parse(target) : target;
    if (!(a instanceof SocketAddr)) throw new TypeError(`UdpSocket.trySendTo: target must be a SocketAddr or 'ip:port', got ${describe(target)}`);
    return this.#handle.trySendTo(buf, a);
  }

  /** Sends to the connected peer without waiting. See {@link UdpSocket.trySendTo}. */
  trySend(buf: Uint8Array): number {
    checkBuffer(buf, 'UdpSocket.trySend');
    return this.#handle.trySendTo(buf, null);
  }

  /**
   * Receives one datagram into `buf`; resolves with its length (truncated to `buf`).
   *
   * **Cancellation:** cancel safe. **Errors:** see {@link UdpSocket}.
   *
   * **Example**
   * ```ts
   * const n = await socket.recv(buf);
   * ```
   */
  async recv(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UdpSocket.recv');
    return (await this.#handle.recvFrom(buf, false, options)).length;
  }

  /**
   * Receives one datagram into `buf`; resolves with `[length, sender]`.
   *
   * **Cancellation:** cancel safe. **Errors:** see {@link UdpSocket}.
   *
   * **Example**
   * ```ts
   * const [n, from] = await socket.recvFrom(buf);
   * await socket.sendTo(buf.subarray(0, n), from); // echo
   * ```
   */
  async recvFrom(buf: Uint8Array, options?: WaitOptions): Promise<[number, SocketAddr]> {
    checkBuffer(buf, 'UdpSocket.recvFrom');
    const r = await this.#handle.recvFrom(buf, false, options);
    return [r.length, this.#addr(r.from)];
  }

  /**
   * Like `recvFrom`, but leaves the datagram queued: the next receive gets it again.
   *
   * **Cancellation:** cancel safe. **Errors:** as `recvFrom`.
   *
   * **Example**
   * ```ts
   * const [n, from] = await socket.peekFrom(header);
   * ```
   */
  async peekFrom(buf: Uint8Array, options?: WaitOptions): Promise<[number, SocketAddr]> {
    checkBuffer(buf, 'UdpSocket.peekFrom');
    const r = await this.#handle.recvFrom(buf, true, options);
    return [r.length, this.#addr(r.from)];
  }

  /** Like `recv`, without consuming the datagram. See {@link UdpSocket.peekFrom}. */
  async peek(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'UdpSocket.peek');
    return (await this.#handle.recvFrom(buf, true, options)).length;
  }

  /**
   * Receives a queued datagram without waiting; returns `[length, sender]`.
   *
   * **Cancellation:** never waits. **Errors:** {@link WouldBlock} when none is queued.
   *
   * **Example**
   * ```ts
   * await socket.readable();
   * const [n, from] = socket.tryRecvFrom(buf);
   * ```
   */
  tryRecvFrom(buf: Uint8Array): [number, SocketAddr] {
    checkBuffer(buf, 'UdpSocket.tryRecvFrom');
    const r = this.#handle.tryRecvFrom(buf);
    return [r.length, this.#addr(r.from)];
  }

  /** Receives without waiting; see {@link UdpSocket.tryRecvFrom}. */
  tryRecv(buf: Uint8Array): number {
    checkBuffer(buf, 'UdpSocket.tryRecv');
    return this.#handle.tryRecvFrom(buf).length;
  }

  /**
   * Waits until a datagram can be received (then `tryRecv`/`tryRecvFrom` may succeed; another receiver may still be first).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await socket.readable(); const [n, from] = socket.tryRecvFrom(buf);
   * ```
   */
  async readable(options?: WaitOptions): Promise<void> {
    await this.#handle.ready(READABLE, options);
  }

  /**
   * Waits until a datagram can be sent without blocking.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await socket.writable(); socket.trySendTo(bytes, peer);
   * ```
   */
  async writable(options?: WaitOptions): Promise<void> {
    await this.#handle.ready(WRITABLE, options);
  }

  /** The bound address (with the port chosen for port 0). Throws SocketClosed after close. */
  localAddr(): SocketAddr {
    return toSocketAddr(this.#handle.localAddress());
  }

  /**
   * The connected peer.
   *
   * **Errors:** {@link NetError} `ENOTCONN` before `connect`.
   */
  peerAddr(): SocketAddr {
    const peer = this.#handle.peerAddress();
    if (peer === null) throw new NetError('ENOTCONN', 'getpeername', 'the UDP socket is not connected');
    return toSocketAddr(peer);
  }

  /** Allows sending to broadcast addresses (`SO_BROADCAST`). */
  setBroadcast(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError(`setBroadcast: expected a boolean, got ${describe(on)}`);
    this.#handle.setBroadcast(on);
  }

  /** Sets the unicast time-to-live (1–255). */
  setTtl(ttl: number): void {
    checkTtl(ttl, 'UdpSocket.setTtl');
    this.#handle.setTtl(ttl);
  }

  /** Sets the multicast time-to-live (1–255). */
  setMulticastTtl(ttl: number): void {
    checkTtl(ttl, 'UdpSocket.setMulticastTtl');
    this.#handle.setMulticastTtl(ttl);
  }

  /** Whether multicast datagrams loop back to this host. */
  setMulticastLoop(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError(`setMulticastLoop: expected a boolean, got ${describe(on)}`);
    this.#handle.setMulticastLoop(on);
  }

  /**
   * Joins the multicast `group` on the interface with address `iface` (default: any).
   *
   * **Errors:** {@link NetError} from the OS (`EADDRNOTAVAIL`, …).
   *
   * **Example**
   * ```ts
   * socket.joinMulticast('239.1.2.3');
   * ```
   */
  joinMulticast(group: string, iface?: string): void {
    this.#handle.joinMulticast(group, iface);
  }

  /** Leaves a group joined with {@link UdpSocket.joinMulticast}. */
  leaveMulticast(group: string, iface?: string): void {
    this.#handle.leaveMulticast(group, iface);
  }

  /** Which driver this socket uses. */
  get driver(): DriverName {
    return this.#handle.driver;
  }

  /** Closes the socket (idempotent); parked receives reject with SocketClosed. */
  close(): void {
    this.#handle.close();
  }

  /** `await using socket = await UdpSocket.bind(addr)`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
