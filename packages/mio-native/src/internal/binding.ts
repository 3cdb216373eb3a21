// The shape of the compiled addon (native/mio.c). MUST MATCH the function table in
// mio_init(). Every function returns a negative errno on failure, never throws for an OS
// error (it throws TypeError/RangeError only for arguments of the wrong type).
import * as loader from '../loader.js';
import { NativeUnavailableError } from '../native-unavailable-error.js';

/** An opaque handle to one native poll (an epoll instance and its libuv poll handle). */
export type PollHandle = { readonly __pollHandle: unique symbol };

export interface NativeConstants {
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_UNIX: number;
  readonly AF_UNSPEC: number;
  readonly EPOLLERR: number;
  readonly EPOLLET: number;
  readonly EPOLLHUP: number;
  readonly EPOLLIN: number;
  readonly EPOLLOUT: number;
  readonly EPOLLPRI: number;
  readonly EPOLLRDHUP: number;
  readonly EPOLL_CTL_ADD: number;
  readonly EPOLL_CTL_DEL: number;
  readonly EPOLL_CTL_MOD: number;
  readonly IPPROTO_IP: number;
  readonly IPPROTO_IPV6: number;
  readonly IPPROTO_TCP: number;
  readonly IPPROTO_UDP: number;
  readonly IPV6_JOIN_GROUP: number;
  readonly IPV6_LEAVE_GROUP: number;
  readonly IPV6_MULTICAST_HOPS: number;
  readonly IPV6_MULTICAST_IF: number;
  readonly IPV6_MULTICAST_LOOP: number;
  readonly IPV6_UNICAST_HOPS: number;
  readonly IPV6_V6ONLY: number;
  readonly IP_ADD_MEMBERSHIP: number;
  readonly IP_DROP_MEMBERSHIP: number;
  readonly IP_MULTICAST_IF: number;
  readonly IP_MULTICAST_LOOP: number;
  readonly IP_MULTICAST_TTL: number;
  readonly IP_TTL: number;
  readonly MSG_DONTWAIT: number;
  readonly MSG_PEEK: number;
  readonly MSG_TRUNC: number;
  readonly SHUT_RD: number;
  readonly SHUT_RDWR: number;
  readonly SHUT_WR: number;
  readonly SOCK_DGRAM: number;
  readonly SOCK_SEQPACKET: number;
  readonly SOCK_STREAM: number;
  readonly SOL_SOCKET: number;
  readonly SO_BROADCAST: number;
  readonly SO_ERROR: number;
  readonly SO_KEEPALIVE: number;
  readonly SO_LINGER: number;
  readonly SO_RCVBUF: number;
  readonly SO_REUSEADDR: number;
  readonly SO_REUSEPORT: number;
  readonly SO_SNDBUF: number;
  readonly SO_TYPE: number;
  readonly TCP_KEEPCNT: number;
  readonly TCP_KEEPIDLE: number;
  readonly TCP_KEEPINTVL: number;
  readonly TCP_NODELAY: number;
}

/** An opaque handle to a TLS context (an SSL_CTX) of native/tls.c. */
export type TlsContextHandle = { readonly __tlsContextHandle: unique symbol };
/** An opaque handle to a TLS connection (an SSL) of native/tls.c. */
export type TlsConnectionHandle = { readonly __tlsConnectionHandle: unique symbol };

/** The TLS functions of native/tls.c (present when `tlsAvailable`). MUST MATCH rt_tls_init(). */
export interface NativeTlsBinding {
  tlsContextCreate(server: number, cert: Uint8Array | null, key: Uint8Array | null, ca: Uint8Array | null, minVersion: number, maxVersion: number, alpn: Uint8Array | null, verify: number): TlsContextHandle | string;
  tlsContextFree(ctx: TlsContextHandle): boolean;
  tlsCreate(ctx: TlsContextHandle, fd: number, host: Uint8Array | null, isIp: number, verifyHost: number): TlsConnectionHandle | string;
  tlsFree(conn: TlsConnectionHandle): boolean;
  tlsHandshake(conn: TlsConnectionHandle, state: Int32Array): number;
  tlsRead(conn: TlsConnectionHandle, buffer: Uint8Array, offset: number, length: number, state: Int32Array): number;
  tlsWrite(conn: TlsConnectionHandle, buffer: Uint8Array, offset: number, length: number, state: Int32Array): number;
  tlsFlush(conn: TlsConnectionHandle, state: Int32Array): number;
  tlsShutdown(conn: TlsConnectionHandle, state: Int32Array): number;
  tlsErrorInfo(conn: TlsConnectionHandle): [reason: string, libReason: string | null, verifyCode: number, verifyReason: string | null];
  tlsInfo(conn: TlsConnectionHandle): [protocol: string | null, cipher: string | null, standardName: string | null, alpn: string | null, serverName: string | null, reused: boolean];
  tlsPeerCertificate(conn: TlsConnectionHandle): Buffer | null;
  tlsSession(conn: TlsConnectionHandle): Buffer | null;
  tlsSetSession(conn: TlsConnectionHandle, der: Uint8Array): boolean;
  readonly tlsConstants: { readonly WANT_READ: number; readonly WANT_WRITE: number; readonly EOF: number; readonly ERROR: number; readonly DONE_HELD: number; readonly TLS1_2_VERSION: number; readonly TLS1_3_VERSION: number; readonly version: number };
}

export interface NativeBinding extends Partial<NativeTlsBinding> {
  readonly backend: string | null;
  /** Whether native/tls.c found OpenSSL 3 in the running executable (its functions exist). */
  readonly tlsAvailable?: boolean;
  readonly constants: NativeConstants;
  pollCreate(events: Uint32Array, callback: (count: number) => void, receiver: object): PollHandle | number;
  pollCtl(poll: PollHandle, op: number, fd: number, token: number, events: number): number;
  pollWait(poll: PollHandle, timeout: number): number;
  pollRef(poll: PollHandle, ref: boolean): void;
  pollFd(poll: PollHandle): number;
  pollClose(poll: PollHandle): void;
  eventfd(): number;
  eventfdWrite(fd: number): number;
  eventfdRead(fd: number): number;
  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number, out: Int32Array): number;
  bind(fd: number, address: Uint8Array, length: number): number;
  connect(fd: number, address: Uint8Array, length: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, out: Int32Array, max: number, addresses?: Uint8Array | null, lengths?: Int32Array | null): number;
  /** Without `offset` and `length`: the whole buffer (its byte length, capped at 2^31 - 1). */
  read(fd: number, buffer: Uint8Array, offset?: number, length?: number): number;
  write(fd: number, buffer: Uint8Array, offset?: number, length?: number): number;
  /**
   * The io slots (native/mio.c, "The io slots"): 16 bytes of the addon's own memory, the fd of the
   * next `readWhole`/`writeWhole` as a float64 at byte 0 and its result as an int32 at byte 8.
   * Absent where the runtime refuses external ArrayBuffers (then `read`/`write` serve).
   */
  readonly io?: ArrayBuffer;
  /** `read(io fd, buffer)` of the whole view, the result into the io slot. */
  readWhole?(buffer: Uint8Array): void;
  /** `write(io fd, buffer)` of the whole view, the result into the io slot. */
  writeWhole?(buffer: Uint8Array): void;
  readv(fd: number, buffers: readonly Uint8Array[]): number;
  writev(fd: number, buffers: readonly Uint8Array[]): number;
  recvFrom(fd: number, buffer: Uint8Array, offset: number, length: number, flags: number, address: Uint8Array): number;
  sendTo(fd: number, buffer: Uint8Array, offset: number, length: number, flags: number, address: Uint8Array, addressLength: number): number;
  recvMultiple(fd: number, buffer: Uint8Array, slotSize: number, count: number, lengths: Int32Array, addresses: Uint8Array | null): number;
  sendMultiple(fd: number, buffer: Uint8Array, spans: Int32Array, count: number, addresses: Uint8Array | null, addressLengths: Int32Array | null): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  fdGetFlag(fd: number, which: number): number;
  fdSetFlag(fd: number, which: number, on: number): number;
  getsockoptInt(fd: number, level: number, name: number): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  getsockopt(fd: number, level: number, name: number, out: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): number;
  getsockname(fd: number, out: Uint8Array): number;
  getpeername(fd: number, out: Uint8Array): number;
  listenQueue(fd: number, out: Int32Array): number;
}

// The addon's exports object arrives in dictionary mode (52 properties, defined one by one by
// N-API): V8's optimising compiler then compiles every `binding.read`, `binding.write`, … as a
// generic inline-cache call, ~190 instructions each, several per echoed message (measured with
// callgrind, benchmarks/echo-cost.mjs). A copy made with an object literal spread has fast
// properties, so those loads compile to a map check and a field load. (Object.assign or a loop
// of stores would build a dictionary again.) The functions do not use their receiver.
const raw = loader.binding as NativeBinding | null;
const loaded: NativeBinding | null = raw === null ? null : { ...raw };

/** The addon, when it loaded and has a backend for this platform; otherwise null. */
export const binding: NativeBinding | null = loaded !== null && loaded.backend !== null ? loaded : null;

/** Why the addon is unavailable (null when it is available). */
export const bindingError: Error | null =
  binding !== null
    ? null
    : (loader.loadError ?? new Error(`@rt/mio-native has no backend for ${process.platform} (epoll is Linux only; see BACKEND.md)`));

/** The file the addon was loaded from (null when it is not available). */
export const bindingPath: string | null = binding !== null ? loader.loadedFrom : null;

/** The addon, or a thrown NativeUnavailableError. */
export function native(): NativeBinding {
  if (binding === null) throw new NativeUnavailableError(bindingError);
  return binding;
}
