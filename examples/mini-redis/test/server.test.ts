import net from 'node:net';
import { main } from '@rt/macros';
import { netDriver } from '@rt/net';
import { parseArguments, serve } from '../src/cli.js';
import { Server } from '../src/server.js';

/** A raw TCP client: `send` bytes, `until(text)` waits for the reply bytes, `ended` for the close. */
function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let seen = '';
  let closed = false;
  const waiting: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiting.splice(0)) w();
  };
  socket.on('data', (chunk) => {
    seen += chunk.toString('latin1');
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);
  const wait = async (done: () => boolean): Promise<void> => {
    while (!done()) {
      if (closed) throw new Error(`connection closed; received ${JSON.stringify(seen)}`);
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  return {
    socket,
    send: (text: string | Buffer) => socket.write(text),
    until: async (text: string) => {
      await wait(() => seen.includes(text));
      return seen;
    },
    /** Waits until `done(received)` is true. */
    waitFor: async (done: (received: string) => boolean) => {
      await wait(() => done(seen));
      return seen;
    },
    ended: async () => {
      while (!closed) await new Promise<void>((resolve) => waiting.push(resolve));
      return seen;
    },
    get seen() {
      return seen;
    },
  };
}

describe('Server', () => {
  let server: Server;
  let serving: Promise<void>;

  afterEach(async () => {
    await server.shutdown();
    await serving;
  });

  it('answers a pipelined batch in order', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    const c = client(server.port);
    const batch = Array.from({ length: 500 }, (_, i) => `*3\r\n$3\r\nSET\r\n$${`k${i}`.length}\r\nk${i}\r\n$${String(i).length}\r\n${i}\r\n*2\r\n$3\r\nGET\r\n$${`k${i}`.length}\r\nk${i}\r\n`).join('');
    c.send(batch);
    const expected = Array.from({ length: 500 }, (_, i) => `+OK\r\n$${String(i).length}\r\n${i}\r\n`).join('');
    expect(await c.until(expected.slice(-12))).toBe(expected);
    c.socket.destroy();
  });

  it('replies with a protocol error and closes the connection on a declared length above the cap', async () => {
    server = await Server.bind({ port: 0, limits: { maxBulkLength: 1024 } });
    serving = server.run();
    const c = client(server.port);
    c.send('*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$2000\r\n');
    expect(await c.ended()).toBe('+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
  });

  it('closes the connection after QUIT', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    const c = client(server.port);
    c.send('PING\r\nQUIT\r\nPING\r\n');
    expect(await c.ended()).toBe('+PONG\r\n+OK\r\n');
  });

  it('serves at most maxConnections clients and admits the next when one leaves', async () => {
    server = await Server.bind({ port: 0, maxConnections: 1 });
    serving = server.run();
    const first = client(server.port);
    first.send('PING\r\n');
    await first.until('+PONG\r\n');
    const second = client(server.port);
    second.send('ECHO waiting\r\n');
    // A few more round trips on the first connection: the second is still not served.
    for (let i = 0; i < 5; i++) {
      first.send('PING\r\n');
      await first.until('+PONG\r\n'.repeat(i + 2));
    }
    expect(second.seen).toBe('');
    expect(server.connections).toBe(1);
    first.send('QUIT\r\n');
    await first.ended();
    expect(await second.until('waiting')).toBe('$7\r\nwaiting\r\n');
    second.socket.destroy();
  });

  it('shuts down gracefully: stops accepting, answers what it read, closes every connection', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    const c = client(server.port);
    const subscriber = client(server.port);
    subscriber.send('SUBSCRIBE news\r\n');
    await subscriber.until(':1\r\n');
    c.send('SET a 1\r\n');
    await c.until('+OK\r\n');
    expect(server.connections).toBe(2);
    const port = server.port;
    await server.shutdown();
    await serving;
    expect(server.connections).toBe(0);
    expect(await c.ended()).toBe('+OK\r\n');
    await subscriber.ended();
    expect(server.pubSub.channelCount).toBe(0);
    const refused = await new Promise<string>((resolve) => {
      const probe = net.connect(port, '127.0.0.1');
      probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      probe.on('connect', () => {
        probe.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('delivers messages to every subscriber and counts them', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    const a = client(server.port);
    const b = client(server.port);
    a.send('SUBSCRIBE room\r\n');
    b.send('SUBSCRIBE room other\r\n');
    await a.until(':1\r\n');
    await b.until(':2\r\n');
    const publisher = client(server.port);
    publisher.send('PUBLISH room hi\r\nPUBLISH other x\r\n');
    expect(await publisher.until(':1\r\n')).toBe(':2\r\n:1\r\n');
    await a.until('$2\r\nhi\r\n');
    await b.until('$1\r\nx\r\n');
    expect(b.seen).toContain('*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$2\r\nhi\r\n');
    b.send('UNSUBSCRIBE room\r\nPING\r\n');
    await b.until('$4\r\npong\r\n$0\r\n\r\n');
    publisher.send('PUBLISH room again\r\n');
    await publisher.until(':2\r\n:1\r\n:1\r\n');
    await a.until('again');
    for (const c of [a, b, publisher]) c.socket.destroy();
  });

  it('delivers a burst of messages in order while the subscriber keeps sending commands (nothing lost)', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    const subscriber = client(server.port);
    subscriber.send('SUBSCRIBE burst\r\n');
    await subscriber.until(':1\r\n');
    const publisher = client(server.port);
    const count = 1000;
    // Interleave the subscriber's own commands with the deliveries: each select round may
    // be won by either its socket or its message queue.
    for (let i = 0; i < count; i += 100) {
      publisher.send(Array.from({ length: 100 }, (_, k) => `PUBLISH burst m${i + k}\r\n`).join(''));
      subscriber.send('PING\r\n');
    }
    await publisher.waitFor((received) => received.length === ':1\r\n'.length * count);
    expect(publisher.seen).toBe(':1\r\n'.repeat(count));
    await subscriber.until(`$${`m${count - 1}`.length}\r\nm${count - 1}\r\n`);
    const received = [...subscriber.seen.matchAll(/message\r\n\$5\r\nburst\r\n\$\d+\r\n(m\d+)\r\n/g)].map((m) => m[1]);
    expect(received).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    await subscriber.waitFor((received) => received.split('$4\r\npong\r\n').length - 1 === 10);
    for (const c of [subscriber, publisher]) c.socket.destroy();
  });

  it('lets a subscriber that cannot keep up miss messages instead of buffering without bound', async () => {
    server = await Server.bind({ port: 0, pubSubCapacity: 16 });
    serving = server.run();
    const subscriber = client(server.port);
    subscriber.socket.pause(); // reads nothing: the server's writes fill the socket buffers
    subscriber.send('SUBSCRIBE flood\r\n');
    const publisher = client(server.port);
    publisher.send('PING\r\n');
    await publisher.until('+PONG\r\n');
    while (server.pubSub.channelCount === 0) await new Promise((resolve) => setImmediate(resolve));
    const payload = 'x'.repeat(1024);
    const count = 20_000; // ~20 MiB offered to a client that reads nothing
    for (let i = 0; i < count; i += 1000) publisher.send(Array.from({ length: 1000 }, () => `PUBLISH flood ${payload}\r\n`).join(''));
    // Every PUBLISH is answered (the publisher is never held back by the slow subscriber).
    await publisher.waitFor((received) => received.length === '+PONG\r\n'.length + ':1\r\n'.length * count);
    subscriber.socket.resume();
    publisher.send('PUBLISH flood last\r\n');
    await subscriber.until('$4\r\nlast\r\n');
    const delivered = subscriber.seen.split('$7\r\nmessage\r\n').length - 1;
    expect(delivered).toBeLessThan(count); // the rest was overwritten (Lagged), not queued
    for (const c of [subscriber, publisher]) c.socket.destroy();
  });

  it('reclaims expired keys nobody reads with its active expiry task', async () => {
    server = await Server.bind({ port: 0, expiryInterval: 1 });
    serving = server.run();
    const c = client(server.port);
    c.send('SET a 1 PX 1\r\nSET b 1 PX 1\r\nSET keep 1\r\n');
    await c.until('+OK\r\n+OK\r\n+OK\r\n');
    // No check of the size here: with PX 1 the sweep may already have run (a loaded machine).
    // Nobody reads a or b again: only the interval's sweep can remove them.
    while (server.db.size > 1) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(server.db.volatileCount).toBe(0);
    c.socket.destroy();
  });

  it('rejects bad options at once, naming the value', async () => {
    server = await Server.bind({ port: 0 });
    serving = server.run();
    await expect(Server.bind({ port: 70000 })).rejects.toThrow(/port must be ≤ 65535, got 70000/);
    await expect(Server.bind({ port: 0, maxConnections: 0 })).rejects.toThrow(RangeError);
    await expect(Server.bind({ port: 0, expiryInterval: 1.5 })).rejects.toThrow(/expiryInterval/);
  });
});

describe('parseArguments', () => {
  it('reads --port, --host and --max-connections, ignoring a bare --', () => {
    expect(parseArguments(['--', '--port', '6380'])).toEqual({ port: 6380 });
    expect(parseArguments(['--port=0', '--host', '::1', '--max-connections', '5'])).toEqual({ port: 0, host: '::1', maxConnections: 5 });
    expect(parseArguments([])).toEqual({});
    expect(parseArguments(['--max-bulk-length', '1024'])).toEqual({ limits: { maxBulkLength: 1024 } });
  });

  it('rejects unknown arguments and bad values with the usage line', () => {
    expect(() => parseArguments(['--port', 'x'])).toThrow(/--port must be a non-negative integer, got "x"/);
    expect(() => parseArguments(['--port'])).toThrow(/needs a value/);
    expect(() => parseArguments(['--verbose', '1'])).toThrow(/unknown argument "--verbose"[\s\S]*usage/);
  });
});

describe('serve under main()', () => {
  it('shuts down gracefully on SIGINT: exit code 130, connections closed, port released', async () => {
    const lines: string[] = [];
    const listening = new Promise<Server>((resolve) => {
      const exitCode = main(() => serve({ port: 0 }, (line) => lines.push(line), resolve), { name: 'mini-redis test' });
      void exitCode.then((code) => lines.push(`exit ${code}`));
    });
    const server = await listening;
    const c = client(server.port);
    c.send('SET a 1\r\nGET a\r\n');
    await c.until('$1\r\n1\r\n');
    const before = process.exitCode;
    try {
      process.emit('SIGINT');
      await c.ended();
      while (!lines.includes('exit 130')) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.exitCode = before;
    }
    expect(lines).toEqual([
      `mini-redis listening on 127.0.0.1:${server.port} (net driver: ${netDriver()})`,
      'mini-redis: shutting down (1 connection(s) open)',
      'mini-redis: stopped',
      'exit 130',
    ]);
    expect(server.connections).toBe(0);
  });
});
