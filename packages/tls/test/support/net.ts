import { readdirSync } from 'node:fs';
import { readToEnd } from '@rt/io';
import { TcpListener, TcpStream } from '@rt/net';

/** A connected TCP pair on loopback: [client, server, listener]. */
export async function tcpPair(): Promise<[TcpStream, TcpStream, TcpListener]> {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const accepting = listener.accept();
  const client = await TcpStream.connect(listener.localAddr());
  const server = await accepting;
  return [client, server, listener];
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

/**
 * Reads `stream` to its end and says how the peer closed: `'closed'` (end of stream, after
 * whatever it sent, e.g. an alert) or the error code (`ECONNRESET` when the
 * peer closed with bytes of ours unread).
 */
export async function peerClose(stream: TcpStream): Promise<string | undefined> {
  return readToEnd(stream).then(
    () => 'closed',
    (e: unknown) => (e as { code?: string }).code,
  );
}
