// Fault injection against @rt/net through the examples: peers that reset mid-request
// (SO_LINGER 0), half-open connections, slowloris trickles, clients that never read, peers
// that close during a large write. After each, the server must still serve a fresh client
// and be back to its baseline of connections and fds.
import { TcpListener } from '@rt/net';
import { sleep } from '@rt/time';
import { startEchoServer } from '../../../examples/echo/src/server.js';
import type { EchoServer } from '../../../examples/echo/src/server.js';
import { HttpServer } from '../../../examples/http-hello/src/server.js';
import { Server } from '../../../examples/mini-redis/src/server.js';
import { eventually, rawClient } from '../src/clients.js';
import { openFdCount, scaled } from '../src/config.js';

const RESETS = scaled(150, 5_000);

// The runtime's reactor (an epoll fd) and timer wheel live as long as the runtime: create
// them before the first fd baseline.
beforeAll(async () => {
  (await TcpListener.bind('127.0.0.1:0')).close();
  await sleep(1);
});
const MiB = 2 ** 20;

function bulk(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

async function pingPong(port: number): Promise<void> {
  const c = await rawClient(port);
  c.socket.write('PING\r\n');
  await c.until(() => c.received === '+PONG\r\n');
  c.socket.destroy();
}

/** A PING on an open client, answered: everything sent before it was processed. */
async function pingPongOn(c: Awaited<ReturnType<typeof rawClient>>): Promise<void> {
  c.socket.write('PING\r\n');
  await c.until(() => c.received.endsWith('+PONG\r\n'));
}

describe('mini-redis under faults', () => {
  let server: Server;
  let serving: Promise<void>;
  let fdsBefore: number;

  beforeEach(async () => {
    fdsBefore = openFdCount();
    server = await Server.bind({ port: 0, maxConnections: 512 });
    serving = server.run();
    server.db.set('big', Buffer.alloc(MiB, 0x62), -1); // -1: no expiry
  });

  afterEach(async () => {
    await server.shutdown();
    await serving;
    await eventually(() => openFdCount() <= fdsBefore, 'fds back to the baseline');
  });

  it(`survives ${RESETS} peers that reset (SO_LINGER 0) in the middle of a request or a reply`, async () => {
    const partials = ['*2\r\n$3\r\nGET\r\n$5\r\nab', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n' + 'x'.repeat(5000), 'PIN', bulk('GET', 'big').repeat(8)];
    for (let i = 0; i < RESETS; i++) {
      const c = await rawClient(server.port, { keepData: false });
      c.socket.write(partials[i % partials.length]!);
      if (i % partials.length === 3) await c.until(() => c.receivedBytes > 0); // mid-reply
      c.socket.resetAndDestroy();
    }
    await eventually(() => server.connections === 0, 'every reset connection released');
    await pingPong(server.port);
  });

  it('answers a half-closed client and then closes', async () => {
    const c = await rawClient(server.port);
    c.socket.end(bulk('SET', 'a', '1') + 'PING\r\n' + bulk('GET', 'a'));
    await c.ended();
    expect(c.received).toBe('+OK\r\n+PONG\r\n$1\r\n1\r\n');
    await eventually(() => server.connections === 0, 'the half-closed connection released');
  });

  it('keeps serving others while slowloris clients trickle one byte at a time', async () => {
    const slow = await Promise.all(Array.from({ length: 50 }, () => rawClient(server.port)));
    const command = 'PING\r\n';
    for (let byte = 0; byte < command.length; byte++) {
      for (const c of slow) c.socket.write(command[byte]!);
      // A normal client is served promptly between two trickled bytes.
      await pingPong(server.port);
      await new Promise((resolve) => setTimeout(resolve, scaled(20, 100)));
    }
    await Promise.all(slow.map((c) => c.until(() => c.received === '+PONG\r\n')));
    for (const c of slow) c.socket.destroy();
    await eventually(() => server.connections === 0, 'slow connections released');
  });

  it('holds bounded memory for a client that pipelines huge replies and never reads, and lets it go when it resets', async () => {
    const c = await rawClient(server.port, { keepData: false });
    c.socket.pause(); // never read: the kernel buffers fill, then the server's write waits
    const requests = scaled(2_000, 20_000); // 2 GiB (20 GiB) of replies asked for
    const rssBefore = process.memoryUsage().rss;
    let most = 0;
    c.socket.write(bulk('GET', 'big').repeat(requests));
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      most = Math.max(most, process.memoryUsage().rss - rssBefore);
    }
    expect(server.connections).toBe(1);
    expect(most).toBeLessThan(96 * MiB);
    c.socket.resetAndDestroy(); // the peer goes away in the middle of a large write
    await eventually(() => server.connections === 0, 'the stuck connection released after the reset');
    await pingPong(server.port);
  });

  it('closes each connection that sends a protocol error or an oversized length declaration, and keeps serving', async () => {
    // Protocol errors: the client keeps its side open, so the server, not a FIN, ends these.
    const errors = ['*1\r\n$600000000\r\n', '*2000000\r\n', 'A'.repeat(70 * 1024)];
    for (const input of errors) {
      const c = await rawClient(server.port);
      c.socket.write(input);
      await c.ended();
      expect({ input: input.slice(0, 20), reply: c.received }).toEqual({ input: input.slice(0, 20), reply: expect.stringMatching(/^-ERR Protocol error: /) });
    }
    // Garbage that is not a protocol error gets Redis's answers and the connection stays up
    // until the client's FIN; so does a frame cut short by that FIN (no reply at all).
    const served: Array<[string, RegExp]> = [
      ['*-5\r\n', /^$/], // a non-positive multibulk count is ignored, as Redis does
      ['$99999999999\r\n', /^-ERR unknown command '\$99999999999'/],
      ['\x00\xff\r\n'.repeat(3), /^(-ERR unknown command [^\r]*\r\n){3}$/],
    ];
    for (const [input, reply] of served) {
      const c = await rawClient(server.port);
      c.socket.write(input);
      await pingPongOn(c);
      expect(c.closed).toBe(false);
      c.socket.end();
      await c.ended();
      expect({ input, reply: c.received.replace('+PONG\r\n', '') }).toEqual({ input, reply: expect.stringMatching(reply) });
    }
    const truncated = await rawClient(server.port);
    truncated.socket.write('*1\r\n$3\r\nGET');
    truncated.socket.end();
    await truncated.ended();
    expect(truncated.received).toBe('');
    await eventually(() => server.connections === 0, 'every bad client released');
    await pingPong(server.port);
  });
});

describe('echo under faults', () => {
  let server: EchoServer;
  let fdsBefore: number;

  beforeEach(async () => {
    fdsBefore = openFdCount();
    server = await startEchoServer('127.0.0.1:0');
  });

  afterEach(async () => {
    await server.close();
    await eventually(() => openFdCount() <= fdsBefore, 'fds back to the baseline');
  });

  async function echoOnce(text: string): Promise<void> {
    const c = await rawClient(server.localAddr.port);
    c.socket.end(text);
    await c.ended();
    expect(c.received).toBe(text);
  }

  it(`survives ${RESETS} peers that reset mid-stream`, async () => {
    const before = server.served;
    for (let i = 0; i < RESETS; i++) {
      const c = await rawClient(server.localAddr.port, { keepData: false });
      c.socket.write(Buffer.alloc(1 + (i % 7) * 10_000, 1));
      if (i % 2) await c.until(() => c.receivedBytes > 0);
      c.socket.resetAndDestroy();
    }
    await eventually(() => server.served === before + RESETS, 'every reset connection ended');
    await echoOnce('still here');
  });

  it('stops reading from a client that never reads (memory stays bounded), then drops it when it resets', async () => {
    const c = await rawClient(server.localAddr.port, { keepData: false });
    c.socket.pause();
    const rssBefore = process.memoryUsage().rss;
    const chunk = Buffer.alloc(64 * 1024, 2);
    let written = 0;
    // Write until our own socket reports backpressure: then the server has stopped reading.
    while (c.socket.write(chunk)) {
      written += chunk.length;
      if (written > 512 * MiB) throw new Error('the echo server never applied backpressure');
      if (written % (4 * MiB) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(96 * MiB);
    const served = server.served;
    c.socket.resetAndDestroy();
    await eventually(() => server.served === served + 1, 'the stuck connection ended');
    await echoOnce('after the stuck client');
  });

  it('survives a peer that closes in the middle of a large echo', async () => {
    const served = server.served;
    for (let i = 0; i < 20; i++) {
      const c = await rawClient(server.localAddr.port, { keepData: false });
      c.socket.write(Buffer.alloc(8 * MiB, 3));
      await c.until(() => c.receivedBytes >= MiB);
      c.socket.destroy(); // FIN with unread data: the kernel answers further writes with RST
    }
    await eventually(() => server.served === served + 20, 'every interrupted echo ended');
    await echoOnce('after the interrupted echoes');
  });
});

describe('http-hello under faults', () => {
  let server: HttpServer;
  let serving: Promise<void>;

  beforeEach(async () => {
    server = await HttpServer.bind({ port: 0 });
    serving = server.run();
  });

  afterEach(async () => {
    await server.shutdown();
    await serving;
  });

  async function hello(): Promise<void> {
    const c = await rawClient(server.port);
    c.socket.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.ended();
    expect(c.received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Hello, World!$/);
  }

  it(`survives ${RESETS} peers that reset mid-request and answers a half-closed one`, async () => {
    const partials = ['GET / HTTP/1.1\r\nHost: x\r\n', 'POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc', 'GE', 'GET / HTTP/1.1\r\n\r\n'.repeat(50)];
    for (let i = 0; i < RESETS; i++) {
      const c = await rawClient(server.port, { keepData: false });
      c.socket.write(partials[i % partials.length]!);
      c.socket.resetAndDestroy();
    }
    await eventually(() => server.connections === 0, 'every reset connection released');
    await hello();
  });
});
