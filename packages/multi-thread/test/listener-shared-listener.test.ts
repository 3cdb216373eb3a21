// SharedListener across the workers of a multi-thread runtime: both modes serve every
// connection from more than one worker; hand-offs leak no fd; a worker that dies holding
// handed-off connections has them closed. The workers run the BUILT dist (rebuild first:
// `npx tsc -b packages/multi-thread`); the clients are plain Node sockets on the main thread.
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import { Builder } from '@rt/multi-thread';
import type { MultiThreadRuntime } from '@rt/multi-thread';

const entry = pathToFileURL(join(__dirname, 'fixtures', 'listener-echo.mjs'));
let channels = 0;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

interface Announce {
  readonly index: number;
  readonly port: number;
  readonly mode: string;
}

interface Server {
  readonly runtime: MultiThreadRuntime;
  readonly port: number;
  readonly announced: readonly Announce[];
  /** Workers whose accept loop ended (their share closed). */
  readonly closed: readonly number[];
  readonly run: Promise<unknown[]>;
  send(message: string): void;
  close(): void;
}

const errors: Error[] = [];
let runtimes: MultiThreadRuntime[] = [];

afterEach(async () => {
  for (const runtime of runtimes) await runtime.shutdown({ timeout: 2000 });
  runtimes = [];
});

function build(workers: number, crash: 'shutdown' | 'replace' = 'shutdown'): MultiThreadRuntime {
  const runtime = Builder.multiThread()
    .workerThreads(workers)
    .name('listener-test')
    .onWorkerCrash(crash)
    .onError((error) => errors.push(error))
    .build();
  runtimes.push(runtime);
  return runtime;
}

async function start(runtime: MultiThreadRuntime, options: Record<string, unknown>): Promise<Server> {
  const name = `rt-listener-test-${process.pid}-${++channels}`;
  const channel = new BroadcastChannel(name);
  const workers = runtime.metrics().workerThreads;
  const announced: Announce[] = [];
  const closed: number[] = [];
  const all = new Promise<void>((resolve) => {
    channel.onmessage = (event) => {
      const data = (event as { data: Announce | { index: number; closed: true } }).data;
      if ('closed' in data) closed.push(data.index);
      else announced.push(data);
      if (announced.length >= workers) resolve();
    };
  });
  const run = runtime.run(entry, 'serve', [{ channel: name, ...options }]);
  run.catch(() => {});
  await Promise.race([all, run]);
  expect(announced.length).toBeGreaterThanOrEqual(workers);
  const port = announced[0]!.port;
  return {
    runtime,
    port,
    announced,
    closed,
    run,
    send: (message) => channel.postMessage(message),
    close: () => channel.close(),
  };
}

/** Opens a connection and reads the worker index the server writes first. */
function open(port: number): Promise<{ socket: Socket; worker: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('data', (chunk: Buffer) => {
      socket.off('error', reject);
      socket.pause();
      if (chunk.length !== 1) reject(new Error(`expected the worker index alone, got ${chunk.length} bytes`));
      else resolve({ socket, worker: chunk[0]! });
    });
  });
}

/** Writes `text`, reads it back, ends the connection. */
function echo(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString());
    });
    socket.resume();
    socket.end(text);
  });
}

/** Resolves when the peer closes (EOF or reset): true if it did. */
function closedByPeer(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.readableEnded) {
      resolve(true);
      return;
    }
    socket.on('error', () => {});
    socket.once('close', () => resolve(true));
    socket.resume();
  });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function serveMany(server: Server, connections: number): Promise<number[]> {
  const opened = await Promise.all(Array.from({ length: connections }, () => open(server.port)));
  const replies = await Promise.all(opened.map(({ socket }, i) => echo(socket, `hello ${i}`)));
  replies.forEach((reply, i) => expect(reply).toBe(`hello ${i}`));
  const split = new Array<number>(server.announced.length).fill(0);
  for (const { worker } of opened) split[worker]!++;
  return split;
}

describe.each(['reusePort', 'handoff'] as const)('SharedListener (%s)', (mode) => {
  it('serves 200 connections from both workers, on one port', async () => {
    const runtime = build(2);
    const server = await start(runtime, { mode });
    expect(new Set(server.announced.map((a) => a.port)).size).toBe(1);
    expect(server.announced.every((a) => a.mode === mode)).toBe(true);
    const split = await serveMany(server, 200);
    // The split is part of what the test reports (see the README's figures).
    process.stdout.write(`SharedListener ${mode}: 200 connections split ${split.join(' / ')}\n`);
    expect(split[0]! + split[1]!).toBe(200);
    expect(split[0]).toBeGreaterThan(0);
    expect(split[1]).toBeGreaterThan(0);
    if (mode === 'handoff') {
      // Least-loaded with every connection held open at once: within one of even.
      expect(Math.abs(split[0]! - split[1]!)).toBeLessThanOrEqual(2);
    }
    await waitFor(() => runtime.metrics().workers.every((w) => (w as unknown as { connectionsActive: number }).connectionsActive === 0), 'connections to close');
    const metrics = runtime.metrics() as unknown as { handoffs: number; workers: { connectionsAccepted: number }[] };
    expect(metrics.workers.map((w) => w.connectionsAccepted)).toEqual(split);
    expect(metrics.handoffs).toBe(mode === 'handoff' ? 200 : 0);
    server.send('stop');
    const results = (await server.run) as { index: number; served: number }[];
    expect(results.map((r) => r.served)).toEqual(split);
    server.close();
  }, 30_000);
});

describe('SharedListener outside a multi-thread runtime', () => {
  it('is a plain TcpListener on the address', async () => {
    const { SharedListener } = await import('@rt/multi-thread');
    await using listener = await SharedListener.bind('127.0.0.1:0', { mode: 'handoff' });
    expect(listener.mode).toBe('handoff');
    const accepting = listener.accept();
    const socket = connect({ host: '127.0.0.1', port: listener.localAddr().port });
    const stream = await accepting;
    await stream.writeAll(new TextEncoder().encode('x'));
    const got = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(got).toBe('x');
    stream.close();
    socket.destroy();
    listener.close();
    await expect(listener.accept()).rejects.toMatchObject({ code: 'ERR_RT_SOCKET_CLOSED' });
    expect(() => listener.localAddr()).toThrow(/closed/);
  });

  it('rejects a bad mode, backlog or ipv6Only with a message naming the value', async () => {
    const { SharedListener } = await import('@rt/multi-thread');
    await expect(SharedListener.bind('127.0.0.1:0', { mode: 'fork' as 'handoff' })).rejects.toThrow(/mode must be 'reusePort' or 'handoff', got "fork"/);
    await expect(SharedListener.bind('127.0.0.1:0', { backlog: 0 })).rejects.toThrow(RangeError);
    await expect(SharedListener.bind('127.0.0.1:0', { ipv6Only: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
  });
});

describe('SharedListener in workers', () => {
  it.each(['reusePort', 'handoff'] as const)('loses no connection to an aborted accept (%s)', async (mode) => {
    const runtime = build(2);
    const server = await start(runtime, { mode, cancelFirst: true });
    const split = await serveMany(server, 40);
    expect(split[0]! + split[1]!).toBe(40);
    server.send('stop');
    await server.run;
    server.close();
  }, 30_000);

  it.each(['handoff', 'reusePort'] as const)('serves from the replacement of a crashed worker (%s)', async (mode) => {
    const runtime = build(2, 'replace');
    const server = await start(runtime, { mode, hold: true, crashWorker: 0 });
    const held = await Promise.all(Array.from({ length: 10 }, () => open(server.port)));
    server.send('crash');
    await waitFor(() => server.announced.length === 3, 'the replacement to bind');
    expect(server.announced[2]!.index).toBe(0);
    expect(server.announced[2]!.port).toBe(server.port);
    const onZero = held.filter((o) => o.worker === 0);
    expect(await Promise.all(onZero.map((o) => closedByPeer(o.socket)))).toEqual(onZero.map(() => true));
    // Every new connection is served: the dead worker's SO_REUSEPORT socket (reusePort) was
    // closed by the supervisor, so none waits in an orphaned backlog.
    const fresh = await Promise.all(Array.from({ length: 40 }, () => open(server.port)));
    const split = [0, 0];
    for (const { worker } of fresh) split[worker]!++;
    expect(split[0]).toBeGreaterThan(0);
    expect(split[1]).toBeGreaterThan(0);
    expect(runtime.metrics().workers[0]!.restarts).toBe(1);
    for (const o of [...held, ...fresh]) o.socket.destroy();
    server.send('stop');
    await server.run;
    server.close();
  }, 30_000);
});

describe('SharedListener handoff', () => {
  it('stops handing connections to a worker that closed its share', async () => {
    const runtime = build(2);
    const server = await start(runtime, { mode: 'handoff' });
    server.send('close:0');
    await waitFor(() => server.closed.includes(0), "worker 0's accept loop to end");
    // Hand-offs that reach worker 0 after it closed its share (its unsubscribe may still be
    // on the way) are bounced to worker 1.
    const split = await serveMany(server, 30);
    expect(split).toEqual([0, 30]);
    server.send('stop');
    const results = (await server.run) as { served: number }[];
    expect(results.map((r) => r.served)).toEqual([0, 30]);
    server.close();
  }, 30_000);

  it('gives the hand-offs queued at a worker that closes its share to another worker', async () => {
    const runtime = build(2);
    const server = await start(runtime, { mode: 'handoff', noAccept: 0 });
    const totals = (): { handoffs: number; handoffsBounced: number } => runtime.metrics() as unknown as { handoffs: number; handoffsBounced: number };
    const opening = Array.from({ length: 20 }, () => open(server.port));
    // Least-loaded: worker 0 never takes its hand-offs, so about half queue up there.
    await waitFor(() => totals().handoffs === 20, 'the hand-offs');
    server.send('close:0');
    const opened = await Promise.all(opening);
    expect(opened.every((o) => o.worker === 1)).toBe(true);
    expect(totals().handoffsBounced).toBeGreaterThan(0);
    for (const o of opened) o.socket.destroy();
    server.send('stop');
    await server.run;
    server.close();
  }, 30_000);

  it('leaks no fd over rounds of hand-offs under load', async () => {
    const runtime = build(2);
    const server = await start(runtime, { mode: 'handoff' });
    const active = (): number =>
      runtime.metrics().workers.reduce((sum, w) => sum + (w as unknown as { connectionsActive: number }).connectionsActive, 0);
    await serveMany(server, 50);
    await waitFor(() => active() === 0, 'the warm-up connections to close');
    const before = openFds();
    for (let round = 0; round < 4; round++) await serveMany(server, 100);
    await waitFor(() => active() === 0, 'connections to close');
    await waitFor(() => openFds() === before, `the fd count to return to ${before} (now ${openFds()})`);
    expect(openFds()).toBe(before);
    server.send('stop');
    await server.run;
    server.close();
  }, 30_000);

  it('closes hand-offs that a worker never accepted when it stops', async () => {
    const runtime = build(2);
    const server = await start(runtime, { mode: 'handoff', noAccept: true });
    const sockets = await Promise.all(
      Array.from({ length: 20 }, () => new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port }, () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    await waitFor(() => (runtime.metrics() as unknown as { handoffs: number }).handoffs === 20, 'the hand-offs');
    server.send('stop');
    await server.run;
    await runtime.shutdown({ timeout: 2000 });
    expect(await Promise.all(sockets.map(closedByPeer))).toEqual(new Array<boolean>(20).fill(true));
    server.close();
  }, 30_000);

  it('closes the connections of a worker that crashes while holding them', async () => {
    const runtime = build(2);
    const before = openFds();
    const server = await start(runtime, { mode: 'handoff', hold: true, crashWorker: 0 });
    const opened = await Promise.all(Array.from({ length: 40 }, () => open(server.port)));
    const onZero = opened.filter((o) => o.worker === 0);
    expect(onZero.length).toBeGreaterThan(0);
    server.send('crash');
    await expect(server.run).rejects.toMatchObject({ name: 'WorkerCrashed' });
    // Worker 0's connections were closed by the supervisor (it never closed them itself).
    expect(await Promise.all(onZero.map((o) => closedByPeer(o.socket)))).toEqual(onZero.map(() => true));
    const metrics = runtime.metrics() as unknown as { handoffsReclaimed: number };
    expect(metrics.handoffsReclaimed).toBeGreaterThanOrEqual(onZero.length);
    await runtime.shutdown({ timeout: 2000 });
    for (const o of opened) o.socket.destroy();
    await waitFor(() => openFds() <= before, `the fd count to return to ${before} (now ${openFds()})`);
    expect(errors.some((e) => /crashes on purpose/.test(String((e as { cause?: Error }).cause?.message ?? e.message)))).toBe(true);
    server.close();
  }, 30_000);
});
