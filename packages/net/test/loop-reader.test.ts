// Pass ec31 (issue 16, TCP echo): a native stream's plain reads park on one node kept for the
// stream (the loop reader, with its own reusable waiter), and a second plain read parked beside it
// parks with `park`; a wait armed after the runtime shut down fails its operations through
// `armWait`'s ClosedError path. These pin what the two paths must keep: FIFO order, each abort
// only its own read, no byte lost, the loop reader reused after every outcome, and typed
// rejections (never a synchronous throw) once the I/O driver is closed.
import { Builder, Handle, spawn } from '@rt/scheduler';
import type { JoinError, JoinHandle } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { SocketClosed, TcpListener, TcpStream, netDriver } from '@rt/net';
import { readAll, tcpPair } from './support/drivers.js';

const native = netDriver() === 'native';
const describeNative = native ? describe : describe.skip;

const cancelledOrRead = (handle: JoinHandle<number>): Promise<number | 'cancelled'> =>
  Promise.resolve(handle).then(
    (n) => n,
    (e: unknown) => ((e as JoinError).isCancelled() ? 'cancelled' : Promise.reject(e)),
  );

describeNative('the loop reader and its neighbours (native driver)', () => {
  let open: { close(): void }[] = [];
  afterEach(() => {
    for (const s of open) s.close();
    open = [];
  });

  it('three plain reads parked at once are served in order, one write each, and the stream reads on afterwards', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    for (let round = 0; round < 3; round++) {
      const bufs = [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)];
      const readers = bufs.map((buf) => spawn(() => server.read(buf)));
      await settle();
      expect(readers.map((r) => Handle.current().dump().tasks.find((t) => t.id === r.id)?.waitingOn)).toEqual([['TcpStream.read'], ['TcpStream.read'], ['TcpStream.read']]);
      // One byte per read (each buffer holds one): the first parked gets the first byte.
      await client.writeAll(Uint8Array.of(10 * round + 1, 10 * round + 2, 10 * round + 3));
      expect(await Promise.all(readers)).toEqual([1, 1, 1]);
      expect(bufs.map((b) => b[0])).toEqual([10 * round + 1, 10 * round + 2, 10 * round + 3]);
    }
    // A read loop on the same stream after them.
    const echoed: number[] = [];
    const loop = spawn(async () => {
      const buf = new Uint8Array(8);
      for (;;) {
        const n = await server.read(buf);
        if (n === 0) return;
        echoed.push(...buf.subarray(0, n));
      }
    });
    for (let i = 0; i < 20; i++) {
      await settle();
      await client.writeAll(Uint8Array.of(i));
    }
    await client.shutdown();
    await loop;
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('the loop read aborted while a second plain read waits behind it: the second gets the bytes, and the next read after both reuses the loop reader', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    for (let round = 0; round < 5; round++) {
      const first = spawn(() => server.read(new Uint8Array(8)));
      const second = spawn(() => server.read(new Uint8Array(8)));
      await settle();
      first.abort();
      expect(await cancelledOrRead(first)).toBe('cancelled');
      await client.writeAll(Uint8Array.of(round, round));
      expect(await second).toBe(2);
      // Now only one plain read parks: the loop reader, free again after its abort.
      const third = spawn(() => server.read(new Uint8Array(8)));
      await settle();
      await client.writeAll(Uint8Array.of(round));
      expect(await third).toBe(1);
    }
    // The second of two parked plain reads aborted instead: the first keeps its place.
    const first = spawn(() => server.read(new Uint8Array(8)));
    const second = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    second.abort();
    expect(await cancelledOrRead(second)).toBe('cancelled');
    await client.writeAll(Uint8Array.of(7, 8, 9));
    expect(await first).toBe(3);
    await client.writeAll(Uint8Array.of(99));
    await client.shutdown();
    expect([...(await readAll(server))]).toEqual([99]);
  });

  it('once its runtime has shut down (the stream still open): a parked read loop, a new read and a writeAll reject with SocketClosed, never throw', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    const { client, server, listener, parked } = await runtime.run(async () => {
      const l = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
      const c = await TcpStream.connect(l.localAddr(), { driver: 'native' });
      const s = await l.accept();
      // A read served first, so that the parked one is the loop reader's second park.
      const first = s.read(new Uint8Array(8));
      await c.writeAll(Uint8Array.of(1));
      expect(await first).toBe(1);
      return { client: c, server: s, listener: l, parked: track(s.read(new Uint8Array(8))) };
    });
    open = [client, server, listener];
    await settle();
    expect(parked.isPending()).toBe(true);
    await runtime.shutdown();
    await settle();
    expect(parked.error).toBeInstanceOf(SocketClosed);
    // New operations park (nothing is ready: the deregistration cleared the readiness), their
    // wait cannot be armed, and they fail on a later turn.
    let read!: Promise<number>;
    expect(() => (read = server.read(new Uint8Array(8)))).not.toThrow();
    await expect(read).rejects.toThrow(/the runtime shut down: its I\/O driver is closed/);
    await expect(server.read(new Uint8Array(8))).rejects.toBeInstanceOf(SocketClosed);
    await expect(server.writeAll(Uint8Array.of(1))).rejects.toBeInstanceOf(SocketClosed);
  });
});
