// Graceful shutdown under load: a real client (Node's `net`) pipelines SETs without waiting
// for the replies while the server shuts down (by `server.shutdown()`, and by SIGTERM under
// `main()`); every SET the client saw acknowledged must be in the store.
import net from 'node:net';
import { main } from '@rt/macros';
import { serve } from '../src/cli.js';
import { Server } from '../src/server.js';

/** The replies counted so far, and a promise of the socket's close. */
interface Pipeline {
  acknowledged: () => number;
  sent: () => number;
  closed: Promise<string>;
}

/**
 * Connects and writes `SET k<i> v<i>` for i = 0, 1, 2, … in batches of 100, each batch as
 * soon as the socket drains, never waiting for a reply, until the server closes the
 * connection (or `limit` commands were sent). Counts the `+OK` replies.
 */
function pipelineSets(port: number, limit = 2_000_000): Pipeline {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let sent = 0;
  let stopped = false;
  const writeBatch = (): void => {
    while (!stopped && sent < limit) {
      let batch = '';
      for (let i = 0; i < 100 && sent < limit; i++, sent++) {
        const key = `k${sent}`;
        const value = `v${sent}`;
        batch += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
      }
      if (!socket.write(batch)) return; // wait for 'drain'
    }
  };
  socket.on('connect', writeBatch);
  socket.on('drain', writeBatch);
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined); // EPIPE/ECONNRESET once the server has closed
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => {
      stopped = true;
      resolve(received);
    });
  });
  return {
    acknowledged: () => received.length / 5, // '+OK\r\n' each
    sent: () => sent,
    closed,
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The replies must all be `+OK`, and the first `count` SETs must be in the store. */
function expectAcknowledgedStored(server: Server, replies: string): number {
  expect(replies).toMatch(/^(\+OK\r\n)*$/);
  const count = replies.length / 5;
  let missing = 0;
  for (let i = 0; i < count; i++) {
    if (server.db.get(`k${i}`)?.toString('latin1') !== `v${i}`) missing++;
  }
  expect(missing).toBe(0);
  return count;
}

describe('graceful shutdown with a client in the middle of a pipeline', () => {
  it('server.shutdown(): answers every command it executed, loses no acknowledged write', async () => {
    const server = await Server.bind({ port: 0 });
    const serving = server.run();
    const clients = [pipelineSets(server.port), pipelineSets(server.port)];
    await until(() => clients.every((c) => c.acknowledged() >= 2000), '2000 replies on each connection');
    expect(server.connections).toBe(2);
    await server.shutdown();
    await serving;
    expect(server.connections).toBe(0);
    for (const c of clients) {
      const replies = await c.closed;
      const count = expectAcknowledgedStored(server, replies);
      expect(count).toBeGreaterThanOrEqual(2000);
      // The client was still sending when the server stopped: the pipeline was cut mid-way.
      expect(c.sent()).toBeGreaterThan(count);
    }
  });

  it('SIGTERM under main(): exit code 143, every acknowledged SET stored', async () => {
    const lines: string[] = [];
    let exit: Promise<number> | undefined;
    const server = await new Promise<Server>((resolve) => {
      exit = main(() => serve({ port: 0 }, (line) => lines.push(line), resolve), { name: 'mini-redis sigterm test' });
    });
    const c = pipelineSets(server.port);
    await until(() => c.acknowledged() >= 2000, '2000 replies');
    const before = process.exitCode;
    let code: number;
    try {
      process.emit('SIGTERM');
      code = await exit!;
    } finally {
      process.exitCode = before;
    }
    expect(code).toBe(143);
    const replies = await c.closed;
    expect(expectAcknowledgedStored(server, replies)).toBeGreaterThanOrEqual(2000);
    expect(c.sent()).toBeGreaterThan(replies.length / 5);
    expect(lines.slice(1)).toEqual(['mini-redis: shutting down (1 connection(s) open)', 'mini-redis: stopped']);
    expect(server.connections).toBe(0);
  });

  it('a connection still busy after shutdownTimeout is aborted and shutdown resolves', async () => {
    const server = await Server.bind({ port: 0, shutdownTimeout: 50 });
    const serving = server.run();
    // A client that never reads: its replies fill the socket buffers, so the connection
    // is stuck writing and never comes back to wait for a command.
    const socket = net.connect(server.port, '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const big = `*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$${1 << 20}\r\n${'x'.repeat(1 << 20)}\r\n`;
    await new Promise<void>((resolve) => socket.write(big, () => resolve()));
    const gets = '*2\r\n$3\r\nGET\r\n$1\r\nx\r\n'.repeat(64);
    await new Promise<void>((resolve) => socket.write(gets, () => resolve()));
    await until(() => server.db.get('x') !== undefined, 'the SET to run');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the GETs' replies are stuck
    const started = Date.now();
    await server.shutdown();
    await serving;
    expect(Date.now() - started).toBeGreaterThanOrEqual(45); // it did wait for the deadline
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.connections).toBe(0);
    socket.destroy();
    await closed;
  });
});
