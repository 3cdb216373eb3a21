import { readdirSync } from 'node:fs';
import { TcpListener, TcpStream } from '@rt/net';

/** A connected TCP pair on loopback: [client, server, listener]. */
export async function tcpPair(): Promise<[TcpStream, TcpStream, TcpListener]> {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const accepting = listener.accept();
  const client = await TcpStream.connect(listener.localAddr());
  const server = await accepting;
  return [client, server, listener];
}

/** Reads until end of stream (or `limit` bytes). */
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
  return readdirSync('/proc/self/fd').length;
}

/** Polls `check` once per event-loop turn (bounded by time) until it returns true. */
export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition not reached');
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
