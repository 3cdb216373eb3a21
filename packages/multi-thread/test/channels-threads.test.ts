import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Cancelled, isCancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { RecvError, SendError, TrySendError } from '@rt/sync';
import { encodeTransferables, shared } from '@rt/multi-thread';

// Real worker threads (plain worker_threads) running test/fixtures/channels-worker.mjs, which
// imports the BUILT @rt/multi-thread (run `npx tsc -b packages/multi-thread` first) and runs
// its role in a current-thread rt runtime. Every worker is terminated after each test.

const FIXTURE = join(__dirname, 'fixtures', 'channels-worker.mjs');
const workers = new Set<Worker>();

interface Outcome {
  result?: unknown;
  error?: { message: string; code?: string; cancelled: boolean };
}

/** Starts `role` in a worker with `args` (channel ends inside are moved there); resolves with its outcome. */
function startWorker(role: string, args: Record<string, unknown>): Promise<Outcome> {
  const worker = new Worker(FIXTURE, { workerData: { role, args: encodeTransferables(args) } });
  workers.add(worker);
  return new Promise<Outcome>((resolve, reject) => {
    worker.once('message', (message: Outcome) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${role} exited with ${code} before reporting`)));
  });
}

async function resultOf<T>(outcome: Promise<Outcome>): Promise<T> {
  const { result, error } = await outcome;
  if (error !== undefined) throw new Error(`worker failed: ${error.message} (${error.code ?? 'no code'})`);
  return result as T;
}

afterEach(async () => {
  await Promise.all([...workers].map((worker) => worker.terminate()));
  workers.clear();
});

describe('mpsc across threads', () => {
  it('2 producers in 2 threads × 10 000 messages reach one receiver: every message once, each producer in order', async () => {
    const count = 10_000;
    const [tx, rx] = shared.mpsc.channel<{ producer: number; i: number }>(64);
    const tx2 = tx.clone();
    const producers = [startWorker('produce', { tx, producer: 0, count }), startWorker('produce', { tx: tx2, producer: 1, count })];
    const next = [0, 0];
    let total = 0;
    for await (const { producer, i } of rx) {
      expect(i).toBe(next[producer]);
      next[producer]!++;
      total++;
    }
    expect(next).toEqual([count, count]);
    expect(total).toBe(2 * count);
    expect(await Promise.all(producers.map((p) => resultOf<number>(p)))).toEqual([count, count]);
  });

  it('applies backpressure to a sender while the receiver in another thread is slow, and loses nothing', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(4);
    const go = new shared.Notify();
    const consumer = startWorker('consumeAfter', { rx, go });
    for (let i = 0; i < 4; i++) await tx.send(i);
    expect(tx.capacity).toBe(0);
    expect(() => tx.trySend(99)).toThrow(TrySendError);
    const parked = track(tx.send(4));
    await settle(3);
    expect(parked.isPending()).toBe(true);
    go.notifyOne();
    await parked.promise;
    for (let i = 5; i < 200; i++) await tx.send(i);
    tx.close();
    expect(await resultOf<number[]>(consumer)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('a receiver closed in another thread fails sends with the closed error and the value back', async () => {
    const [tx, rx] = shared.mpsc.channel<string>(1);
    await tx.send('buffered');
    const parked = tx.send('parked').catch((e: unknown) => e);
    expect(await resultOf<string>(startWorker('closeReceiver', { rx }))).toBe('closed');
    const error = await parked;
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<string>).code).toBe('ERR_RT_CHANNEL_CLOSED');
    expect((error as SendError<string>).value).toBe('parked');
    const later = await tx.send('later').catch((e: unknown) => e);
    expect((later as SendError<string>).value).toBe('later');
    await tx.closed();
  });

  it('recv aborted at the worst moment across threads loses no message and receives none twice', async () => {
    const count = 2_000;
    const [tx, rx] = shared.mpsc.channel<number>(8);
    const sender = startWorker('sendRandomly', { tx, count, seed: 7 });
    const got: number[] = [];
    let aborted = 0;
    for (let round = 0; ; round++) {
      const controller = new AbortController();
      const receive = rx.recv({ signal: controller.signal });
      // Abort at varying points: before the wake-up, racing it, after it.
      if (round % 3 === 0) queueMicrotask(() => controller.abort());
      else if (round % 3 === 1) setImmediate(() => controller.abort());
      try {
        const v = await receive;
        if (v === undefined) break;
        got.push(v);
      } catch (error) {
        expect(isCancelled(error)).toBe(true);
        aborted++;
      }
    }
    expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(aborted).toBeGreaterThan(0);
    expect(await resultOf<number>(sender)).toBe(count);
  });

  it('a bounded send aborted at the worst moment across threads hands the value back: resent, it arrives exactly once', async () => {
    const count = 2_000;
    const [tx, rx] = shared.mpsc.channel<number>(2);
    const receiver = startWorker('recvRandomly', { rx, seed: 11 });
    let aborted = 0;
    for (let i = 0; i < count; ) {
      const controller = new AbortController();
      const sending = tx.send(i, { signal: controller.signal });
      if (i % 2 === 0) queueMicrotask(() => controller.abort());
      else setImmediate(() => controller.abort());
      try {
        await sending;
        i++;
      } catch (error) {
        expect(error).toBeInstanceOf(Cancelled);
        aborted++; // not sent: the same value goes again
      }
    }
    tx.close();
    expect(await resultOf<number[]>(receiver)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(aborted).toBeGreaterThan(0);
  });
});

describe('Semaphore across threads', () => {
  it('never lets more than its permits be held across three threads', async () => {
    const limit = 2;
    const semaphore = new shared.Semaphore(limit);
    const counters = new SharedArrayBuffer(8);
    const words = new Int32Array(counters);
    const rounds = 2_000;
    const others = [
      startWorker('useSemaphore', { semaphore, counters, rounds, limit }),
      startWorker('useSemaphore', { semaphore, counters, rounds, limit }),
    ];
    for (let i = 0; i < rounds; i++) {
      using _permit = await semaphore.acquire();
      const inUse = Atomics.add(words, 0, 1) + 1;
      if (inUse > limit) Atomics.store(words, 1, inUse);
      if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      Atomics.sub(words, 0, 1);
    }
    expect(await Promise.all(others.map((o) => resultOf<number>(o)))).toEqual([rounds, rounds]);
    expect(Atomics.load(words, 1)).toBe(0); // the largest excess seen: none
    expect(semaphore.availablePermits).toBe(limit);
  });

  it('an acquire aborted at the worst moment across threads holds no permit', async () => {
    const semaphore = new shared.Semaphore(1);
    const rounds = 500;
    const started = new shared.Notify();
    const churn = track(startWorker('churnSemaphore', { semaphore, rounds, started }));
    await started.notified();
    let acquired = 0;
    let aborted = 0;
    let round = 0;
    for (; churn.isPending() && round < 20_000; round++) {
      const controller = new AbortController();
      const acquiring = semaphore.acquire({ signal: controller.signal });
      if (round % 2 === 0) queueMicrotask(() => controller.abort());
      else setImmediate(() => controller.abort());
      try {
        const permit = await acquiring;
        acquired++;
        permit.release();
        // Let the other thread in (a loop of ready acquires never leaves the microtask queue).
        await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        expect(error).toBeInstanceOf(Cancelled);
        aborted++;
      }
    }
    expect(await resultOf<number>(churn.promise)).toBe(rounds);
    expect(acquired + aborted).toBe(round);
    expect(aborted).toBeGreaterThan(0);
    // Every permit came back: a leaked one would leave 0.
    expect(semaphore.availablePermits).toBe(1);
    const permit = semaphore.tryAcquire();
    expect(permit?.permits).toBe(1);
    permit?.release();
  });
});

describe('Semaphore fairness across threads', () => {
  it('an acquireMany(2) is served while two other threads keep holding single permits', async () => {
    const semaphore = new shared.Semaphore(2);
    const stop = new SharedArrayBuffer(8);
    const flags = new Int32Array(stop);
    const started = new shared.Notify();
    const grabbers = [startWorker('grabSingles', { semaphore, stop, started }), startWorker('grabSingles', { semaphore, stop, started })];
    await started.notified();
    await started.notified();
    // Let them contend for a while first.
    while (Atomics.load(flags, 1) === 0 && semaphore.availablePermits === 2) await new Promise((resolve) => setImmediate(resolve));
    for (let round = 0; round < 20; round++) {
      const both = await semaphore.acquireMany(2);
      expect(both.permits).toBe(2);
      expect(semaphore.availablePermits).toBe(0);
      both.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    Atomics.store(flags, 0, 1);
    const taken = await Promise.all(grabbers.map((g) => resultOf<number>(g)));
    expect(taken[0]! + taken[1]!).toBeGreaterThan(0);
    expect(semaphore.availablePermits).toBe(2);
  });
});

describe('oneshot across threads', () => {
  it('carries a reply from another thread', async () => {
    const [reply, answer] = shared.oneshot.channel<{ answer: number; from: string }>();
    const worker = startWorker('reply', { reply, question: 21 });
    expect(await answer).toEqual({ answer: 42, from: 'worker' });
    expect(await resultOf<string>(worker)).toBe('sent');
  });
});

describe('closing across threads', () => {
  it('a oneshot receiver closed in another thread resolves closed() and fails send with the value', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const closed = tx.closed();
    expect(await resultOf<string>(startWorker('closeAll', { rx }))).toBe('closed');
    await closed;
    let error: unknown;
    try { tx.send(7); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError<number>).value).toBe(7);
  });

  it('a oneshot sender closed in another thread without sending fails the receive', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
    const receiving = rx.recv().catch((e: unknown) => e);
    expect(await resultOf<string>(startWorker('closeAll', { tx }))).toBe('closed');
    expect(await receiving).toBeInstanceOf(RecvError);
  });

  it('watch: the last receiver closed in another thread fails send; the sender closed there ends changed()', async () => {
    const [tx, rx] = shared.watch.channel('a');
    const rx2 = rx.clone();
    const closed = tx.closed();
    expect(await resultOf<string>(startWorker('closeAll', { rx }))).toBe('closed');
    expect(tx.receiverCount).toBe(1);
    tx.send('b');
    rx2.close();
    await closed;
    expect(() => tx.send('c')).toThrow(SendError);

    const [tx3, rx3] = shared.watch.channel(0);
    const changed = rx3.changed().catch((e: unknown) => e);
    expect(await resultOf<string>(startWorker('closeAll', { tx: tx3 }))).toBe('closed');
    expect(await changed).toBeInstanceOf(RecvError);
  });

  it('every mpsc sender closed in other threads ends the stream after the buffered values', async () => {
    const [tx, rx] = shared.mpsc.channel<number>(4);
    await tx.send(1);
    const tx2 = tx.clone();
    const ending = Promise.all([startWorker('closeAll', { tx }), startWorker('closeAll', { tx: tx2 })]);
    const got: number[] = [];
    for await (const v of rx) got.push(v);
    expect(got).toEqual([1]);
    await ending;
  });
});

describe('watch across threads', () => {
  it('a thread following a watch channel sees increasing values and the latest one', async () => {
    const [tx, rx] = shared.watch.channel(0);
    const ready = new shared.Notify();
    const follower = startWorker('follow', { state: rx, ready });
    await ready.notified();
    for (let v = 1; v <= 500; v++) {
      tx.send(v);
      if (v % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Close only once the follower has seen the last value (changed() after close rejects
    // only once the latest value was seen, so it would see it anyway; this keeps the
    // receiver alive for the sends above).
    tx.close();
    const seen = await resultOf<number[]>(follower);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(500);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });
});

describe('Notify across threads', () => {
  it('notifyOne wakes a waiter in another thread, back and forth', async () => {
    const ping = new shared.Notify();
    const pong = new shared.Notify();
    const rounds = 200;
    const worker = startWorker('pingPong', { ping, pong, rounds });
    for (let i = 0; i < rounds; i++) {
      ping.notifyOne();
      await pong.notified();
    }
    expect(await resultOf<number>(worker)).toBe(rounds);
  });

  it('notifyWaiters wakes the registered waiters of every thread', async () => {
    const notify = new shared.Notify();
    const registered = new shared.Notify();
    const waiters = [startWorker('waitNotified', { notify, registered }), startWorker('waitNotified', { notify, registered })];
    await registered.notified();
    await registered.notified();
    notify.notifyWaiters();
    expect(await Promise.all(waiters.map((w) => resultOf<string>(w)))).toEqual(['notified', 'notified']);
  });
});
