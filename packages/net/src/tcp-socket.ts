import type { WaitOptions } from '@rt/scheduler';
import type { DriverName, TcpSocketHandle, TcpSocketOption } from './internal/driver.js';
import { toSocketAddr } from './internal/ip-socket.js';
import { driverFor } from './internal/select-driver.js';
import { SocketAddr, describe } from './socket-addr.js';
import { TcpListener } from './tcp-listener.js';
import { TcpStream } from './tcp-stream.js';

function checkFlag(value: unknown, what: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`TcpSocket.${what}: expected a boolean, got ${describe(value)}`);
}

function checkSize(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw new RangeError(`TcpSocket.${what}: expected an integer byte count >= 1, got ${describe(value)}`);
  }
}

function toAddr(addr: SocketAddr | string, what: string): SocketAddr {
  if (addr instanceof SocketAddr) return addr;
  if (typeof addr === 'string') return SocketAddr.parse(addr);
  throw new TypeError(`TcpSocket.${what}: expected a SocketAddr or 'ip:port', got ${describe(addr)}`);
}

/**
 * A TCP socket to configure before it connects or listens (Tokio's `TcpSocket`): set
 * `SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, bind a local address, then `connect` (→
 * {@link TcpStream}) or `listen` (→ {@link TcpListener}).
 *
 * `connect` and `listen` consume the socket: it cannot be used again afterwards. Addresses
 * are IP literals (`SocketAddr` or `'ip:port'`): resolve names with `lookupHost` first.
 *
 * On the fallback driver (Node `net`) the socket exists only from `connect`/`listen` on:
 * `reuseAddress`, `noDelay`, `keepAlive` and `bind` are applied then; `reusePort` and the
 * buffer sizes throw {@link NetError} with `errno` `ENOTSUP`.
 *
 * **Cancellation:** `connect` is cancel safe (the socket is closed on abort); the rest does
 * not wait.
 *
 * **Errors:** `TypeError`/`RangeError` for bad arguments; {@link NetError} from the OS
 * (`EADDRINUSE` from `listen` or `bind`, `ECONNREFUSED` from
 * `connect`); {@link SocketClosed} once consumed or closed.
 *
 * **Example**
 * ```ts
 * const socket = TcpSocket.newV4();
 * socket.setReuseAddress(true);
 * socket.bind('127.0.0.1:0');
 * const listener = await socket.listen(1024);
 * ```
 */
export class TcpSocket {
  readonly #handle: TcpSocketHandle;

  private constructor(handle: TcpSocketHandle) {
    this.#handle = handle;
  }

  /**
   * Creates an IPv4 TCP socket.
   *
   * **Cancellation:** not applicable. **Errors:** {@link NetError} (`EMFILE`, …).
   *
   * **Example**
   * ```ts
   * const socket = TcpSocket.newV4();
   * ```
   */
  static newV4(options?: { driver?: DriverName }): TcpSocket {
    return new TcpSocket(driverFor(options?.driver).createTcp('IPv4'));
  }

  /** Creates an IPv6 TCP socket. See {@link TcpSocket.newV4}. */
  static newV6(options?: { driver?: DriverName }): TcpSocket {
    return new TcpSocket(driverFor(options?.driver).createTcp('IPv6'));
  }

  #set(name: TcpSocketOption, value: number): void {
    this.#handle.setOption(name, value);
  }

  /** `SO_REUSEADDR`: bind a port still in TIME_WAIT (set it before `bind`). */
  setReuseAddress(on: boolean): void {
    checkFlag(on, 'setReuseAddress');
    this.#set('reuseAddress', on ? 1 : 0);
  }

  /** Whether `SO_REUSEADDR` is set. */
  reuseAddress(): boolean {
    return this.#handle.getOption('reuseAddress') !== 0;
  }

  /** `SO_REUSEPORT`: several sockets may listen on the same port (native driver). */
  setReusePort(on: boolean): void {
    checkFlag(on, 'setReusePort');
    this.#set('reusePort', on ? 1 : 0);
  }

  /** Whether `SO_REUSEPORT` is set. */
  reusePort(): boolean {
    return this.#handle.getOption('reusePort') !== 0;
  }

  /** `SO_SNDBUF` in bytes (the kernel may double or clamp it) (native driver). */
  setSendBufferSize(size: number): void {
    checkSize(size, 'setSendBufferSize');
    this.#set('sendBufferSize', size);
  }

  /** The send buffer size the kernel reports. */
  sendBufferSize(): number {
    return this.#handle.getOption('sendBufferSize');
  }

  /** `SO_RCVBUF` in bytes (the kernel may double or clamp it) (native driver). */
  setRecvBufferSize(size: number): void {
    checkSize(size, 'setRecvBufferSize');
    this.#set('recvBufferSize', size);
  }

  /** The receive buffer size the kernel reports. */
  recvBufferSize(): number {
    return this.#handle.getOption('recvBufferSize');
  }

  /** `TCP_NODELAY` for the stream `connect` makes. */
  setNoDelay(on: boolean): void {
    checkFlag(on, 'setNoDelay');
    this.#set('noDelay', on ? 1 : 0);
  }

  /** `SO_KEEPALIVE` for the stream `connect` makes. */
  setKeepAlive(on: boolean): void {
    checkFlag(on, 'setKeepAlive');
    this.#set('keepAlive', on ? 1 : 0);
  }

  /**
   * Binds the socket to a local address (port 0: any free port).
   *
   * **Cancellation:** not applicable. **Errors:** `TypeError`/`RangeError` for a bad
   * address; {@link NetError} `EADDRINUSE` (native driver; the fallback reports it
   * from `listen`/`connect`).
   *
   * **Example**
   * ```ts
   * socket.bind('127.0.0.1:0');
   * ```
   */
  bind(addr: SocketAddr | string): void {
    const a = toAddr(addr, 'bind');
    this.#handle.bind(a.ip, a.port);
  }

  /** The bound local address (`0.0.0.0:0` / `[::]:0` before `bind` on the fallback driver). */
  localAddr(): SocketAddr {
    return toSocketAddr(this.#handle.localAddress());
  }

  /**
   * Connects to `addr`, consuming this socket, and resolves with the stream.
   *
   * **Cancellation:** cancel safe: an abort closes the socket.
   *
   * **Errors:** {@link NetError} (`ECONNREFUSED`, …); `Cancelled`;
   * {@link SocketClosed} if already consumed.
   *
   * **Example**
   * ```ts
   * const stream = await socket.connect('127.0.0.1:8080');
   * ```
   */
  async connect(addr: SocketAddr | string, options?: WaitOptions): Promise<TcpStream> {
    const a = toAddr(addr, 'connect');
    return new TcpStream(await this.#handle.connect(a.ip, a.port, options));
  }

  /**
   * Starts listening, consuming this socket, and resolves with the listener.
   *
   * **Cancellation:** not cancellable (does not wait).
   *
   * **Errors:** `RangeError` for a bad backlog; {@link NetError}; {@link SocketClosed} if
   * already consumed.
   *
   * **Example**
   * ```ts
   * const listener = await socket.listen(1024);
   * ```
   */
  async listen(backlog = 1024): Promise<TcpListener> {
    if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(`TcpSocket.listen: backlog must be an integer >= 1, got ${describe(backlog)}`);
    }
    return new TcpListener(await this.#handle.listen(backlog));
  }

  /** Which driver this socket uses. */
  get driver(): DriverName {
    return this.#handle.driver;
  }

  /** Closes the socket without connecting or listening (idempotent). */
  close(): void {
    this.#handle.close();
  }
}
