// Raw-socket helpers for driving the server byte by byte (node:net, a peer outside rt).
import { connect, type Socket } from 'node:net';
import { runQueueWaitMs } from '../../../scheduler/test/support/on-cpu.js';

/**
 * A clock that runs only while this thread could run: wall-clock ms less the time it spent
 * waiting for a CPU (see runQueueWaitMs). The server and its test client share this thread, so
 * on a loaded machine a wait measured with it counts the time they could have made progress in.
 */
export function runnableNow(): number {
  return Date.now() - runQueueWaitMs();
}

/** Opens a client socket to the server. */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `bytes`, then collects everything until the server closes (or `ms` pass: then it rejects). */
export function exchange(port: number, bytes: string | Buffer, ms = 5000): Promise<string> {
  return open(port).then(
    (socket) =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no close within ${ms} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
        }, ms);
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks).toString('latin1'));
        });
        socket.write(bytes);
      }),
  );
}

/**
 * Sends a POST of `body` (Content-Length) to `target` with `GET /after` pipelined behind it,
 * the GET saying `Connection: close` unless `keepAlive`; returns everything the server sent.
 */
export function postThenGet(port: number, target: string, body: Buffer, keepAlive = false): Promise<string> {
  return exchange(port, Buffer.concat([
    Buffer.from(`POST ${target} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`),
    body,
    Buffer.from(`GET /after HTTP/1.1\r\nHost: a\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`),
  ]));
}

/** Reads from `socket` until `text` contains `until` (or `ms` pass). */
export function readUntil(socket: Socket, until: (text: string) => boolean, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (until(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onClose = (): void => {
      cleanup();
      resolve(text);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out; got ${JSON.stringify(text)}`));
    }, ms);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * Opens a connection, writes `bytes` in pieces of `piece` bytes (a turn of the event loop between
 * two), and collects what the server sends until `expected` answers of the form `<…>` have come
 * (or `ms` pass with nothing more sent back while this thread could run: a stalled server,
 * not a slow one on a loaded machine); returns the text and those answers, in order.
 */
export async function sendForAnswers(port: number, bytes: Buffer, piece: number, expected: number, ms = 5000): Promise<{ text: string; answers: string[] }> {
  const socket = await open(port);
  try {
    let text = '';
    socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
    for (let at = 0; at < bytes.length; at += piece) {
      socket.write(bytes.subarray(at, at + piece));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const answers = (): string[] => text.match(/<\d+ [0-9a-f]+>/g) ?? [];
    // (Time this thread spent waiting for a CPU is not counted: see runnableNow.)
    for (let still = runnableNow(), length = text.length; answers().length < expected && runnableNow() - still < ms;) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (text.length !== length) {
        length = text.length;
        still = runnableNow();
      }
    }
    return { text, answers: answers() };
  } finally {
    socket.destroy();
  }
}

/** Splits a stream of HTTP/1.1 responses into status codes (for pipelining checks). */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** A body whose every byte depends on its offset (so a lost, repeated or reordered byte shows). */
export function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}
