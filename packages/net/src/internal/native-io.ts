// Shared pieces of the native driver: the runtime's reactor, errno helpers, addresses.
//
// The sockets register with the runtime's one Reactor (`Reactor.current()`, one epoll
// instance per runtime, shared with child pipes and the multi-thread waker, closed when the
// runtime shuts down). The driver's own counters appear in
// `runtime.metrics().drivers['@rt/net native driver']`; the reactor's are under
// `drivers['@rt/reactor']` (its own extension), once.
import { constants, decodeSocketAddress, errno, sys } from '@rt/mio-native';
import type { SocketAddress } from '@rt/mio-native';
import { ClosedError, Reactor } from '@rt/reactor';
import type { ReadyCallback } from '@rt/reactor';
import { Handle } from '@rt/scheduler';
import { NetError } from '../errors.js';
import type { NetErrorOptions } from '../errors.js';
import type { RawAddress } from './driver.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIPv6 } = process.getBuiltinModule('node:net');

// The errnos the driver compares results with, from the one table in @rt/mio-native.
export const { EAGAIN, EINPROGRESS, EINTR, EMFILE, ENFILE, ECONNABORTED, ENOTCONN, EPIPE } = errno;

/** The platform constants the driver uses, looked up once. */
export const C = {
  AF_INET: constants['AF_INET']!,
  AF_INET6: constants['AF_INET6']!,
  AF_UNIX: constants['AF_UNIX']!,
  SOCK_STREAM: constants['SOCK_STREAM']!,
  SOCK_DGRAM: constants['SOCK_DGRAM']!,
  SOL_SOCKET: constants['SOL_SOCKET']!,
  SO_REUSEADDR: constants['SO_REUSEADDR']!,
  SO_KEEPALIVE: constants['SO_KEEPALIVE']!,
  IPPROTO_TCP: constants['IPPROTO_TCP']!,
  IPPROTO_IP: constants['IPPROTO_IP']!,
  IPPROTO_IPV6: constants['IPPROTO_IPV6']!,
  TCP_NODELAY: constants['TCP_NODELAY']!,
  TCP_KEEPIDLE: constants['TCP_KEEPIDLE']!,
  IPV6_V6ONLY: constants['IPV6_V6ONLY']!,
  IPV6_UNICAST_HOPS: constants['IPV6_UNICAST_HOPS']!,
  IP_TTL: constants['IP_TTL']!,
  MSG_PEEK: constants['MSG_PEEK']!,
};

/** Counters the native driver adds to the runtime's metrics. */
export interface NativeCounters {
  /** accept() failures that were retried (EMFILE, ENFILE, ECONNABORTED, …). */
  acceptErrors: number;
  /** Back-offs taken because the process or system ran out of fds. */
  acceptBackoffs: number;
}

interface NativeExtension {
  readonly reactor: Reactor;
  readonly counters: NativeCounters;
  /** Not set: the reactor is the runtime's (its own extension closes it). */
  shutdown?(): void;
  metrics(): Record<string, unknown>;
}

const KEY = Symbol('@rt/net native driver');

/** The runtime's reactor and the driver's counters (the counters made on first use). */
export function currentIo(): NativeExtension {
  return Handle.current().extension(KEY, (): NativeExtension => {
    const reactor = Reactor.current();
    const counters: NativeCounters = { acceptErrors: 0, acceptBackoffs: 0 };
    return {
      reactor,
      counters,
      metrics: () => ({ driver: 'native', ...counters }),
    };
  });
}

/**
 * Arms a socket's readiness wait: true when the fd is ready already (the caller serves on a
 * microtask). When the runtime has shut down (its reactor closed) `onFailed` runs on a
 * microtask instead, so parked operations fail with SocketClosed. (`arm()` throws ClosedError
 * exactly when the fd is no longer registered: its own check is the one made, not a second
 * look at the registration before it: issue 16, TCP echo, pass ec31.)
 */
export function armWait(wait: ReadyCallback, onFailed: () => void): boolean {
  try {
    return wait.arm() !== null;
  } catch (error) {
    if (!(error instanceof ClosedError)) throw error;
    queueMicrotask(onFailed);
    return false;
  }
}

/** A NetError from a negative errno (with the address the call was given, where Node sets one). */
export function osError(result: number, syscall: string, options?: NetErrorOptions): NetError {
  return new NetError(result, syscall, undefined, options);
}

/** The `address` and `port` Node puts on an error of a call given `address` (a Unix socket's path is its address). */
export function errorWhere(address: SocketAddress): NetErrorOptions {
  return address.family === 'unix' ? { address: address.path } : { address: address.address, port: address.port };
}

/** Throws a NetError for a negative result, else returns it. */
export function check(result: number, syscall: string, options?: NetErrorOptions): number {
  if (result < 0) throw osError(result, syscall, options);
  return result;
}

export function ipAddress(ip: string, port: number): SocketAddress {
  // An IPv6 address always has a ':' (an IPv4 one never): `isIPv6` only then, the same answer.
  // V8 compiles node:net's IPv6 regular expression at its first use, ~100 kB of the heap, which
  // an IPv4 server then never pays (@rt/http README, "What a server loads").
  return ip.includes(':') && isIPv6(ip) ? { family: 'IPv6', address: ip, port } : { family: 'IPv4', address: ip, port };
}

const nameScratch = Buffer.alloc(128);

function toRaw(a: SocketAddress): RawAddress {
  if (a.family === 'unix') return { path: a.path };
  return { ip: a.address, port: a.port };
}

export function localAddressOf(fd: number): RawAddress {
  const length = check(sys.getSocketName(fd, nameScratch), 'getsockname');
  return toRaw(decodeSocketAddress(nameScratch, length));
}

export function peerAddressOf(fd: number): RawAddress {
  const length = check(sys.getPeerName(fd, nameScratch), 'getpeername');
  return toRaw(decodeSocketAddress(nameScratch, length));
}

/**
 * A peer address as the accept batch hands it over: decoded, or an IPv4 one packed into a
 * number (address as a big-endian u32 × 65536 + port, exact in a double) that
 * {@link peerOf} decodes only when asked.
 */
export type AcceptedPeer = RawAddress | number;

/** Decodes an {@link AcceptedPeer}. */
export function peerOf(peer: AcceptedPeer): RawAddress {
  if (typeof peer !== 'number') return peer;
  const ip = Math.floor(peer / 65536);
  return { ip: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, port: peer % 65536 };
}

export function decodeRaw(bytes: Uint8Array, length: number): RawAddress {
  // Family 0: the kernel wrote no address (an unnamed Unix socket sent the datagram).
  if (bytes[0] === 0 && bytes[1] === 0) return { path: '' };
  return toRaw(decodeSocketAddress(bytes, length));
}
