import { TcpListener, TcpStream, netDriver } from '@rt/net';
import type { DriverName } from '@rt/net';

/** Every driver this machine can run: the fallback always, the native one where it loads. */
export const drivers: DriverName[] = [...new Set<DriverName>(['fallback', netDriver()])];

/** A connected pair on loopback: [client, server]. */
export async function tcpPair(driver: DriverName, host = '127.0.0.1'): Promise<[TcpStream, TcpStream, TcpListener]> {
  const listener = await TcpListener.bind({ host, port: 0 }, { driver });
  const accepting = listener.accept();
  const client = await TcpStream.connect(listener.localAddr(), { driver });
  const server = await accepting;
  return [client, server, listener];
}

/** Reads until end of stream (or `limit` bytes), returning everything read. */
export async function readAll(reader: { read(buf: Uint8Array): Promise<number> }, limit = Infinity): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(64 * 1024);
  while (total < limit) {
    const n = await reader.read(buf);
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
    total += n;
  }
  return Buffer.concat(parts);
}

/** Open fds of this process. */
export function openFds(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  return fs.readdirSync('/proc/self/fd').length;
}

/** Polls `check` once per event-loop turn (bounded) until it returns true. */
export async function eventually(check: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}
