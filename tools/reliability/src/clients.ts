// Plain Node `net` clients for the fault tests: they are the hostile peers, so they must not
// run on the runtime under test.
import net from 'node:net';

/** A raw TCP client that records what it receives. */
export interface RawClient {
  readonly socket: net.Socket;
  /** Everything received so far (latin1). */
  readonly received: string;
  /** Bytes received so far. */
  readonly receivedBytes: number;
  readonly closed: boolean;
  /** Resolves once `done()` holds (checked on every event), rejects if the socket closes first. */
  until(done: () => boolean): Promise<void>;
  /** Resolves when the socket has closed. */
  ended(): Promise<void>;
}

export async function rawClient(port: number, options: { keepData?: boolean } = {}): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  const keep = options.keepData ?? true;
  let received = '';
  let receivedBytes = 0;
  let closed = false;
  const waiting: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiting.splice(0)) w();
  };
  socket.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    if (keep) received += chunk.toString('latin1');
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    get received() {
      return received;
    },
    get receivedBytes() {
      return receivedBytes;
    },
    get closed() {
      return closed;
    },
    async until(done) {
      while (!done()) {
        if (closed) throw new Error(`connection closed first; received ${JSON.stringify(received.slice(0, 200))}`);
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    async ended() {
      while (!closed) await new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
}

/**
 * Polls `predicate` every few milliseconds until it holds; fails after `tries` polls. A
 * bound on polls, not a timed assertion: the condition is expected to become true soon
 * after the event that causes it, whatever the machine's speed.
 */
export async function eventually(predicate: () => boolean, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}
