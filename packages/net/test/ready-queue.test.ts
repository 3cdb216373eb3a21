// The native driver serves the streams of one readiness batch one at a time (a "baton" passed
// when a native stream operation parks or a stream closes, with a setImmediate fallback for a
// woken task that parks elsewhere). These tests drive it through the public API only, on real
// loopback sockets: whatever the woken tasks do, every stream of a batch is served, nothing
// stalls, no byte is lost and no fd leaks.
import { Cancelled, JoinError, spawn } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { Notify } from '@rt/sync';
import { sleep } from '@rt/time';
import { TcpListener, TcpStream, netDriver } from '@rt/net';
import { eventually, openFds } from './support/drivers.js';

const native = netDriver() === 'native';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString();

/** Every stream a test opened: closed after each test even when it fails (so nothing hangs). */
const opened: TcpStream[] = [];

/** `count` connected pairs on one listener, each as [client, server]. */
async function pairs(listener: TcpListener, count: number): Promise<[TcpStream, TcpStream][]> {
  const clients = await Promise.all(Array.from({ length: count }, () => TcpStream.connect(listener.localAddr(), { driver: 'native' })));
  const byPort = new Map(clients.map((client) => [client.localAddr().port, client]));
  const result: [TcpStream, TcpStream][] = [];
  for (let i = 0; i < count; i++) {
    const server = await listener.accept();
    const client = byPort.get(server.peerAddr().port);
    if (client === undefined) throw new Error(`no client for port ${server.peerAddr().port}`);
    opened.push(client, server);
    client.setNoDelay(true);
    server.setNoDelay(true);
    result.push([client, server]);
  }
  return result;
}

/** Reads exactly `length` bytes (fails on an early end of stream). */
async function readExactly(stream: TcpStream, length: number): Promise<string> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await stream.read(buf.subarray(got));
    if (n === 0) throw new Error(`end of stream after ${got} of ${length} bytes`);
    got += n;
  }
  return decode(buf);
}

/** Sends `rounds` numbered messages and checks each echo. */
async function echoRounds(client: TcpStream, id: number, rounds: number): Promise<void> {
  for (let m = 0; m < rounds; m++) {
    const message = `${id}:${m};`;
    await client.writeAll(text(message));
    expect(await readExactly(client, message.length)).toBe(message);
  }
}

/** Echoes until end of stream, awaiting `between()` (not a stream operation) after each read. */
async function echoServer(server: TcpStream, between: () => PromiseLike<unknown>): Promise<void> {
  const buf = new Uint8Array(256);
  for (;;) {
    const n = await server.read(buf);
    if (n === 0) break;
    await between();
    await server.writeAll(buf.subarray(0, n));
  }
  await server.shutdown();
}

(native ? describe : describe.skip)('native ready queue (TcpStream, native driver)', () => {
  // Lazily created fds (the reactor's epoll instance, the resolver) exist before any count.
  beforeAll(async () => {
    const listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const [[client, server]] = (await pairs(listener, 1)) as [[TcpStream, TcpStream]];
    client.close();
    server.close();
    listener.close();
    await settle();
  });

  afterEach(() => {
    for (const stream of opened.splice(0)) stream.close(); // idempotent; wakes anything parked
  });

  it('serves every stream when the woken tasks park on timers and channels, not on a stream op (32 connections × 20 echoes)', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const connections = await pairs(listener, 32);
    const waits: (() => PromiseLike<unknown>)[] = [
      () => sleep(0), // a timer: resolves in a later event-loop turn
      () => {
        const notify = new Notify();
        notify.notifyOne(); // a stored permit: a channel wait that is ready at once
        return notify.notified();
      },
      () => sleep(1),
      () => new Promise((resolve) => setImmediate(resolve)),
    ];
    const servers = connections.map(([, server], i) => spawn(() => echoServer(server, waits[i % waits.length]!)));
    await Promise.all(connections.map(([client], i) => echoRounds(client, i, 20)));
    for (const [client] of connections) await client.shutdown();
    await Promise.all(servers);
    for (const [client] of connections) expect(await client.read(new Uint8Array(1))).toBe(0);
    for (const [client, server] of connections) {
      client.close();
      server.close();
    }
  }, 30_000);

  it('serves the other streams while a woken task never touches its stream again (16 echoing, 4 stuck)', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const stuck = await pairs(listener, 4);
    const echoing = await pairs(listener, 16);
    const controller = new AbortController();
    const notify = new Notify(); // never notified: the stuck tasks wait until aborted
    const firstReads: string[] = [];
    const stuckTasks = stuck.map(([, server]) =>
      spawn(async () => {
        const buf = new Uint8Array(64);
        const n = await server.read(buf);
        firstReads.push(decode(buf.subarray(0, n)));
        await notify.notified({ signal: controller.signal }); // neither parks on the stream nor closes it
      }),
    );
    const servers = echoing.map(([, server]) => spawn(() => echoServer(server, () => Promise.resolve())));
    await settle();
    // One turn: the stuck streams' bytes and the first echo requests land in the same batch.
    for (const [client] of stuck) expect(client.tryWrite(text('once'))).toBe(4);
    await Promise.all(echoing.map(([client], i) => echoRounds(client, i, 50)));
    await eventually(() => firstReads.length === stuck.length);
    expect(firstReads).toEqual(['once', 'once', 'once', 'once']);
    controller.abort();
    for (const task of stuckTasks) {
      const error = await Promise.resolve(task).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(JoinError);
      expect((error as JoinError).isCancelled()).toBe(true); // the Cancelled of its aborted wait escaped
    }
    // The stuck streams still work: the next read gets the next bytes.
    for (const [client, server] of stuck) {
      await client.writeAll(text('later'));
      expect(await readExactly(server, 5)).toBe('later');
    }
    for (const [client] of echoing) await client.shutdown();
    await Promise.all(servers);
    for (const [client, server] of [...stuck, ...echoing]) {
      client.close();
      server.close();
    }
  }, 30_000);

  it('serves the rest of a batch when some woken tasks close their stream right after the read, without leaking an fd', async () => {
    const before = openFds();
    {
      await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
      const connections = await pairs(listener, 48);
      const closes = (i: number): boolean => i % 3 === 0;
      const servers = connections.map(([, server], i) =>
        spawn(async () => {
          if (closes(i)) {
            await server.read(new Uint8Array(64));
            server.close(); // the turn passes on at close
            return;
          }
          await echoServer(server, () => Promise.resolve());
          server.close();
        }),
      );
      await settle();
      for (let round = 0; round < 5; round++) {
        // Every client sends in the same turn: one readiness batch on the server side.
        const messages = connections.map((_, i) => `${i}:${round};`);
        connections.forEach(([client], i) => {
          if (round === 0 || !closes(i)) expect(client.tryWrite(text(messages[i]!))).toBe(messages[i]!.length);
        });
        await Promise.all(
          connections.map(async ([client], i) => {
            if (!closes(i)) expect(await readExactly(client, messages[i]!.length)).toBe(messages[i]);
            else if (round === 0) expect(await client.read(new Uint8Array(16))).toBe(0); // closed by its server
          }),
        );
      }
      for (const [client] of connections) await client.shutdown();
      await Promise.all(servers);
      for (const [client] of connections) client.close();
    }
    await eventually(() => openFds() <= before);
    expect(openFds()).toBeLessThanOrEqual(before);
  }, 30_000);

  it('loses no byte when a parked read is aborted while its stream waits in the ready queue', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const connections = await pairs(listener, 8);
    for (let round = 0; round < 5; round++) {
      const controllers = connections.map(() => new AbortController());
      const buffers = connections.map(() => new Uint8Array(64));
      const results: (number | 'cancelled' | null)[] = connections.map(() => null);
      // Whichever read the queue serves first aborts every other read of the batch: those
      // streams are still queued (the first woken read holds the turn until it parks).
      const reads = connections.map(([, server], i) =>
        server.read(buffers[i]!, { signal: controllers[i]!.signal }).then(
          (n) => {
            results[i] = n;
            controllers.forEach((controller, j) => {
              if (j !== i) controller.abort();
            });
          },
          (error: unknown) => {
            expect(error).toBeInstanceOf(Cancelled);
            results[i] = 'cancelled';
          },
        ),
      );
      await settle();
      const messages = connections.map((_, i) => `r${round}c${i}`);
      connections.forEach(([client], i) => expect(client.tryWrite(text(messages[i]!))).toBe(messages[i]!.length));
      await Promise.all(reads);
      const served = results.filter((result) => typeof result === 'number');
      expect(served).toHaveLength(1);
      expect(results.filter((result) => result === 'cancelled')).toHaveLength(connections.length - 1);
      for (let i = 0; i < connections.length; i++) {
        const server = connections[i]![1];
        const result = results[i]!;
        const first = typeof result === 'number' ? decode(buffers[i]!.subarray(0, result)) : '';
        const rest = first.length < messages[i]!.length ? await readExactly(server, messages[i]!.length - first.length) : '';
        expect(first + rest).toBe(messages[i]);
      }
    }
    for (const [client, server] of connections) {
      client.close();
      server.close();
    }
  }, 30_000);

  it('loses no byte when the task of a queued parked read is aborted', async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
    const connections = await pairs(listener, 8);
    const tasks = connections.map(([, server]) => spawn(() => server.read(new Uint8Array(64))));
    let firstServed = -1;
    tasks.forEach((task, i) => {
      void Promise.resolve(task).then(
        () => {
          if (firstServed !== -1) return;
          firstServed = i;
          tasks.forEach((other, j) => {
            if (j !== i) other.abort();
          });
        },
        () => undefined,
      );
    });
    await settle();
    connections.forEach(([client], i) => expect(client.tryWrite(text(`task${i}`))).toBe(`task${i}`.length));
    const outcomes = await Promise.all(tasks.map((task) => Promise.resolve(task).then((n) => n, (error: unknown) => error)));
    expect(firstServed).not.toBe(-1);
    for (let i = 0; i < connections.length; i++) {
      const server = connections[i]![1];
      const outcome = outcomes[i];
      if (i === firstServed) {
        expect(outcome).toBe(`task${i}`.length);
        continue;
      }
      if (outcome instanceof JoinError) {
        expect(outcome.isCancelled()).toBe(true);
        expect(await readExactly(server, `task${i}`.length)).toBe(`task${i}`);
      } else {
        // Served before the abort reached it: its bytes were read by the task.
        expect(outcome).toBe(`task${i}`.length);
      }
    }
    for (const [client, server] of connections) {
      client.close();
      server.close();
    }
  }, 30_000);
});
