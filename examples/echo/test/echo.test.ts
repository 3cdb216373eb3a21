import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { echoOnce, pingPong } from '../src/client.js';
import { startEchoServer } from '../src/server.js';

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
});
