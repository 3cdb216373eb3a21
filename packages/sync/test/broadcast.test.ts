import fc from 'fast-check';
import { Builder, Cancelled, coop, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { broadcast, Lagged, RecvError, SendError, TryRecvError } from '@rt/sync';

describe('broadcast', () => {
  it('delivers every value to every receiver, in order', async () => {
    const [tx, rx1] = broadcast.channel<number>(4);
    const rx2 = tx.subscribe();
    expect(tx.receiverCount).toBe(2);
    expect(tx.send(1)).toBe(2);
    tx.send(2);
    expect([await rx1.recv(), await rx1.recv()]).toEqual([1, 2]);
    expect([await rx2.recv(), await rx2.recv()]).toEqual([1, 2]);
  });

  it('rounds the capacity up to a power of two and rejects bad capacities', () => {
    expect(() => broadcast.channel(0)).toThrow(RangeError);
    const [tx, rx] = broadcast.channel<number>(3);
    for (let i = 0; i < 4; i++) tx.send(i);
    expect(rx.len).toBe(4);
    expect(rx.tryRecv()).toBe(0);
  });

  it('tells a slow receiver how much it lagged, then continues from the oldest retained value', async () => {
    const [tx, rx] = broadcast.channel<number>(2);
    for (let i = 0; i < 5; i++) tx.send(i);
    const error = await rx.recv().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Lagged);
    expect((error as Lagged).skipped).toBe(3);
    expect((error as Lagged).code).toBe('ERR_RT_LAGGED');
    expect(await rx.recv()).toBe(3);
    expect(await rx.recv()).toBe(4);
    expect(rx.isEmpty).toBe(true);
  });

  it('a subscriber sees only values sent after it subscribed; resubscribe starts at the newest', () => {
    const [tx, rx] = broadcast.channel<string>(4);
    tx.send('old');
    const late = tx.subscribe();
    const again = rx.resubscribe();
    tx.send('new');
    expect(late.tryRecv()).toBe('new');
    expect(again.tryRecv()).toBe('new');
    expect(rx.tryRecv()).toBe('old');
  });

  it('receivers drain and then see RecvError once every sender is closed', async () => {
    const [tx, rx] = broadcast.channel<number>(4);
    const tx2 = tx.clone();
    tx.send(1);
    tx.close();
    const waiting = track(rx.recv());
    expect(await waiting.promise).toBe(1);
    const end = track(rx.recv());
    await settle();
    expect(end.isPending()).toBe(true);
    tx2[Symbol.dispose]();
    await expect(end.promise).rejects.toBeInstanceOf(RecvError);
    expect(rx.isClosed).toBe(true);
    try { rx.tryRecv(); } catch (e) { expect((e as TryRecvError).kind).toBe('Disconnected'); }
  });

  it('send fails with SendError when no receiver is left, and closed() resolves', async () => {
    const [tx, rx] = broadcast.channel<number>(2);
    const closed = track(tx.closed());
    rx.close();
    await closed.promise;
    expect(() => tx.send(1)).toThrow(SendError);
  });

  it('iterates until closed', async () => {
    const [tx, rx] = broadcast.channel<number>(8);
    tx.send(1);
    tx.send(2);
    tx.close();
    const got: number[] = [];
    for await (const v of rx) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  it('an aborted recv loses nothing; a woken one delivers', async () => {
    const [tx, rx] = broadcast.channel<number>(2);
    const ac = new AbortController();
    const aborted = rx.recv({ signal: ac.signal });
    ac.abort();
    tx.send(1);
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    expect(await rx.recv()).toBe(1);
    const ac2 = new AbortController();
    const woken = rx.recv({ signal: ac2.signal });
    tx.send(2);
    ac2.abort();
    expect(await woken).toBe(2);
    expect(rx.isEmpty).toBe(true);
  });
});

describe('broadcast.Receiver', () => {
  it('gives a value once to two concurrent recv() calls on the same receiver', async () => {
    const [tx, rx] = broadcast.channel<number>(4);
    const a = rx.recv();
    const b = rx.recv();
    tx.send(1);
    tx.send(2);
    expect([await a, await b]).toEqual([1, 2]);
  });
});

describe('broadcast model', () => {
  it('every receiver gets every value in order, or is told exactly how many it missed', async () => {
    type Op =
      | { kind: 'send' }
      | { kind: 'recv'; r: number }
      | { kind: 'tryRecv'; r: number }
      | { kind: 'abort'; index: number }
      | { kind: 'sendThenAbort'; index: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'send' } as const) },
      { weight: 3, arbitrary: fc.nat(3).map((r) => ({ kind: 'recv', r }) as const) },
      { weight: 2, arbitrary: fc.nat(3).map((r) => ({ kind: 'tryRecv', r }) as const) },
      { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'abort', index }) as const) },
      { weight: 1, arbitrary: fc.nat(20).map((index) => ({ kind: 'sendThenAbort', index }) as const) },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 50 }), async (capacity, ops) => {
        const [tx, first] = broadcast.channel<number>(capacity);
        const receivers = [first, tx.subscribe(), tx.subscribe(), tx.subscribe()];
        const got: number[][] = receivers.map(() => []);
        const skipped = receivers.map(() => 0);
        const pending: { controller: AbortController; done: Promise<void> }[] = [];
        let sent = 0;
        const onError = (r: number) => (e: unknown) => {
          if (e instanceof Lagged) skipped[r]! += e.skipped;
          else if (!(e instanceof RecvError)) expect(e).toBeInstanceOf(Cancelled); // RecvError: closed at the end
        };
        const tryRecv = (r: number): boolean => {
          try {
            got[r]!.push(receivers[r]!.tryRecv());
            return true;
          } catch (e) {
            if (e instanceof Lagged) {
              skipped[r]! += e.skipped;
              return true;
            }
            expect(e).toBeInstanceOf(TryRecvError);
            return false;
          }
        };
        for (const o of ops) {
          if (o.kind === 'send') tx.send(sent++);
          else if (o.kind === 'recv') {
            const controller = new AbortController();
            const done = receivers[o.r]!.recv({ signal: controller.signal }).then((v) => {
              got[o.r]!.push(v);
            }, onError(o.r));
            pending.push({ controller, done });
          } else if (o.kind === 'tryRecv') tryRecv(o.r);
          else {
            if (o.kind === 'sendThenAbort') tx.send(sent++);
            if (pending.length > 0) pending[o.index % pending.length]!.controller.abort();
          }
          await settle();
        }
        tx.close();
        await Promise.all(pending.map((p) => p.done));
        for (let r = 0; r < receivers.length; r++) {
          while (tryRecv(r));
          const values = got[r]!;
          for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
          expect(values.length + skipped[r]!).toBe(sent);
          for (const v of values) expect(v).toBeLessThan(sent);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a ready value is not taken by an aborted recv, and iteration spends the budget: one forced yield counted per 128 values', async () => {
    const [tx, rx] = broadcast.channel<number>(1024);
    for (let i = 0; i < 300; i++) tx.send(i);
    tx.close();
    await expect(rx.recv({ signal: AbortSignal.abort('stop') })).rejects.toBeInstanceOf(Cancelled);
    expect(rx.len).toBe(300);
    const runtime = Builder.currentThread().build();
    let sum = 0;
    await runtime.run(async () => {
      for await (const v of rx) sum += v;
    });
    expect(sum).toBe((300 * 299) / 2);
    // 301 steps (the last one finds the channel closed) on a budget of 128 per turn: two yields.
    expect(runtime.metrics().forcedYields).toBe(2);
    await runtime.shutdown();
  });
});

describe('broadcast recv retried after a forced yield', () => {
  it('a recv run with the budget spent yields to the event loop first, then takes its value exactly once, in order', async () => {
    const [tx, rx] = broadcast.channel<number>(8);
    tx.send(1);
    tx.send(2);
    const turns: string[] = [];
    /** Queues an immediate, then spends the task's budget: the next operation yields a turn, so the immediate runs before it completes. */
    const spend = (): void => {
      setImmediate(() => turns.push('immediate'));
      while (coop() === undefined);
    };
    const got = await spawn(async () => {
      spend();
      const first = await rx.recv();
      turns.push('recv');
      spend();
      const second = await rx.recv();
      turns.push('recv');
      return [first, second];
    });
    expect(got).toEqual([1, 2]);
    expect(turns).toEqual(['immediate', 'recv', 'immediate', 'recv']);
    expect(() => rx.tryRecv()).toThrow(TryRecvError);
  });
});
