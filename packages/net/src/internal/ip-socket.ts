// Helpers shared by the IP sockets (TcpStream, TcpListener, TcpSocket, UdpSocket): internal to
// @rt/net, not exported from the package.
import type { RawAddress } from './driver.js';
import { SocketAddr, describe, trustedSocketAddr } from '../socket-addr.js';

/** The driver's raw address of an IP socket as a {@link SocketAddr}; `TypeError` for a Unix path. */
export function toSocketAddr(raw: RawAddress): SocketAddr {
  if (raw instanceof SocketAddr) return raw;
  if ('ip' in raw) return trustedSocketAddr(raw.ip, raw.port);
  throw new TypeError('expected an IP address, got a Unix socket path');
}

/** Checks an IP time-to-live argument: an integer 1-255, else `RangeError` naming `what`. */
export function checkTtl(ttl: unknown, what: string): asserts ttl is number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
    throw new RangeError(`${what}: ttl must be an integer 1-255, got ${describe(ttl)}`);
  }
}
