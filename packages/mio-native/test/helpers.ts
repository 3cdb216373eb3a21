// Shared test helpers (not a test file): fd counting and small socket builders.
import { readdirSync } from 'node:fs';
import { constants, OsError, sys, decodeSocketAddress, SOCKET_ADDRESS_SIZE } from '@rt/mio-native';
import type { SocketAddress } from '@rt/mio-native';

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

export function tcpListener(family: 'IPv4' | 'IPv6' = 'IPv4'): { fd: number; port: number } {
  const fd = OsError.check(sys.socket(family === 'IPv4' ? constants.AF_INET : constants.AF_INET6, constants.SOCK_STREAM), 'socket');
  OsError.check(sys.setSocketOption(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1), 'setsockopt');
  OsError.check(sys.bind(fd, family === 'IPv4' ? { family, address: '127.0.0.1', port: 0 } : { family, address: '::1', port: 0 }), 'bind');
  OsError.check(sys.listen(fd, 128), 'listen');
  return { fd, port: localPort(fd) };
}

export function localAddress(fd: number): SocketAddress {
  const out = Buffer.alloc(SOCKET_ADDRESS_SIZE);
  const length = OsError.check(sys.getSocketName(fd, out), 'getsockname');
  return decodeSocketAddress(out, length);
}

export function localPort(fd: number): number {
  const address = localAddress(fd);
  if (address.family === 'unix') throw new Error('not an IP socket');
  return address.port;
}

export function socketPair(type = constants.SOCK_STREAM): [number, number] {
  const out = new Int32Array(2);
  OsError.check(sys.socketPair(constants.AF_UNIX, type, out), 'socketpair');
  return [out[0]!, out[1]!];
}

export const EAGAIN = -11;

/**
 * How to start another Node.js process: `process.execPath`, or under the arm64 emulation
 * run (scripts/arm64.mjs, no binfmt_misc here) the emulator first, from RT_TEST_EXEC_PREFIX.
 */
export function nodeCommand(args: string[]): [string, string[]] {
  const prefix = (process.env['RT_TEST_EXEC_PREFIX'] ?? '').split(' ').filter(Boolean);
  return prefix.length > 0 ? [prefix[0]!, [...prefix.slice(1), process.execPath, ...args]] : [process.execPath, args];
}
