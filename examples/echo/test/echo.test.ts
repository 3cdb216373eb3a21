import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { echoOnce, pingPong } from '../src/client.js';
import { startEchoServer } from '../src/server.js';

function readUntilClosed(port: number, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    if (send !== undefined) socket.write(send);
  });
}

describe('echo example', () => {
  it('echoes a message back to the client', async () => {
    const server = await startEchoServer('127.0.0.1:0');
    try {
      const reply = await echoOnce(server.localAddr, new TextEncoder().encode('hello, echo'));
      expect(new TextDecoder().decode(reply)).toBe('hello, echo');
    } finally {
      await server.close();
    }
  });

  it('echoes a large message intact and serves concurrent clients', async () => {
    const server = await startEchoServer({ host: '127.0.0.1', port: 0 });
    try {
      const big = randomBytes(2 * 1024 * 1024);
      const [reply, count] = await Promise.all([echoOnce(server.localAddr, big), pingPong(server.localAddr, 200, 64), pingPong(server.localAddr, 50, 16 * 1024)]);
      expect(Buffer.from(reply).equals(big)).toBe(true);
      expect(count).toBe(200);
    } finally {
      await server.close();
    }
    expect(server.served).toBe(3);
  });

  it('works with a plain Node net client (as nc would)', async () => {
    const server = await startEchoServer('127.0.0.1:0');
    try {
      const socket = connect(server.localAddr.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.end('line one\nline two\n');
      await new Promise((resolve) => socket.on('close', resolve));
      expect(Buffer.concat(chunks).toString()).toBe('line one\nline two\n');
    } finally {
      await server.close();
    }
  });

  it('closes with connections still open, ending them', async () => {
    const server = await startEchoServer('127.0.0.1:0');
    const socket = connect(server.localAddr.port, '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => {});
    await server.close();
    await closed;
  });

  it('closes a connection that stays idle past idleTimeout, and counts it', async () => {
    const server = await startEchoServer('127.0.0.1:0', { idleTimeout: 50 });
    try {
      // Sends one line, then nothing: the echo comes back, then the server hangs up.
      await expect(readUntilClosed(server.localAddr.port, 'still there?\n')).resolves.toBe('still there?\n');
      expect(server.timedOut).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('serves at most maxConnections at once; the next client waits in the backlog', async () => {
    const server = await startEchoServer('127.0.0.1:0', { maxConnections: 1 });
    const firstData = (socket: Socket): Promise<string> => new Promise((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString())));
    try {
      const first = connect(server.localAddr.port, '127.0.0.1');
      first.write('a');
      await expect(firstData(first)).resolves.toBe('a'); // the first holds the only slot
      const second = connect(server.localAddr.port, '127.0.0.1');
      let echoed = false;
      const secondEcho = firstData(second).then((text) => ((echoed = true), text));
      second.write('b');
      // Connected (the kernel's backlog) but not served while the first holds the slot.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(echoed).toBe(false);
      expect(server.active).toBe(1);
      first.end();
      await expect(secondEcho).resolves.toBe('b'); // accepted as soon as the slot was given back
      second.end();
      await new Promise((resolve) => second.once('close', resolve));
    } finally {
      await server.close();
    }
    expect(server.served).toBe(2);
  });

  it('rejects bad limits at once', async () => {
    await expect(startEchoServer('127.0.0.1:0', { maxConnections: 0 })).rejects.toThrow(RangeError);
    await expect(startEchoServer('127.0.0.1:0', { idleTimeout: -1 })).rejects.toThrow(RangeError);
    await expect(startEchoServer('127.0.0.1:0', { idleTimeout: Number.POSITIVE_INFINITY })).rejects.toThrow(RangeError);
  });
});
