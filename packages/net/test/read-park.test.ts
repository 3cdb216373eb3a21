// The parked read of a read loop (native driver: a read that parks reuses the queue node of the
// last served read). These tests abort it at its worst moments and check that no byte is lost,
// that the stream's next read works after each outcome, and that a second read parked beside
// it, or one with its own signal, keeps its own cancellation.
import { Handle, spawn } from '@rt/scheduler';
import { NetError, SocketClosed, type TcpStream } from '@rt/net';
import type { JoinError, JoinHandle } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { netDriver } from '@rt/net';
import { readAll, tcpPair } from './support/drivers.js';

const native = netDriver() === 'native';

/**
 * A read served first, then a read parked in a task: it reuses the served read's node and
 * waiter. (The handle is returned in an object: an async function would await a JoinHandle.)
 */
async function parkAfterServedRead(client: TcpStream, server: TcpStream): Promise<{ parked: JoinHandle<number> }> {
  const first = server.read(new Uint8Array(8));
  await client.writeAll(Uint8Array.of(1));
  expect(await first).toBe(1);
  const parked = spawn(() => server.read(new Uint8Array(8)));
  await settle();
  expect(Handle.current().dump().tasks.find((t) => t.id === parked.id)?.waitingOn).toEqual(['TcpStream.read']);
  return { parked };
}

describe('a parked read loop (native driver)', () => {
  it('runs on the native driver here', () => {
    // The native driver loads on every platform CI runs (Linux); the tests below open native
    // streams, so a failure here explains their failures.
    expect(native).toBe(true);
  });

  it('a read aborted while parked consumes nothing; the next parked read on the stream gets every byte', async () => {
    const [client, server, listener] = await tcpPair('native');
    for (let round = 0; round < 20; round++) {
      const aborted = spawn(() => server.read(new Uint8Array(8)));
      await settle();
      expect(Handle.current().dump().tasks.find((t) => t.id === aborted.id)?.waitingOn).toEqual(['TcpStream.read']);
      aborted.abort();
      const error = await Promise.resolve(aborted).catch((e: unknown) => e);
      expect((error as JoinError).isCancelled()).toBe(true);
      // The next parked read on the stream is woken by the bytes.
      const reader = spawn(() => server.read(new Uint8Array(8)));
      await settle();
      await client.writeAll(Uint8Array.of(round));
      expect(await reader).toBe(1);
    }
    client.close();
    server.close();
    listener.close();
  });

  it('a wake that came first wins over a later abort: the bytes are delivered, the abort is seen at the next await', async () => {
    const [client, server, listener] = await tcpPair('native');
    const buf = new Uint8Array(8);
    let firstRead = -1;
    let secondReached = false;
    const task: JoinHandle<void> = spawn(async () => {
      const read = server.read(buf);
      // Runs right after the wake, before this task resumes: the worst moment for an abort.
      void read.then(() => task.abort());
      firstRead = await read;
      secondReached = true;
      await server.read(buf); // the abort lands here, before anything is read
    });
    await settle();
    await client.writeAll(Uint8Array.of(1, 2, 3));
    const error = await Promise.resolve(task).catch((e: unknown) => e);
    expect((error as JoinError).isCancelled()).toBe(true);
    expect(firstRead).toBe(3);
    expect(secondReached).toBe(true);
    expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
    await client.writeAll(Uint8Array.of(4));
    await client.shutdown();
    expect([...(await readAll(server))]).toEqual([4]);
    client.close();
    server.close();
    listener.close();
  });

  it('two reads parked at once: aborting either loses nothing', async () => {
    const [client, server, listener] = await tcpPair('native');
    for (const abortFirst of [true, false]) {
      const first = spawn(() => server.read(new Uint8Array(8)));
      const second = spawn(() => server.read(new Uint8Array(8)));
      await settle();
      (abortFirst ? first : second).abort();
      const [cancelled, kept] = abortFirst ? [first, second] : [second, first];
      expect(await Promise.resolve(cancelled).then(() => 'read', (e: unknown) => (e as JoinError).isCancelled())).toBe(true);
      await client.writeAll(Uint8Array.of(7, 8));
      expect(await kept).toBe(2);
    }
    // A read with its own signal, aborted while the loop's read is parked ahead of it.
    const controller = new AbortController();
    const loopRead = spawn(() => server.read(new Uint8Array(8)));
    const signalled = spawn(() => server.read(new Uint8Array(8), { signal: controller.signal }));
    await settle();
    controller.abort();
    expect(await Promise.resolve(signalled).then(() => 'read', (e: unknown) => (e as JoinError).isCancelled())).toBe(true);
    await client.writeAll(Uint8Array.of(9));
    expect(await loopRead).toBe(1);
    client.close();
    server.close();
    listener.close();
  });

  it('a stream closed while its read loop is parked: the read rejects with SocketClosed, as does every later read', async () => {
    const [client, server, listener] = await tcpPair('native');
    const { parked } = await parkAfterServedRead(client, server);
    server.close();
    expect(await Promise.resolve(parked).catch((e: unknown) => (e as JoinError).cause)).toBeInstanceOf(SocketClosed);
    await expect(server.read(new Uint8Array(8))).rejects.toBeInstanceOf(SocketClosed);
    client.close();
    listener.close();
  });

  it('a read loop parked when the peer resets: the read rejects with a typed ECONNRESET, and the task is not left parked', async () => {
    const [client, server, listener] = await tcpPair('native');
    const { parked } = await parkAfterServedRead(client, server);
    client.setLinger(0);
    client.close();
    const failure = await Promise.resolve(parked).catch((e: unknown) => (e as JoinError).cause);
    expect(failure).toBeInstanceOf(NetError);
    expect((failure as NetError).code).toBe('ECONNRESET');
    expect(Handle.current().dump().tasks.find((t) => t.id === parked.id)).toBeUndefined();
    server.close();
    listener.close();
  });

  it('loop reads (no options, or options without a signal) and reads with a signal taking turns on the one reused node: each gets its own bytes, each abort only its own read', async () => {
    const [client, server, listener] = await tcpPair('native');
    for (let round = 0; round < 10; round++) {
      const controller = new AbortController();
      const withSignal = round % 2 === 1;
      const reader = spawn(() => server.read(new Uint8Array(8), withSignal ? { signal: controller.signal } : round % 4 === 0 ? undefined : {}));
      await settle();
      if (round % 3 === 2) {
        if (withSignal) controller.abort();
        else reader.abort();
        expect(await Promise.resolve(reader).then(() => 'read', (e: unknown) => (e as JoinError).isCancelled())).toBe(true);
        continue;
      }
      await client.writeAll(Uint8Array.of(round, round));
      expect(await reader).toBe(2);
      controller.abort(); // after the wake: changes nothing
    }
    await client.writeAll(Uint8Array.of(99));
    await client.shutdown();
    expect([...(await readAll(server))]).toEqual([99]);
    client.close();
    server.close();
    listener.close();
  });

  it('random aborts over a stream of bytes: what the readers got is exactly what was sent, in order', async () => {
    const [client, server, listener] = await tcpPair('native');
    const received: number[] = [];
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sent: number[] = [];
    for (let i = 0; i < 200; i++) {
      const reader = spawn(async () => {
        const buf = new Uint8Array(4);
        const n = await server.read(buf);
        received.push(...buf.subarray(0, n));
      });
      if (random() < 0.3) await settle();
      if (random() < 0.5) {
        reader.abort();
        await Promise.resolve(reader).catch(() => undefined);
      }
      const byte = i & 255;
      sent.push(byte);
      await client.writeAll(Uint8Array.of(byte));
      await Promise.resolve(reader).catch(() => undefined);
    }
    await client.shutdown();
    received.push(...(await readAll(server)));
    expect(received).toEqual(sent);
    client.close();
    server.close();
    listener.close();
  });
});
