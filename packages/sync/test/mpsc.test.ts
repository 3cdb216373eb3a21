import { Cancelled, coop, isCancelled, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { mpsc, SendError, TryRecvError, TrySendError } from '@rt/sync';

describe('mpsc.channel', () => {
  it('rejects a capacity below 1 or not an integer with a RangeError', () => {
    expect(() => mpsc.channel(0)).toThrow(RangeError);
    expect(() => mpsc.channel(1.5)).toThrow(/capacity/);
    expect(() => mpsc.channel(Number.NaN)).toThrow(RangeError);
  });

  it('delivers values in send order', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    for (let i = 0; i < 4; i++) await tx.send(i);
    expect(rx.len).toBe(4);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await rx.recv())!);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(rx.isEmpty).toBe(true);
  });

  it('applies backpressure when full and wakes senders in FIFO order', async () => {
    const [tx, rx] = mpsc.channel<string>(1);
    await tx.send('a');
    const b = track(tx.send('b'));
    const c = track(tx.send('c'));
    await settle();
    expect(b.isPending()).toBe(true);
    expect(c.isPending()).toBe(true);
    expect(tx.capacity).toBe(0);
    expect(await rx.recv()).toBe('a');
    await settle();
    expect(b.isReady()).toBe(true);
    expect(c.isPending()).toBe(true);
    expect(await rx.recv()).toBe('b');
    expect(await rx.recv()).toBe('c');
    await settle();
    expect(c.isReady()).toBe(true);
    expect(tx.capacity).toBe(1);
    expect(tx.maxCapacity).toBe(1);
  });

  it('hands a value straight to a waiting receiver', async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const r = rx.recv();
    await tx.send(7);
    expect(await r).toBe(7);
    expect(tx.capacity).toBe(1);
  });

  it('trySend reports Full and Closed with the value back', () => {
    const [tx, rx] = mpsc.channel<number>(1);
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
    const [tx, rx] = mpsc.channel<number>(2);
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Empty'); }
    tx.trySend(5);
    tx.close();
    expect(rx.tryRecv()).toBe(5);
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Disconnected'); }
  });

  it('closes for the receiver only when every clone is closed or disposed, after draining', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const tx2 = tx.clone();
    {
      using tx3 = tx.clone();
      await tx3.send(3);
    }
    await tx.send(1);
    tx.close();
    const pending = track(rx.recv());
    expect(await pending.promise).toBe(3);
    expect(await rx.recv()).toBe(1);
    const end = track(rx.recv());
    await settle();
    expect(end.isPending()).toBe(true);
    expect(rx.isClosed).toBe(false);
    tx2[Symbol.dispose]();
    expect(await end.promise).toBeUndefined();
    expect(rx.isClosed).toBe(true);
  });

  it('ends async iteration when the senders close', async () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const producer = (async () => {
      using sender = tx;
      for (let i = 0; i < 10; i++) await sender.send(i);
    })();
    const got: number[] = [];
    for await (const n of rx) got.push(n);
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('closing the receiver fails parked senders with their value and resolves closed()', async () => {
    const [tx, rx] = mpsc.channel<string>(1);
    await tx.send('kept');
    const closed = track(tx.closed());
    const parked = tx.send('back').catch((e: unknown) => e);
    await settle();
    expect(closed.isPending()).toBe(true);
    rx.close();
    const error = await parked;
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<string>).value).toBe('back');
    await settle();
    expect(closed.isReady()).toBe(true);
    expect(tx.isClosed).toBe(true);
    // What was buffered before the close is still received.
    expect(await rx.recv()).toBe('kept');
    expect(await rx.recv()).toBeUndefined();
    await expect(tx.send('late')).rejects.toBeInstanceOf(SendError);
  });

  it('a send on a closed handle fails, cloning it throws', async () => {
    const [tx] = mpsc.channel<number>(1);
    const other = tx.clone();
    tx.close();
    await expect(tx.send(1)).rejects.toBeInstanceOf(SendError);
    expect(() => tx.clone()).toThrow(/closed/);
    other.close();
  });

  it('recvMany takes up to limit values, waits for the first, and returns 0 at the end', async () => {
    const [tx, rx] = mpsc.channel<number>(8);
    for (let i = 0; i < 5; i++) tx.trySend(i);
    const buffer: number[] = [];
    expect(await rx.recvMany(buffer, 3)).toBe(3);
    expect(await rx.recvMany(buffer, 10)).toBe(2);
    expect(buffer).toEqual([0, 1, 2, 3, 4]);
    const waiting = track(rx.recvMany(buffer, 2));
    await settle();
    expect(waiting.isPending()).toBe(true);
    tx.trySend(5);
    tx.trySend(6);
    // Woken by the first value, it also takes what arrived before it ran.
    expect(await waiting.promise).toBe(2);
    expect(await rx.recvMany(buffer, 0)).toBe(0);
    tx.trySend(7);
    tx.close();
    expect(await rx.recvMany(buffer, 5)).toBe(1);
    expect(await rx.recvMany(buffer, 5)).toBe(0);
    expect(buffer).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => rx.recvMany(buffer, -1)).toThrow(RangeError);
  });

  describe('reserve', () => {
    it('holds a slot until the permit sends or is released', async () => {
      const [tx, rx] = mpsc.channel<number>(2);
      const permit = await tx.reserve();
      expect(tx.capacity).toBe(1);
      permit.send(1);
      expect(() => permit.send(2)).toThrow(/no slot/);
      expect(await rx.recv()).toBe(1);
      {
        using unused = await tx.reserve();
        expect(unused.remaining).toBe(1);
        expect(tx.capacity).toBe(1);
      }
      expect(tx.capacity).toBe(2);
    });

    it('reserveMany waits for n slots and iterates as one-slot permits', async () => {
      const [tx, rx] = mpsc.channel<number>(3);
      await tx.send(0);
      const many = track(tx.reserveMany(3));
      await settle();
      expect(many.isPending()).toBe(true);
      // FIFO: a later send waits behind the bigger reservation.
      const later = track(tx.send(9));
      expect(await rx.recv()).toBe(0);
      const permits = await many.promise;
      let i = 1;
      for (const p of permits) p.send(i++);
      expect(later.isPending()).toBe(true);
      expect([await rx.recv(), await rx.recv(), await rx.recv()]).toEqual([1, 2, 3]);
      await later.promise;
      expect(await rx.recv()).toBe(9);
      expect(() => tx.reserveMany(4)).toThrow(RangeError);
    });

    it('keeps the channel open for the receiver while a permit is outstanding', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const permit = await tx.reserve();
      tx.close();
      const r = track(rx.recv());
      await settle();
      expect(r.isPending()).toBe(true);
      permit.send(42);
      expect(await r.promise).toBe(42);
      expect(await rx.recv()).toBeUndefined();
    });

    it('tryReserve takes a slot now or returns undefined, and reports a closed receiver', () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const permit = tx.tryReserve()!;
      expect(tx.tryReserve()).toBeUndefined();
      permit.send(1);
      expect(rx.tryRecv()).toBe(1);
      rx.close();
      expect(() => tx.tryReserve()).toThrow(TrySendError);
    });

    it('an aborted reserve holds no slot', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(1);
      const ac = new AbortController();
      const r = tx.reserve({ signal: ac.signal });
      ac.abort();
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      expect(await rx.recv()).toBe(1);
      expect(tx.capacity).toBe(1);
    });
  });

  describe('cancellation', () => {
    it('an aborted recv loses nothing when the abort comes before the send', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const ac = new AbortController();
      const r = rx.recv({ signal: ac.signal });
      ac.abort();
      tx.trySend(1);
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      expect(rx.tryRecv()).toBe(1);
    });

    it('an aborted parked recv loses nothing', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const ac = new AbortController();
      const r = rx.recv({ signal: ac.signal });
      await settle(); // parked
      ac.abort();
      tx.trySend(1);
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      expect(rx.tryRecv()).toBe(1);
    });

    it('a recv woken in the same tick as its abort delivers the value', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const ac = new AbortController();
      const r = rx.recv({ signal: ac.signal });
      await settle(); // parked
      tx.trySend(1);
      ac.abort();
      expect(await r).toBe(1);
      expect(rx.isEmpty).toBe(true);
    });

    it('an aborted send gives the value back and later sends keep their order', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(0);
      const ac = new AbortController();
      const aborted = tx.send(1, { signal: ac.signal });
      const kept = tx.send(2);
      ac.abort();
      const error = await aborted.catch((e: unknown) => e);
      expect(isCancelled(error)).toBe(true);
      expect(await rx.recv()).toBe(0);
      await kept;
      expect(await rx.recv()).toBe(2);
      expect(rx.isEmpty).toBe(true);
    });

    it('a send handed off in the same tick as its abort is delivered exactly once', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(0);
      const ac = new AbortController();
      const s = tx.send(1, { signal: ac.signal });
      expect(rx.tryRecv()).toBe(0);
      ac.abort();
      await s;
      expect(rx.tryRecv()).toBe(1);
      expect(() => rx.tryRecv()).toThrow(TryRecvError);
    });

    it('aborting the task parked in recv() loses no message', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const task = spawn(() => rx.recv());
      await settle();
      task.abort();
      tx.trySend(1);
      await expect(task).rejects.toMatchObject({ name: 'JoinError' });
      expect(rx.tryRecv()).toBe(1);
    });

    it('aborting the task parked in send() leaves the value unsent', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      await tx.send(0);
      const task = spawn(() => tx.send(1));
      await settle();
      task.abort();
      await expect(task).rejects.toMatchObject({ name: 'JoinError' });
      expect(rx.tryRecv()).toBe(0);
      expect(() => rx.tryRecv()).toThrow(TryRecvError);
      expect(tx.capacity).toBe(1);
    });

    it('a task aborted while its sends complete at once sees the abort at its next send', async () => {
      const [tx, rx] = mpsc.unboundedChannel<number>();
      const [btx] = mpsc.channel<number>(100);
      let sent = 0;
      const task = spawn(async () => {
        for (;;) {
          await btx.send(sent);
          sent++;
          if (sent === 3) tx.send(-1);
        }
      });
      expect(await rx.recv()).toBe(-1);
      task.abort();
      await expect(task).rejects.toMatchObject({ name: 'JoinError' });
      expect(sent).toBeLessThan(100);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const signal = AbortSignal.abort();
      await expect(tx.send(1, { signal })).rejects.toBeInstanceOf(Cancelled);
      await expect(rx.recv({ signal })).rejects.toBeInstanceOf(Cancelled);
      expect(tx.capacity).toBe(1);
    });
  });

  describe('WeakSender', () => {
    it('upgrades while a strong sender lives and does not keep the channel open', async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const weak = tx.downgrade();
      expect(weak.sameChannel(tx)).toBe(true);
      expect(tx.sameChannel(weak)).toBe(true);
      const strong = weak.upgrade() as mpsc.Sender<number>;
      expect(strong).toBeInstanceOf(mpsc.Sender);
      strong.close();
      tx.close();
      expect(weak.upgrade()).toBeUndefined();
      expect(await rx.recv()).toBeUndefined();
    });

    it('sameChannel tells channels apart', () => {
      const [a] = mpsc.channel<number>(1);
      const [b] = mpsc.channel<number>(1);
      expect(a.sameChannel(a.clone())).toBe(true);
      expect(a.sameChannel(b)).toBe(false);
    });
  });
});

describe('mpsc.unboundedChannel', () => {
  it('sends synchronously without limit and ends when the senders close', async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    for (let i = 0; i < 1000; i++) tx.send(i);
    expect(rx.len).toBe(1000);
    expect(rx.maxCapacity).toBe(Infinity);
    tx.close();
    let sum = 0;
    for await (const n of rx) sum += n;
    expect(sum).toBe(499500);
  });

  it('send throws SendError with the value once the receiver is closed', () => {
    const [tx, rx] = mpsc.unboundedChannel<string>();
    rx[Symbol.dispose]();
    expect(tx.isClosed).toBe(true);
    let error: unknown;
    try { tx.send('x'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<string>).value).toBe('x');
    expect((error as SendError<string>).code).toBe('ERR_RT_CHANNEL_CLOSED');
  });

  it('downgrades to a WeakSender that upgrades to an UnboundedSender', () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const strong = tx.downgrade().upgrade();
    expect(strong).toBeInstanceOf(mpsc.UnboundedSender);
    (strong as mpsc.UnboundedSender<number>).send(1);
    expect(rx.tryRecv()).toBe(1);
  });

  it('an aborted recv loses nothing', async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const ac = new AbortController();
    const r = rx.recv({ signal: ac.signal });
    ac.abort();
    tx.send(1);
    await expect(r).rejects.toBeInstanceOf(Cancelled);
    expect(await rx.recv()).toBe(1);
  });
});

describe('mpsc budget', () => {
  it('a task that keeps finding values ready yields to the event loop', async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    for (let i = 0; i < 1000; i++) tx.send(i);
    let immediateRan = false;
    let seenAt = -1;
    setImmediate(() => (immediateRan = true));
    await spawn(async () => {
      for (let i = 0; i < 1000; i++) {
        await rx.recv();
        if (immediateRan && seenAt < 0) seenAt = i;
      }
    });
    expect(seenAt).toBeGreaterThanOrEqual(0);
    expect(seenAt).toBeLessThan(1000);
  });

  it('sends that never wait yield too', async () => {
    const [tx] = mpsc.channel<number>(2000);
    let immediateRan = false;
    let seenAt = -1;
    setImmediate(() => (immediateRan = true));
    await spawn(async () => {
      for (let i = 0; i < 1000; i++) {
        await tx.send(i);
        if (immediateRan && seenAt < 0) seenAt = i;
      }
    });
    expect(seenAt).toBeGreaterThanOrEqual(0);
    expect(seenAt).toBeLessThan(1000);
  });
});

describe('mpsc operations retried after a forced yield', () => {
  it('send, recv, recvMany and reserve, each run with the budget spent, yield to the event loop first and then complete exactly once, in order', async () => {
    const [tx, rx] = mpsc.channel<number>(1024);
    const turns: string[] = [];
    /** Queues an immediate, then spends the task's budget: the next operation yields a turn, so the immediate runs before it completes. */
    const spend = () => {
      setImmediate(() => turns.push('immediate'));
      while (coop() === undefined);
    };
    const got = await spawn(async () => {
      const out: number[] = [];
      spend();
      await tx.send(1);
      turns.push('send');
      await tx.send(2);
      await tx.send(3);
      spend();
      out.push((await rx.recv())!);
      turns.push('recv');
      spend();
      expect(await rx.recvMany(out, 10)).toBe(2);
      turns.push('recvMany');
      spend();
      const permit = await tx.reserve();
      turns.push('reserve');
      permit.send(4);
      out.push((await rx.recv())!);
      return out;
    });
    expect(got).toEqual([1, 2, 3, 4]);
    expect(turns).toEqual(['immediate', 'send', 'immediate', 'recv', 'immediate', 'recvMany', 'immediate', 'reserve']);
    expect(rx.len).toBe(0);
    expect(tx.capacity).toBe(1024);
  });

  it('a recv whose value is taken by tryRecv during its forced yield waits for the next value; an iteration step retried after one takes its value once', async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const got = await spawn(async () => {
      tx.send(1);
      while (coop() === undefined); // the budget spent: recv() yields a turn before it takes a value
      const pending = rx.recv();
      expect(rx.tryRecv()).toBe(1); // taken while the recv waits for its turn
      setImmediate(() => setImmediate(() => tx.send(2))); // after the retry found the channel empty
      const second = await pending;
      tx.send(3);
      tx.send(4);
      tx.close();
      while (coop() === undefined); // the next iteration step yields first
      const rest: number[] = [];
      for await (const v of rx) rest.push(v);
      return [second, ...rest];
    });
    expect(got).toEqual([2, 3, 4]);
    expect(rx.len).toBe(0);
  });
});

describe('mpsc receive after a failed second look', () => {
  it('ping-pong over capacity 1 delivers every value in order, and an abort of a recv that parked at once loses nothing', async () => {
    const [pingTx, pingRx] = mpsc.channel<number>(1);
    const [pongTx, pongRx] = mpsc.channel<number>(1);
    const echo = spawn(async () => {
      for (let i = 0; i < 50; i++) await pongTx.send((await pingRx.recv())! * 2);
    });
    const got: number[] = [];
    for (let i = 0; i < 50; i++) {
      await pingTx.send(i);
      got.push((await pongRx.recv())!);
    }
    await echo;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    // pongRx's last looks failed: these receives park at once. Abort one while parked, then send.
    for (let round = 0; round < 10; round++) {
      const ac = new AbortController();
      const r = pongRx.recv({ signal: ac.signal });
      ac.abort();
      await expect(r).rejects.toBeInstanceOf(Cancelled);
      const next = pongRx.recv();
      await pongTx.send(round);
      expect(await next).toBe(round);
    }
    expect(pongRx.len).toBe(0);
  });
});

describe('mpsc receive parked on the receiver’s reused waiter', () => {
  it('an aborted task parked in recv() leaves the reused waiter free: the next recv gets the value, nothing lost or doubled', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    for (let round = 0; round < 5; round++) {
      const task = spawn(() => rx.recv());
      await settle();
      expect(task.isFinished()).toBe(false);
      task.abort();
      await expect(task).rejects.toMatchObject({ name: 'JoinError' });
      // Parked again on the same node, by another task: it gets this round's value.
      const next = spawn(() => rx.recv());
      await settle();
      await tx.send(round);
      expect(await next).toBe(round);
      expect(rx.len).toBe(0);
    }
  });

  it('a wake that comes before the abort in the same tick wins: the value is delivered, not lost', async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const got: number[] = [];
    const task = spawn(async () => {
      got.push((await rx.recv())!);
      // The abort is seen at the next rt await, after the value was taken.
      await rx.recv();
    });
    await settle();
    tx.trySend(7);
    task.abort();
    await expect(task).rejects.toMatchObject({ name: 'JoinError' });
    expect(got).toEqual([7]);
    expect(rx.len).toBe(0);
  });

  it('a second recv() while the first is still parked parks on its own node: both get a value, in call order', async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const first = track(rx.recv());
    const second = track(rx.recv());
    await settle();
    expect(first.isPending()).toBe(true);
    expect(second.isPending()).toBe(true);
    await tx.send(1);
    await tx.send(2);
    expect(await first.promise).toBe(1);
    expect(await second.promise).toBe(2);
    // Abort the task of a second receive while the reused node is parked too: the first still gets its value.
    const a = spawn(() => rx.recv());
    await settle();
    const b = spawn(() => rx.recv());
    await settle();
    b.abort();
    await expect(b).rejects.toMatchObject({ name: 'JoinError' });
    await tx.send(3);
    await tx.send(4);
    expect(await a).toBe(3);
    expect(rx.tryRecv()).toBe(4);
  });

  it('a recv() parked when the last sender closes ends with undefined, and iteration with done; the node is reused after', async () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const tx2 = tx.clone();
    const r = track(rx.recv());
    await settle();
    tx.close();
    await tx2.send(5);
    expect(await r.promise).toBe(5);
    const it = rx[Symbol.asyncIterator]();
    const n = it.next();
    await settle();
    tx2.close();
    expect(await n).toEqual({ done: true, value: undefined });
    expect(await rx.recv()).toBeUndefined();
  });

  it('ping-pong whose second looks always find the answer delivers every value in order, and then an abort of a task parked at once loses nothing', async () => {
    const [pingTx, pingRx] = mpsc.channel<number>(1);
    const [pongTx, pongRx] = mpsc.channel<number>(1);
    const echo = spawn(async () => {
      for (;;) {
        const v = await pingRx.recv();
        if (v === undefined) return;
        await pongTx.send(v + 1);
      }
    });
    const got: number[] = [];
    const player = spawn(async () => {
      for (let i = 0; i < 1000; i++) {
        await pingTx.send(i * 2);
        got.push((await pongRx.recv())!);
      }
    });
    await player;
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2 + 1));
    pingTx.close();
    await echo;
    // pongRx's receives park at once now (ping-pong seen). Abort the task parked in one, then send.
    for (let round = 0; round < 10; round++) {
      const parked = spawn(() => pongRx.recv());
      await settle();
      parked.abort();
      await expect(parked).rejects.toMatchObject({ name: 'JoinError' });
      const next = spawn(() => pongRx.recv());
      await settle();
      await pongTx.send(round);
      expect(await next).toBe(round);
    }
    expect(pongRx.len).toBe(0);
  });
});

describe('mpsc receive that parks at once, in a task aborted before it calls recv()', () => {
  it('rejects with Cancelled through the park (the one look-up), links nothing, and the next receive gets the value', async () => {
    const [pingTx, pingRx] = mpsc.channel<number>(1);
    const [pongTx, pongRx] = mpsc.channel<number>(1);
    const echo = spawn(async () => {
      for (let i = 0; i < 100; i++) await pongTx.send((await pingRx.recv())! + 1);
    });
    for (let i = 0; i < 100; i++) {
      await pingTx.send(i);
      expect(await pongRx.recv()).toBe(i + 1);
    }
    await echo;
    // pongRx's receives park at once now (ping-pong seen). A task aborted while it awaits a plain
    // promise calls recv() after the abort: no check runs before the park, the park's own does.
    for (let round = 0; round < 10; round++) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const outcome: string[] = [];
      const task = spawn(async () => {
        await gate;
        const r = pongRx.recv();
        outcome.push('called');
        try {
          await r;
          outcome.push('received');
        } catch (error) {
          outcome.push(error instanceof Cancelled ? 'cancelled' : String(error));
        }
      });
      await settle();
      task.abort();
      open();
      await task.then(
        () => undefined,
        () => undefined,
      );
      expect(outcome).toEqual(['called', 'cancelled']);
      // Nothing was linked: the value goes to the next receive, once.
      const next = spawn(() => pongRx.recv());
      await settle();
      await pongTx.send(round);
      expect(await next).toBe(round);
      expect(pongRx.len).toBe(0);
    }
  });
});

describe('mpsc operations that can complete at once, in an aborted task or with an aborted signal', () => {
  it('send and recv reject with Cancelled and move nothing, with budget left and with the budget spent', async () => {
    const [tx, rx] = mpsc.channel<number>(1024);
    for (const spent of [false, true]) {
      const task = spawn(async () => {
        if (spent) {
          for (let i = 0; i < 300; i++) await tx.send(i);
          while (coop() === undefined); // the budget is spent now: the next operation yields first
        }
        const before = rx.len;
        const ac = new AbortController();
        ac.abort('stop');
        await expect(tx.send(-1, { signal: ac.signal })).rejects.toBeInstanceOf(Cancelled);
        await expect(rx.recv({ signal: ac.signal })).rejects.toBeInstanceOf(Cancelled);
        const batch: number[] = [];
        await expect(rx.recvMany(batch, 10, { signal: ac.signal })).rejects.toBeInstanceOf(Cancelled);
        expect(batch).toEqual([]);
        expect(rx.len).toBe(before);
        return before;
      });
      expect(await task).toBe(spent ? 300 : 0);
      while (rx.len > 0) rx.tryRecv();
    }
    // The task itself aborted: its next send/recv/iteration rejects, the buffered value stays.
    await tx.send(5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const outcomes: string[] = [];
    const task = spawn(async () => {
      await gate;
      for (const op of [() => tx.send(6), () => rx.recv(), () => rx[Symbol.asyncIterator]().next()]) {
        try {
          await op();
          outcomes.push('done');
        } catch (error) {
          outcomes.push(isCancelled(error) ? 'cancelled' : String(error));
        }
      }
    });
    await settle();
    task.abort();
    release();
    await task.catch(() => undefined);
    expect(outcomes).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(rx.tryRecv()).toBe(5);
    expect(rx.len).toBe(0);
  });
});
