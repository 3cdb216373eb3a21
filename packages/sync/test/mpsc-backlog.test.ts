// Property test: mpsc channels whose backlog crosses the 4,096-value ring into the overflow
// chunks (and back), against a plain array model: random interleavings of sends, receives
// (one, many, try, aborted), and closing either side, at sizes around 4,096 and its multiples.
import fc from 'fast-check';
import { isCancelled } from '@rt/scheduler';
import { mpsc, TryRecvError } from '@rt/sync';

type Op =
  | { kind: 'send'; n: number }
  | { kind: 'recv'; n: number }
  | { kind: 'recvMany'; limit: number }
  | { kind: 'tryRecv'; n: number }
  | { kind: 'abortedRecv' }
  | { kind: 'closeReceiver' }
  | { kind: 'closeSender' };

// Counts that land on, just before and just after the ring's and the chunks' edges.
const edge = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.constantFrom(4095, 4096, 4097, 8191, 8192, 8193, 12_288),
  fc.integer({ min: 1, max: 13_000 }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: edge.map((n) => ({ kind: 'send', n }) as const) },
  { weight: 2, arbitrary: edge.map((n) => ({ kind: 'recv', n }) as const) },
  { weight: 2, arbitrary: edge.map((limit) => ({ kind: 'recvMany', limit }) as const) },
  { weight: 2, arbitrary: edge.map((n) => ({ kind: 'tryRecv', n }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'abortedRecv' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'closeReceiver' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'closeSender' } as const) },
);

/**
 * Asserts `values` is `from, from + 1, ...` with one `expect` (one per value made this test take
 * 4 s at load 7 and risk jest's 20 s at CI's load): the first value out of place is reported.
 */
function expectConsecutive(values: readonly number[], from: number): void {
  const at = values.findIndex((value, i) => value !== from + i);
  expect(at === -1 ? 'in order' : `values[${at}] is ${values[at]}, expected ${from + at}`).toBe('in order');
}

describe('mpsc with a backlog past the 4,096-value ring', () => {
  it('an unbounded channel delivers every value once, in order, across the chunks, through close and aborted receives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 14 }), async (ops) => {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const model: number[] = [];
        let head = 0;
        let next = 0;
        let senderOpen = true;
        let receiverOpen = true;
        const got: number[] = [];
        for (const o of ops) {
          switch (o.kind) {
            case 'send':
              if (!senderOpen || !receiverOpen) {
                if (senderOpen) expect(() => tx.send(next)).toThrow();
                break;
              }
              for (let i = 0; i < o.n; i++) {
                tx.send(next);
                model.push(next++);
              }
              break;
            case 'recv':
              for (let i = 0; i < o.n && head < model.length; i++, head++) got.push((await rx.recv())!);
              break;
            case 'recvMany': {
              if (head === model.length) break;
              const n = await rx.recvMany(got, o.limit);
              expect(n).toBe(Math.min(o.limit, model.length - head));
              head += n;
              break;
            }
            case 'tryRecv':
              for (let i = 0; i < o.n && head < model.length; i++, head++) got.push(rx.tryRecv());
              if (head === model.length) expect(() => rx.tryRecv()).toThrow(TryRecvError);
              break;
            case 'abortedRecv': {
              const before = rx.len;
              const error: unknown = await rx.recv({ signal: AbortSignal.abort('stop') }).then(
                () => undefined,
                (e: unknown) => e,
              );
              expect(isCancelled(error)).toBe(true);
              expect(rx.len).toBe(before);
              break;
            }
            case 'closeReceiver':
              rx.close();
              receiverOpen = false;
              break;
            case 'closeSender':
              tx.close();
              senderOpen = false;
              break;
          }
          expect(rx.len).toBe(model.length - head);
          // (model is 0, 1, 2, …: what was received must be its first `head` values.)
          expect(got.length).toBe(head);
          expectConsecutive(got, 0);
        }
        if (senderOpen) tx.close();
        for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) got.push(v);
        expect(got.length).toBe(model.length);
        expectConsecutive(got, 0);
        expect(rx.len).toBe(0);
        expect(await rx.recv()).toBeUndefined();
      }),
      { numRuns: 60 },
    );
    // A bound on the work, not a speed claim: each of the 60 runs moves up to ~180,000 values
    // (one await per value received); the property takes 0.85-1.0 s of CPU (~250,000 values,
    // seeds 1-4), 2 s of wall time alone at load 5, and reached jest's default 20 s in a
    // whole-suite run at load ~10 here, where this worker got a fifth of a core. CI runs at load
    // up to ~20. Nothing here waits on a timer or I/O: a lost wake-up hangs the test whatever
    // the limit.
  }, 60_000);

  it('a bounded channel of more than 4,096 slots, kept full, keeps order and capacity across the chunks', async () => {
    const capacity = 10_000;
    const [tx, rx] = mpsc.channel<number>(capacity);
    let next = 0;
    let expected = 0;
    for (; next < capacity; next++) tx.trySend(next);
    expect(tx.capacity).toBe(0);
    // Steady state: the backlog stays near the capacity for many chunks' worth of values.
    for (let round = 0; round < 20; round++) {
      const take = 1 + ((round * 1_777) % 4_100);
      const taken: number[] = [];
      for (let i = 0; i < take; i++) taken.push(rx.tryRecv());
      expectConsecutive(taken, expected);
      expected += take;
      expect(tx.capacity).toBe(take);
      for (let i = 0; i < take; i++) tx.trySend(next++);
      expect(tx.capacity).toBe(0);
      expect(rx.len).toBe(capacity);
    }
    tx.close();
    const rest: number[] = [];
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) rest.push(v);
    expectConsecutive(rest, expected);
    expect(expected + rest.length).toBe(next);
  });
});
