// Review rv37 of pass ec31 (issue 16, TCP echo): the loop reader kept with its own waiter, the
// spare slot cleared only by a park-based read, armWait relying on arm()'s own check. These attack
// the loop reader at its worst moments: an abort between the dispatch's choice and the reader's
// resumption (from the wake itself, synchronously), mixed peek/signal/plain readers, close and
// shutdown() racing a parked loop read, a runtime shut down with both kinds parked, a reset peer,
// and a UDP wait armed after its runtime shut down.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, spawn } from '@rt/scheduler';
import type { JoinError, JoinHandle } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { NetError, SocketClosed, TcpListener, TcpStream, UdpSocket, netDriver } from '@rt/net';
import { readAll, tcpPair } from './support/drivers.js';

const native = netDriver() === 'native';
const describeNative = native ? describe : describe.skip;

const outcome = <T>(handle: JoinHandle<T>): Promise<T | 'cancelled'> =>
  Promise.resolve(handle).then(
    (v) => v,
    (e: unknown) => ((e as JoinError).isCancelled() ? 'cancelled' : Promise.reject(e)),
  );

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function heapAfterGc(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** What a task threw (the JoinError's cause). */
const thrown = (handle: JoinHandle<unknown>): Promise<unknown> =>
  Promise.resolve(handle).then(
    () => null,
    (e: unknown) => (e as JoinError).cause,
  );

/** Runs `onWake(id)` synchronously inside every wake (the `rt:task:wake` channel) until disposed. */
function onWake(fn: (id: number) => void): { [Symbol.dispose](): void } {
  const listener = (message: unknown): void => fn((message as { id: number }).id);
  subscribe('rt:task:wake', listener);
  return { [Symbol.dispose]: () => unsubscribe('rt:task:wake', listener) };
}

describeNative('review rv37: the loop reader at its worst moments (native driver)', () => {
  let open: { close(): void }[] = [];
  afterEach(() => {
    for (const s of open) s.close();
    open = [];
  });

  it('a loop read whose task is aborted inside its own wake keeps the bytes it read (wake wins), and the task stops at its next rt await', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    for (let round = 0; round < 3; round++) {
      const buf = new Uint8Array(4);
      let got = -1;
      const reader = spawn(async () => {
        got = await server.read(buf);
        await server.read(new Uint8Array(4)); // the next rt await: Cancelled here
        return 'not stopped';
      });
      await settle();
      {
        using _ = onWake((id) => {
          if (id === reader.id) reader.abort();
        });
        await client.writeAll(Uint8Array.of(round, round + 1));
        expect(await outcome(reader)).toBe('cancelled');
      }
      expect(got).toBe(2);
      expect([...buf.subarray(0, 2)]).toEqual([round, round + 1]);
    }
    // The loop reader is free again: a read loop after the aborts reads on.
    await client.writeAll(Uint8Array.of(42));
    await client.shutdown();
    expect([...(await readAll(server))]).toEqual([42]);
  });

  it('a loop read aborted after the dispatch chose its stream but before it was served (from a read woken ahead of it): no byte lost, the next read gets them', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    for (const firstWithSignal of [true, false]) {
      for (let round = 0; round < 3; round++) {
        const first = new Uint8Array(1);
        const ac = new AbortController();
        // First a one-byte read (park-based with a signal, or the loop reader), then behind it a
        // plain read (the loop reader, or park-based beside it): one write serves both in one turn.
        const a = spawn(() => server.read(first, firstWithSignal ? { signal: ac.signal } : undefined));
        await settle();
        const b = spawn(() => server.read(new Uint8Array(8)));
        await settle();
        {
          using _ = onWake((id) => {
            if (id === a.id) b.abort(); // inside the serve turn, b still queued behind a
          });
          await client.writeAll(Uint8Array.of(1, 2, 3));
          expect(await a).toBe(1);
          expect(await outcome(b)).toBe('cancelled');
        }
        expect(first[0]).toBe(1);
        // The two bytes b would have read wait in the socket for the next read (plain, then signal).
        const rest = new Uint8Array(8);
        const n = await server.read(rest, round % 2 === 0 ? undefined : { signal: ac.signal });
        expect([...rest.subarray(0, n)]).toEqual([2, 3]);
      }
    }
    await client.writeAll(Uint8Array.of(9));
    await client.shutdown();
    expect([...(await readAll(server))]).toEqual([9]);
  });

  it('peek, signal and plain reads parked together on one stream are served in order, aborts by signal and by task each removing only their own', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    for (let round = 0; round < 4; round++) {
      const peekBuf = new Uint8Array(8);
      const plainBuf = new Uint8Array(1);
      const signalBuf = new Uint8Array(1);
      const plain2Buf = new Uint8Array(8);
      const dead = new AbortController();
      const live = new AbortController();
      const peek = spawn(() => server.peek(peekBuf));
      const plain = spawn(() => server.read(plainBuf)); // the loop reader
      const doomedSignal = spawn(() => server.read(new Uint8Array(8), { signal: dead.signal }));
      const doomedPlain = spawn(() => server.read(new Uint8Array(8))); // park-based beside the loop reader
      const signal = spawn(() => server.read(signalBuf, { signal: live.signal }));
      const plain2 = spawn(() => server.read(plain2Buf));
      await settle();
      dead.abort();
      doomedPlain.abort();
      expect(await thrown(doomedSignal)).toBeDefined();
      expect(await outcome(doomedPlain)).toBe('cancelled');
      await client.writeAll(Uint8Array.of(1, 2, 3, 4));
      expect(await peek).toBe(4);
      expect(await plain).toBe(1);
      expect(await signal).toBe(1);
      expect(await plain2).toBe(2);
      expect([...peekBuf.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
      expect([plainBuf[0], signalBuf[0], ...plain2Buf.subarray(0, 2)]).toEqual([1, 2, 3, 4]);
    }
  });

  it("a parked loop read is failed by close() from another task (SocketClosed), and the stream's own shutdown() leaves it parked for the peer's bytes", async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    const parked = spawn(() => server.read(new Uint8Array(8)));
    const beside = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    await server.shutdown(); // our writing side only
    await settle();
    await client.writeAll(Uint8Array.of(5, 6));
    expect(await parked).toBe(2);
    const again = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    const closer = spawn(async () => {
      await Promise.resolve();
      server.close();
    });
    await closer;
    expect(await thrown(beside)).toBeInstanceOf(SocketClosed);
    expect(await thrown(again)).toBeInstanceOf(SocketClosed);
    await expect(server.read(new Uint8Array(8))).rejects.toBeInstanceOf(SocketClosed);
  });

  it('a runtime shut down with a loop read and a park-based read parked on one stream fails both with SocketClosed; the loop reader is free for the next read (which rejects, never throws)', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    const { client, server, listener, loop, beside, peeked } = await runtime.run(async () => {
      const l = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
      const c = await TcpStream.connect(l.localAddr(), { driver: 'native' });
      const s = await l.accept();
      return {
        client: c,
        server: s,
        listener: l,
        loop: track(s.read(new Uint8Array(8))),
        beside: track(s.read(new Uint8Array(8))),
        peeked: track(s.peek(new Uint8Array(8))),
      };
    });
    open = [client, server, listener];
    await settle();
    expect([loop.isPending(), beside.isPending(), peeked.isPending()]).toEqual([true, true, true]);
    await runtime.shutdown();
    await settle();
    expect(loop.error).toBeInstanceOf(SocketClosed);
    expect(beside.error).toBeInstanceOf(SocketClosed);
    expect(peeked.error).toBeInstanceOf(SocketClosed);
    for (let i = 0; i < 3; i++) {
      let read!: Promise<number>;
      expect(() => (read = server.read(new Uint8Array(8)))).not.toThrow();
      await expect(read).rejects.toBeInstanceOf(SocketClosed);
    }
  });

  it('the loop reader failed by a reset peer (ECONNRESET) is reused: the reads after it settle with a typed result, never a "still parked" error', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    // One served read first: the parked one below is the loop reader's second park.
    const first = server.read(new Uint8Array(8));
    await client.writeAll(Uint8Array.of(1));
    expect(await first).toBe(1);
    const parked = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    client.setLinger(0);
    client.close(); // RST
    const error = await thrown(parked);
    expect(error).toBeInstanceOf(NetError);
    expect((error as NetError).code).toBe('ECONNRESET');
    for (let i = 0; i < 3; i++) {
      const next = await server.read(new Uint8Array(8)).then(
        (n) => n,
        (e: unknown) => e,
      );
      // End of stream (0) once the reset was reported, or the reset again: never a bug's Error.
      if (typeof next !== 'number') expect(next).toBeInstanceOf(NetError);
      else expect(next).toBe(0);
    }
  });

  it('UDP: a recv armed after its runtime shut down rejects with SocketClosed (armWait ClosedError path), never throws', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    const { socket, parked } = await runtime.run(async () => {
      const s = await UdpSocket.bind('127.0.0.1:0', { driver: 'native' });
      return { socket: s, parked: track(s.recv(new Uint8Array(8))) };
    });
    try {
      await settle();
      await runtime.shutdown();
      await settle();
      expect(parked.error).toBeInstanceOf(SocketClosed);
      let recv!: Promise<number>;
      expect(() => (recv = socket.recv(new Uint8Array(8)))).not.toThrow();
      await expect(recv).rejects.toBeInstanceOf(SocketClosed);
    } finally {
      socket.close();
    }
  });

  it("an aborted loop read leaves no hold on its buffer (the kept loop reader must not retain the caller's buffer)", async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    let ref!: WeakRef<Uint8Array>;
    const reader = spawn(() => {
      const buf = new Uint8Array(1 << 20);
      ref = new WeakRef(buf);
      return server.read(buf); // parks on the loop reader
    });
    await settle();
    reader.abort();
    expect(await outcome(reader)).toBe('cancelled');
    await heapAfterGc();
    expect(ref.deref()).toBeUndefined();
    // The loop reader serves the next read as before.
    const next = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    await client.writeAll(Uint8Array.of(3));
    expect(await next).toBe(1);
  });

  it("a loop read failed by its runtime's shutdown (the stream kept open) leaves no hold on its buffer", async () => {
    const runtime = Builder.currentThread().enableAll().build();
    const { client, server, listener, parked, ref } = await runtime.run(async () => {
      const l = await TcpListener.bind('127.0.0.1:0', { driver: 'native' });
      const c = await TcpStream.connect(l.localAddr(), { driver: 'native' });
      const s = await l.accept();
      const buf = new Uint8Array(1 << 20);
      return { client: c, server: s, listener: l, parked: track(s.read(buf)), ref: new WeakRef(buf) };
    });
    open = [client, server, listener];
    await settle();
    await runtime.shutdown();
    await settle();
    expect(parked.error).toBeInstanceOf(SocketClosed);
    await heapAfterGc();
    expect(ref.deref()).toBeUndefined();
  });

  it("a plain read made from inside the loop reader's wake (an rt:task:wake subscriber) parks on the freed loop reader: the woken read keeps its bytes, the new one waits for the next", async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    const reader = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    let inner: ReturnType<typeof track<number>> | undefined;
    const innerBuf = new Uint8Array(8);
    {
      using _ = onWake((id) => {
        if (id === reader.id && inner === undefined) inner = track(server.read(innerBuf));
      });
      await client.writeAll(Uint8Array.of(1, 2)); // a short read: the readiness is cleared, the inner read parks
      expect(await reader).toBe(2);
    }
    await settle();
    expect(inner!.isPending()).toBe(true);
    await client.writeAll(Uint8Array.of(3));
    await settle();
    expect(inner!.value).toBe(1);
    expect(innerBuf[0]).toBe(3);
  });

  it('a read with an already-aborted task rejects with Cancelled whether the loop reader is free or parked', async () => {
    const [client, server, listener] = await tcpPair('native');
    open = [client, server, listener];
    const holder = spawn(() => server.read(new Uint8Array(8)));
    await settle();
    const late = spawn(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return server.read(new Uint8Array(8)); // the loop reader is parked (holder): park-based
    });
    late.abort();
    expect(await outcome(late)).toBe('cancelled');
    await client.writeAll(Uint8Array.of(7));
    expect(await holder).toBe(1);
  });
});
