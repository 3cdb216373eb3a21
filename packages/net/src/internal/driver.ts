// The seam between @rt/net's public classes and the machinery that moves bytes.
//
// Two drivers implement it: `fallback` on Node's `net`/`dgram` (works everywhere), and
// `native` on @rt/reactor + @rt/mio-native (edge-triggered epoll, reads straight into the
// caller's buffer). The public classes (TcpListener, TcpStream, UdpSocket, Unix*) hold one
// handle each and never look at which driver made it.
//
// Contract every handle keeps:
// - `read`/`write`/`accept`/… are cancel safe: an abort (task or `options.signal`) before
//   the operation completes rejects with Cancelled and moved no byte / accepted no socket.
// - Operations that can complete without waiting take cooperative budget (`coop()`).
// - `close()` is idempotent, fails parked operations with SocketClosed, and releases the fd.
// - Errors are NetError (OS errors), SocketClosed, WouldBlock (from `try*`), Cancelled.
import type { WaitOptions } from '@rt/scheduler';
import type { RegisteredFd } from '@rt/reactor';

/** An address as a driver reports it: IP + port, or a Unix path (`''` when unnamed). */
export type RawAddress = { readonly ip: string; readonly port: number } | { readonly path: string };

/** Which readiness an operation waits for. */
export const READABLE = 1;
export const WRITABLE = 2;

/** A handle's `onRelease` hooks: each runs once, in the order added. */
export class ReleaseHooks {
  #hooks: (() => void)[] = [];

  add(hook: () => void): void {
    this.#hooks.push(hook);
  }

  /**
   * Runs and forgets every hook. A hook that throws does not stop the others: returns the
   * first error (`undefined` when none threw), for the caller to rethrow once the release
   * is done.
   */
  run(): { error: unknown } | undefined {
    const hooks = this.#hooks;
    this.#hooks = [];
    let failure: { error: unknown } | undefined;
    for (const hook of hooks) {
      try {
        hook();
      } catch (error) {
        failure ??= { error };
      }
    }
    return failure;
  }
}

export interface StreamHandle {
  readonly driver: DriverName;
  /** Reads (or peeks) into `buf`; 0 at end of stream. Empty `buf` resolves 0. */
  read(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<number>;
  /** Reads without waiting; throws WouldBlock. */
  tryRead(buf: Uint8Array): number;
  /**
   * A `read` that completes now (see ByteStream.readNow): the count (0 at end of stream), or
   * -1 when `read` would wait, yield or reject. Optional: a handle without it always says -1.
   */
  readNow?(buf: Uint8Array): number;
  /** Resolves with the readiness found (READABLE|WRITABLE bits) once any of `interest` holds. */
  ready(interest: number, options: WaitOptions | undefined): Promise<number>;
  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number>;
  writev(buffers: readonly Uint8Array[], options: WaitOptions | undefined): Promise<number>;
  tryWrite(buf: Uint8Array): number;
  /** Gather write without waiting; throws WouldBlock. */
  tryWritev(buffers: readonly Uint8Array[]): number;
  flush(options: WaitOptions | undefined): Promise<void>;
  shutdown(options: WaitOptions | undefined): Promise<void>;
  close(): void;
  readonly closed: boolean;
  /**
   * Adds `hook` to the hooks called once, synchronously, when the handle stops owning its fd:
   * in `close()` just before the fd is closed (its number may be reused by the next socket
   * opened anywhere), or in `intoRawFd()` once the fd is given up. Not called when the
   * runtime simply ends. A throwing hook does not stop the release: `close()` closes the fd
   * and then rethrows the first error; `intoRawFd()` returns the fd and reports the error
   * asynchronously (an uncaught exception), as the fd must reach its caller.
   * `SocketClosed` when the handle already let go.
   */
  onRelease(hook: () => void): void;
  setNoDelay(flag: boolean): void;
  noDelay(): boolean;
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  setLinger(seconds: number | null): void;
  linger(): number | null;
  setTtl(ttl: number): void;
  ttl(): number;
  localAddress(): RawAddress;
  peerAddress(): RawAddress;
  /**
   * Deregisters from this runtime's reactor and gives up the fd without closing it; the
   * handle is closed for use from then on. Absent where the driver cannot (fallback).
   */
  intoRawFd?(): number;
  /**
   * Gives up the fd with its registration still registered (for a new owner on the same
   * reactor); `undefined` when it cannot (the reactor closed). Absent on the fallback.
   */
  intoRegistration?(): RegisteredFd | undefined;
  /**
   * `@rt/io`'s `copy` fast path: copies this stream into `dst` inside the driver; returns
   * `undefined` to decline (other driver, busy, closed). Absent where the driver has none.
   */
  copyTo?(dst: StreamHandle, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined;
}

export interface ListenerHandle {
  readonly driver: DriverName;
  accept(options: WaitOptions | undefined): Promise<StreamHandle>;
  tryAccept(): StreamHandle;
  localAddress(): RawAddress;
  setTtl(ttl: number): void;
  ttl(): number;
  close(): void;
  readonly closed: boolean;
  /** Deregisters and gives up the listening fd without closing it. Absent on the fallback. */
  intoRawFd?(): number;
}

export interface DatagramHandle {
  readonly driver: DriverName;
  /** Receives one datagram into `buf`; resolves with its length (truncated to buf) and sender. */
  recvFrom(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<{ length: number; from: RawAddress }>;
  tryRecvFrom(buf: Uint8Array): { length: number; from: RawAddress };
  sendTo(buf: Uint8Array, to: RawAddress | null, options: WaitOptions | undefined): Promise<number>;
  trySendTo(buf: Uint8Array, to: RawAddress | null): number;
  ready(interest: number, options: WaitOptions | undefined): Promise<number>;
  connect(to: RawAddress): Promise<void>;
  localAddress(): RawAddress;
  peerAddress(): RawAddress | null;
  setBroadcast(flag: boolean): void;
  setTtl(ttl: number): void;
  setMulticastTtl(ttl: number): void;
  setMulticastLoop(flag: boolean): void;
  joinMulticast(group: string, iface: string | undefined): void;
  leaveMulticast(group: string, iface: string | undefined): void;
  close(): void;
  readonly closed: boolean;
}

/** A TCP socket not yet connected or listening (`TcpSocket`). */
export interface TcpSocketHandle {
  readonly driver: DriverName;
  /** Sets a boolean or integer option: 'reuseAddress', 'reusePort', 'sendBufferSize', 'recvBufferSize', 'noDelay', 'keepAlive'. */
  setOption(name: TcpSocketOption, value: number): void;
  getOption(name: TcpSocketOption): number;
  bind(ip: string, port: number): void;
  localAddress(): RawAddress;
  /** Consumes the socket. */
  connect(ip: string, port: number, options: WaitOptions | undefined): Promise<StreamHandle>;
  /** Consumes the socket. */
  listen(backlog: number): Promise<ListenerHandle>;
  close(): void;
}

export type TcpSocketOption = 'reuseAddress' | 'reusePort' | 'sendBufferSize' | 'recvBufferSize' | 'noDelay' | 'keepAlive';

export interface ListenOptions {
  backlog: number;
  /** IPv6 only (no dual-stack) when binding `::`. */
  ipv6Only: boolean;
  /** Set SO_REUSEPORT before bind, so several sockets can listen on the same address. */
  reusePort?: boolean;
}

/**
 * The two socket drivers: `'native'` (the epoll addon, `@rt/mio-native`) and `'fallback'`
 * (Node's `net`/`dgram`). See `netDriver()`.
 *
 * **Cancellation:** not applicable (a type). **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const driver: DriverName = netDriver();
 * ```
 */
export type DriverName = 'fallback' | 'native';

export interface Driver {
  readonly name: DriverName;
  listenTcp(ip: string, port: number, options: ListenOptions): Promise<ListenerHandle>;
  connectTcp(ip: string, port: number, options: WaitOptions | undefined): Promise<StreamHandle>;
  listenUnix(path: string, options: ListenOptions): Promise<ListenerHandle>;
  connectUnix(path: string, options: WaitOptions | undefined): Promise<StreamHandle>;
  bindUdp(ip: string, port: number, options: { reuseAddress: boolean; ipv6Only: boolean }): Promise<DatagramHandle>;
  createTcp(family: 'IPv4' | 'IPv6'): TcpSocketHandle;
  /**
   * Adopts a connected TCP socket fd (TcpStream.fromRawFd): validates it (a socket, a
   * stream, IP, connected) and registers it with this runtime. On a validation error the
   * fd is left open and not owned.
   */
  adoptTcp(fd: number): StreamHandle;
  /** Adopts a listening TCP socket fd (TcpListener.fromRawFd); same rules as adoptTcp. */
  adoptTcpListener(fd: number): Promise<ListenerHandle>;
}
