import { connect, type Socket } from 'node:net';
import { Builder, Handle, park } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import fc from 'fast-check';
import { ConsoleClient, MAX_LINE, PROTOCOL_VERSION, parseRequest, serveConsole, type ConsoleServer } from '@rt/console';

/** A raw protocol connection: send lines, read reply lines. */
async function raw(addr: string): Promise<{ socket: Socket; next(): Promise<string>; closed: Promise<void> }> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  socket.setEncoding('utf8');
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let pending = '';
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      const waiter = waiting.shift();
      if (waiter !== undefined) waiter(line);
      else lines.push(line);
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    socket,
    closed,
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

describe('serveConsole', () => {
  let runtime: Runtime;
  let server: ConsoleServer;
  beforeEach(async () => {
    runtime = Builder.currentThread().name('served').console({ addr: '127.0.0.1:0' }).build();
    server = await serveConsole(runtime.handle);
  });
  afterEach(async () => {
    await runtime.shutdown({ timeout: 100 });
  });

  it('greets with the protocol version and answers snapshots with named tasks', async () => {
    const parked = runtime.spawn(() => park('Test.gate', () => {}).promise, { name: 'gated' });
    await new Promise((resolve) => setImmediate(resolve));
    const client = await ConsoleClient.connect(server.addr);
    try {
      expect(client.hello).toEqual({ protocol: 'rt-console', version: PROTOCOL_VERSION, runtime: 'served', pid: process.pid });
      const snapshot = await client.snapshot();
      expect(snapshot).toMatchObject({ version: 1, runtime: 'served', instrumented: true, warnings: [] });
      expect(snapshot.tasks).toEqual([expect.objectContaining({ id: parked.id, name: 'gated', state: 'waiting', waitingOn: ['Test.gate'], polls: 1 })]);
      expect(snapshot.resources).toEqual([{ label: 'Test.gate', waiters: [parked.id] }]);
    } finally {
      client.close();
      parked.abort();
    }
  });

  it('returns the same server for the same runtime, and closes it at shutdown', async () => {
    expect(await serveConsole(runtime.handle)).toBe(server);
    const connection = await raw(server.addr);
    await connection.next();
    await runtime.shutdown();
    await connection.closed;
    await expect(ConsoleClient.connect(server.addr, { timeout: 1000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('survives garbage, unknown ops and clients that vanish', async () => {
    const connection = await raw(server.addr);
    expect(JSON.parse(await connection.next())).toMatchObject({ protocol: 'rt-console', version: 1 });
    connection.socket.write('not json\n[1,2]\n{"op":"format c:"}\n\n{"op":"hello"}\n');
    expect(JSON.parse(await connection.next())).toEqual({ ok: false, error: 'request is not JSON' });
    expect(JSON.parse(await connection.next())).toEqual({ ok: false, error: 'request must be a JSON object' });
    expect(JSON.parse(await connection.next())).toEqual({ ok: false, error: 'unknown op "format c:"' });
    expect(JSON.parse(await connection.next())).toMatchObject({ ok: true, hello: { runtime: 'served' } });
    // A client that sends half a request and disconnects, and one that resets.
    const quitter = await raw(server.addr);
    quitter.socket.end('{"op":"snap');
    await quitter.closed;
    const resetter = await raw(server.addr);
    resetter.socket.resetAndDestroy();
    // A line past the limit closes that connection (after saying why); others are unaffected.
    const flooder = await raw(server.addr);
    await flooder.next();
    flooder.socket.write('x'.repeat(MAX_LINE + 10));
    expect(JSON.parse(await flooder.next())).toEqual({ ok: false, error: `request line longer than ${MAX_LINE} bytes` });
    await flooder.closed;
    connection.socket.write('{"op":"snapshot"}\n');
    expect(JSON.parse(await connection.next())).toMatchObject({ ok: true, snapshot: { runtime: 'served' } });
    connection.socket.destroy();
  });

  it('a snapshot JSON cannot encode gets an error reply, and later replies on the connection still arrive', async () => {
    // An extension whose metrics hold a BigInt: JSON.stringify of the snapshot throws.
    let big = true;
    const extension = { shutdown: () => {}, metrics: () => (big ? { bytes: 10n as unknown as number } : { bytes: 10 }) };
    runtime.handle.extension(Symbol('test bigint metrics'), () => extension);
    const connection = await raw(server.addr);
    try {
      await connection.next();
      connection.socket.write('{"op":"snapshot"}\n{"op":"hello"}\n');
      const failed = JSON.parse(await connection.next()) as { ok: boolean; error: string };
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/^reply could not be encoded as JSON: .*BigInt/);
      expect(JSON.parse(await connection.next())).toMatchObject({ ok: true, hello: { runtime: 'served' } });
      big = false;
      connection.socket.write('{"op":"snapshot"}\n');
      expect(JSON.parse(await connection.next())).toMatchObject({ ok: true, snapshot: { metrics: { drivers: { 'test bigint metrics': { bytes: 10 } } } } });
    } finally {
      connection.socket.destroy();
    }
  });

  it('refuses a non-loopback address unless allowed, and bad addresses', async () => {
    const other = Builder.currentThread().build();
    try {
      await expect(serveConsole({} as never)).rejects.toThrow('serveConsole: expected a Handle or a MultiThreadRuntime');
      await expect(serveConsole(other.handle, { addr: '0.0.0.0:0' })).rejects.toThrow(/not a loopback address/);
      await expect(serveConsole(other.handle, { addr: 'nonsense' })).rejects.toThrow(TypeError);
      await expect(serveConsole(other.handle, { addr: '127.0.0.1:70000' })).rejects.toThrow(/port 0-65535/);
      await expect(serveConsole({} as Handle)).rejects.toThrow(/expected a Handle/);
      const port = Number(server.addr.split(':')[1]);
      await expect(serveConsole(other.handle, { addr: `127.0.0.1:${port}` })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await other.shutdown();
    }
  });
});

describe('ConsoleClient', () => {
  it('rejects a peer that is not an rt-console server, and a refused connect', async () => {
    const { createServer } = await import('node:net');
    const impostor = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const { port } = impostor.address() as { port: number };
    try {
      await expect(ConsoleClient.connect(`127.0.0.1:${port}`)).rejects.toThrow(/not an rt-console server/);
    } finally {
      impostor.close();
    }
    await expect(ConsoleClient.connect(`127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/);
    expect(() => ConsoleClient.connect('no-port')).toThrow(TypeError);
  });

  it('an aborted snapshot rejects and closes the connection; the server keeps serving', async () => {
    const runtime = Builder.currentThread().instrument().build();
    const server = await serveConsole(runtime.handle, { addr: '127.0.0.1:0' });
    try {
      const client = await ConsoleClient.connect(server.addr);
      const controller = new AbortController();
      const pending = client.snapshot({ signal: controller.signal });
      const second = client.snapshot();
      controller.abort();
      await expect(pending).rejects.toThrow(/aborted/);
      await expect(second).rejects.toThrow(/aborted/);
      await expect(client.snapshot()).rejects.toThrow(/aborted/);
      const again = await ConsoleClient.connect(server.addr);
      expect((await again.snapshot()).runtime).toBe('rt');
      again.close();
      await expect(ConsoleClient.connect(server.addr, { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/);
    } finally {
      await runtime.shutdown();
    }
  });
});

describe('parseRequest', () => {
  it('never throws, and accepts exactly the known ops', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        const request = parseRequest(line);
        if ('op' in request) expect(['snapshot', 'hello']).toContain(request.op);
        else expect(typeof request.error).toBe('string');
      }),
      { numRuns: 500 },
    );
    expect(parseRequest('{"op":"snapshot","extra":1}')).toEqual({ op: 'snapshot' });
  });
});
