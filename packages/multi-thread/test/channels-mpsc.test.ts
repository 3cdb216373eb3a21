import { Cancelled, isCancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { SendError, SendTimeoutError, TryRecvError, TrySendError } from '@rt/sync';
import { decodeTransferables, encodeTransferables, shared } from '@rt/multi-thread';

// Single-thread behaviour of the cross-thread mpsc (the same cases as @rt/sync's where they
// apply). Wake-ups go through Atomics.waitAsync even within one thread, so a woken
// operation completes a macrotask later: tests await the operation itself, and `settle`
// only to check that something is still pending.

describe('mpsc.channel (cross-thread)', () => {
  it('rejects a capacity below 1 or not an integer with a RangeError', () => {
    expect(() => shared.mpsc.channel(0)).toThrow(RangeError);
    expect(() => shared.mpsc.channel(1.5)).toThrow(/capacity/);
    expect(() => shared.mpsc.channel(Number.NaN)).toThrow(RangeError);
    expect(() => shared.mpsc.channel(1, { maxBytes: 10 })).toThrow(/maxBytes/);
  });

  it('delivers structured-cloned values in send order', async () => {
    const [tx, rx] = shared.mpsc.channel<{ n: number; tags: string[]; when: Date; bytes: Uint8Array }>(4);
    const when = new Date(5);
    for (let i = 0; i < 4; i++) await tx.send({ n: i, tags: ['a', String(i)], when, bytes: new Uint8Array([i]) });
    expect(rx.len).toBe(4);
    for (let i = 0; i < 4; i++) {
      const v = (await rx.recv())!;
      expect(v).toEqual({ n: i, tags: ['a', String(i)], when, bytes: new Uint8Array([i]) });
      expect(v.when).not.toBe(when); // a copy, as postMessage would make
    }
    expect(rx.isEmpty).toBe(true);
  });

  it('applies backpressure when full and completes parked sends in FIFO order', async () => {
    const [tx, rx] = shared.mpsc.channel<string>(1);
    await tx.send('a');
    const b = track(tx.send('b'));
    const c = track(tx.send('c'));
    await settle(3);
    expect(b.isPending()).toBe(true);
    expect(c.isPending()).toBe(true);
    expect(tx.capacity).toBe(0);
    expect(await rx.recv()).toBe('a');
    expect(await rx.recv()).toBe('b');
    expect(await rx.recv()).toBe('c');
    await b.promise;
    await c.promise;
    expect(tx.capacity).toBe(1);
    expect(tx.maxCapacity).toBe(1);
  });

  it('wakes a parked receiver when a value arrives', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(1);
    const r = track(rx.recv());
    await settle(2);
    expect(r.isPending()).toBe(true);
    await tx.send(7);
    expect(await r.promise).toBe(7);
  });

  it('trySend reports Full and Closed with the value back', () => {
    const [tx, rx] = shared.mpsc.channel<number>(1);
    tx.trySend(1);
    let error: unknown;
    try { tx.trySend(2); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(TrySendError);
    expect((error as TrySendError<number>).kind).toBe('Full');
    expect((error as TrySendError<number>).value).toBe(2);
    expect((error as TrySendError<number>).code).toBe('ERR_RT_CHANNEL_FULL');
    rx.close();
    try { tx.trySend(3); } catch (e) { error = e; }
    expect((error as TrySendError<number>).kind).toBe('Closed');
    expect((error as TrySendError<number>).value).toBe(3);
  });

  it('tryRecv reports Empty, then Disconnected once every sender is closed', () => {
    const [tx, rx] = shared.mpsc.channel<number>(2);
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Empty'); }
    tx.trySend(5);
    tx.close();
    expect(rx.tryRecv()).toBe(5);
    let error: unknown;
    try { rx.tryRecv(); } catch (e) { error = e; }
    expect((error as TryRecvError).kind).toBe('Disconnected');
  });

  it('closes for the receiver only when every clone is closed or disposed, after draining', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(4);
    const tx2 = tx.clone();
    {
      using tx3 = tx.clone();
      await tx3.send(3);
    }
    tx.close();
    await tx2.send(2);
    expect(rx.isClosed).toBe(false);
    const end = track(rx.recv().then(() => rx.recv()).then(() => rx.recv()));
    await settle(3);
    expect(end.isPending()).toBe(true);
    tx2.close();
    expect(await end.promise).toBeUndefined();
    expect(rx.isClosed).toBe(true);
  });

  it('ends async iteration when the senders close, with undefined values kept', async () => {
    const [tx, rx] = shared.mpsc.channel<number | undefined>(8);
    void (async () => {
      using sender = tx;
      for (const v of [1, undefined, 3]) await sender.send(v);
    })();
    const got: (number | undefined)[] = [];
    for await (const v of rx) got.push(v);
    expect(got).toEqual([1, undefined, 3]);
  });

  it('closing the receiver fails parked senders with their value and resolves closed()', async () => {
    const [tx, rx] = shared.mpsc.channel<string>(1);
    await tx.send('kept');
    const parked = tx.send('parked');
    const closed = tx.closed();
    rx.close();
    const error = await parked.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<string>).value).toBe('parked');
    await closed;
    expect(tx.isClosed).toBe(true);
    // A value buffered before the close can still be received.
    expect(rx.tryRecv()).toBe('kept');
    await expect(tx.send('late')).rejects.toBeInstanceOf(SendError);
  });

  it('closing the receiver ends its own parked recv', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(1);
    const r = rx.recv();
    rx.close();
    expect(await r).toBeUndefined();
    tx.close();
  });

  it('a sender closed while its send is parked delivers that value before the stream ends', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(1);
    await tx.send(1);
    const parked = tx.send(2);
    tx.close();
    expect(await rx.recv()).toBe(1);
    expect(await rx.recv()).toBe(2);
    await parked;
    expect(await rx.recv()).toBeUndefined();
  });

  it('recvMany takes up to limit values, waits for the first, and returns 0 at the end', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(8);
    const batch: number[] = [];
    const waiting = track(rx.recvMany(batch, 3));
    await settle(2);
    expect(waiting.isPending()).toBe(true);
    for (let i = 0; i < 5; i++) await tx.send(i);
    expect(await waiting.promise).toBeGreaterThanOrEqual(1);
    while (batch.length < 5) await rx.recvMany(batch, 3);
    expect(batch).toEqual([0, 1, 2, 3, 4]);
    tx.close();
    expect(await rx.recvMany(batch, 3)).toBe(0);
    expect(await rx.recvMany(batch, 0)).toBe(0);
    expect(() => rx.recvMany(batch, -1)).toThrow(RangeError);
  });

  it('a WeakSender upgrades while a strong sender lives and does not keep the channel open', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(2);
    const weak = tx.downgrade();
    expect(weak.sameChannel(tx)).toBe(true);
    const strong = weak.upgrade() as shared.mpsc.Sender<number>;
    await strong.send(1);
    strong.close();
    tx.close();
    expect(weak.upgrade()).toBeUndefined();
    expect(await rx.recv()).toBe(1);
    expect(await rx.recv()).toBeUndefined();
  });

  it('a send on a closed handle fails, cloning it throws', async () => {
    const [tx] = shared.mpsc.channel<number>(1);
    tx.close();
    await expect(tx.send(1)).rejects.toBeInstanceOf(SendError);
    expect(() => tx.clone()).toThrow(/closed/);
  });

  it('copies values exactly as structured clone does (plain-data fast path and v8 fallback alike)', async () => {
    const twice = { x: 1 };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = [deep];
    class Point {
      constructor(readonly x: number) {}
    }
    const values: unknown[] = [
      0, -0, NaN, Infinity, 2 ** 31, -(2 ** 31), 1.5, 'ascii', 'café ÿ', 'emoji 😀', 'lone \ud800 surrogate', '',
      'x'.repeat(10_000), true, false, null, undefined, 10n,
      { a: 1, b: ['x', { c: null }], d: undefined, 'key with ✓': 2 },
      [1, , 3], // eslint-disable-line no-sparse-arrays
      { left: twice, right: twice },
      cyclic, deep, new Point(3), new Date(7), new Map([[1, 'a']]), new Set([1]), new Uint8Array([1, 2]), /re/g,
      Object.assign(Object.create(null) as object, { bare: true }),
    ];
    const [tx, rx] = shared.mpsc.unboundedChannel<unknown>();
    for (const v of values) tx.send(v);
    for (const v of values) {
      const got = await rx.recv();
      expect(got).toEqual(structuredClone(v));
      if (typeof v === 'number') expect(Object.is(got, v)).toBe(true);
    }
    // Identity and holes, which toEqual does not check:
    tx.send([1, , 3]); // eslint-disable-line no-sparse-arrays
    tx.send({ left: twice, right: twice });
    tx.send(cyclic);
    const holes = (await rx.recv()) as unknown[];
    expect(1 in holes).toBe(false);
    const both = (await rx.recv()) as { left: object; right: object };
    expect(both.left).toBe(both.right);
    const again = (await rx.recv()) as Record<string, unknown>;
    expect(again.self).toBe(again);
  });

  it('rejects a value that cannot be structured-cloned with a TypeError, sending nothing', async () => {
    const [tx, rx] = shared.mpsc.channel<unknown>(1);
    await expect(tx.send(() => 1)).rejects.toBeInstanceOf(TypeError);
    expect(() => tx.trySend({ f: Symbol('x') })).toThrow(TypeError);
    expect(rx.len).toBe(0);
  });

  it('refuses a channel end, Semaphore or Notify inside a message with a TypeError instead of sending {}', async () => {
    const [tx, rx] = shared.mpsc.channel<unknown>(4);
    const [reply] = shared.oneshot.channel<number>();
    await expect(tx.send({ reply })).rejects.toThrow(/cannot travel inside a message/);
    await expect(tx.send([new Map([['s', new shared.Semaphore(1)]])])).rejects.toBeInstanceOf(TypeError);
    expect(() => tx.trySend(new Set([new shared.Notify()]))).toThrow(TypeError);
    expect(rx.len).toBe(0);
    reply.send(1); // still usable: nothing was moved
  });

  it('refuses a value larger than maxBytes with a RangeError', async () => {
    const [tx] = shared.mpsc.channel<Uint8Array>(1, { initialBytes: 64, maxBytes: 1024 });
    await expect(tx.send(new Uint8Array(4096))).rejects.toBeInstanceOf(RangeError);
  });

  it('grows its shared buffer for large and wrapped records and keeps every byte', async () => {
    const [tx, rx] = shared.mpsc.channel<Uint8Array>(8, { initialBytes: 64 });
    const sizes = [1, 100, 7, 3000, 13, 65_536, 2, 511];
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) await tx.send(new Uint8Array(size).fill((i + round) & 0xff));
      for (const [i, size] of sizes.entries()) {
        const v = (await rx.recv())!;
        expect(v.length).toBe(size);
        expect(v.every((b) => b === ((i + round) & 0xff))).toBe(true);
      }
    }
  });

  describe('reserve', () => {
    it('holds a slot until the permit sends or is released', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      const permit = await tx.reserve();
      expect(tx.capacity).toBe(0);
      expect(() => tx.trySend(1)).toThrow(TrySendError);
      permit.send(1);
      expect(await rx.recv()).toBe(1);
      const second = await tx.reserve();
      second.release();
      expect(tx.capacity).toBe(1);
    });

    it('reserveMany waits for n slots', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(3);
      await tx.send(0);
      const many = track(tx.reserveMany(3));
      await settle(3);
      expect(many.isPending()).toBe(true);
      expect(await rx.recv()).toBe(0);
      const permits = await many.promise;
      for (const v of [1, 2, 3]) permits.send(v);
      expect([await rx.recv(), await rx.recv(), await rx.recv()]).toEqual([1, 2, 3]);
    });

    it('keeps the channel open for the receiver while a permit is outstanding', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(2);
      const permit = await tx.reserve();
      tx.close();
      const r = track(rx.recv());
      await settle(3);
      expect(r.isPending()).toBe(true);
      permit.send(9);
      expect(await r.promise).toBe(9);
      expect(await rx.recv()).toBeUndefined();
    });

    it('tryReserve takes a slot now or returns undefined, and reports a closed receiver', () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      const p = tx.tryReserve();
      expect(p).toBeDefined();
      expect(tx.tryReserve()).toBeUndefined();
      p!.release();
      rx.close();
      expect(() => tx.tryReserve()).toThrow(TrySendError);
    });

    it('an aborted reserve holds no slot', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      await tx.send(1);
      const controller = new AbortController();
      const r = tx.reserve({ signal: controller.signal });
      controller.abort();
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      expect(await rx.recv()).toBe(1);
      expect(tx.capacity).toBe(1);
    });
  });

  describe('cancellation', () => {
    it('an aborted parked recv loses nothing', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(2);
      const controller = new AbortController();
      const r = rx.recv({ signal: controller.signal });
      await settle(2);
      controller.abort();
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      await tx.send(1);
      expect(await rx.recv()).toBe(1);
    });

    it('a recv aborted in the same tick as the send either delivers or leaves the value', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(2);
      const controller = new AbortController();
      const r = rx.recv({ signal: controller.signal }).then((v) => ({ v }), (e: unknown) => ({ e }));
      await settle(2);
      tx.trySend(1);
      controller.abort();
      const outcome = await r;
      if ('v' in outcome) expect(outcome.v).toBe(1);
      else {
        expect(isCancelled(outcome.e)).toBe(true);
        expect(rx.tryRecv()).toBe(1);
      }
    });

    it('an aborted send gives the value back and later sends keep their order', async () => {
      const [tx, rx] = shared.mpsc.channel<string>(1);
      await tx.send('a');
      const controller = new AbortController();
      const b = tx.send('b', { signal: controller.signal });
      const c = tx.send('c');
      controller.abort();
      await expect(b).rejects.toBeInstanceOf(Cancelled);
      expect(await rx.recv()).toBe('a');
      await c;
      expect(await rx.recv()).toBe('c');
      expect(rx.len).toBe(0);
    });

    it('aborting the task parked in recv() loses no message', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      const task = spawn(() => rx.recv());
      await settle(2);
      task.abort();
      await expect(task).rejects.toBeTruthy();
      await tx.send(5);
      expect(await rx.recv()).toBe(5);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      const signal = AbortSignal.abort();
      await expect(rx.recv({ signal })).rejects.toBeInstanceOf(Cancelled);
      await expect(tx.send(1, { signal })).rejects.toBeInstanceOf(Cancelled);
      expect(rx.len).toBe(0);
    });
  });

  describe('sendTimeout', () => {
    it('sends when there is room and times out with the value back when full', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      await tx.sendTimeout(1, 10);
      const error = await tx.sendTimeout(2, 5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SendTimeoutError);
      expect((error as SendTimeoutError<number>).kind).toBe('Timeout');
      expect((error as SendTimeoutError<number>).value).toBe(2);
      expect(await rx.recv()).toBe(1);
      expect(rx.len).toBe(0);
      rx.close();
      const closed = await tx.sendTimeout(3, 5).catch((e: unknown) => e);
      expect((closed as SendTimeoutError<number>).kind).toBe('Closed');
      expect(() => tx.sendTimeout(1, -1)).toThrow(RangeError);
    });
  });

  describe('transfer', () => {
    it('moves an end: the old handle is unusable and the rebuilt one works', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(2);
      const descriptor = tx.transfer();
      await expect(tx.send(1)).rejects.toBeInstanceOf(SendError);
      expect(() => tx.transfer()).toThrow(/moved/);
      const moved = structuredClone(descriptor);
      const tx2 = shared.mpsc.Sender.fromTransfer<number>(moved);
      await tx2.send(1);
      expect(await rx.recv()).toBe(1);
      tx2.close();
      expect(await rx.recv()).toBeUndefined();
    });

    it('rebuilds a descriptor at most once, even from copies', () => {
      const [, rx] = shared.mpsc.channel<number>(2);
      const descriptor = rx.transfer();
      const copy = structuredClone(descriptor);
      shared.mpsc.Receiver.fromTransfer(descriptor);
      expect(() => shared.mpsc.Receiver.fromTransfer(copy)).toThrow(/already used/);
      expect(() => shared.mpsc.Sender.fromTransfer(copy)).toThrow(TypeError);
    });

    it('encodeTransferables walks arrays and plain objects and decodeTransferables rebuilds the ends', async () => {
      const [tx, rx] = shared.mpsc.channel<string>(4);
      const [utx, urx] = shared.mpsc.unboundedChannel<string>();
      const encoded = encodeTransferables({ deep: [{ tx }, 'text', 3], utx, when: new Date(1) });
      const decoded = decodeTransferables(structuredClone(encoded)) as {
        deep: [{ tx: shared.mpsc.Sender<string> }, string, number];
        utx: shared.mpsc.UnboundedSender<string>;
        when: Date;
      };
      expect(decoded.deep[1]).toBe('text');
      expect(decoded.when).toEqual(new Date(1));
      await decoded.deep[0].tx.send('bounded');
      decoded.utx.send('unbounded');
      expect(await rx.recv()).toBe('bounded');
      expect(await urx.recv()).toBe('unbounded');
      expect(decoded.deep[0].tx.sameChannel(decoded.deep[0].tx)).toBe(true);
    });

    it('refuses to move an end with a parked operation', async () => {
      const [tx, rx] = shared.mpsc.channel<number>(1);
      const controller = new AbortController();
      const r = rx.recv({ signal: controller.signal });
      expect(() => rx.transfer()).toThrow(/parked/);
      controller.abort();
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      tx.close();
    });
  });
});

describe('mpsc.unboundedChannel (cross-thread)', () => {
  it('sends synchronously and ends when the senders close', async () => {
    const [tx, rx] = shared.mpsc.unboundedChannel<number>({ initialBytes: 64 });
    for (let i = 0; i < 1000; i++) tx.send(i);
    tx.close();
    let expected = 0;
    for await (const v of rx) expect(v).toBe(expected++);
    expect(expected).toBe(1000);
    expect(rx.maxCapacity).toBe(Infinity);
  });

  it('send throws SendError with the value once the receiver is closed', () => {
    const [tx, rx] = shared.mpsc.unboundedChannel<number>();
    rx.close();
    let error: unknown;
    try { tx.send(4); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<number>).value).toBe(4);
  });

  it('throws a RangeError past maxBytes instead of growing without end', () => {
    const [tx, rx] = shared.mpsc.unboundedChannel<Uint8Array>({ initialBytes: 64, maxBytes: 4096 });
    let sent = 0;
    expect(() => { for (;;) { tx.send(new Uint8Array(500)); sent++; } }).toThrow(RangeError);
    expect(sent).toBeGreaterThan(0);
    expect(rx.len).toBe(sent);
  });
});
