// Property tests: random interleavings of send / trySend / recv / tryRecv / abort / close on
// a bounded channel, checked against what a channel must guarantee: nothing lost, nothing
// duplicated, nothing reordered, every operation eventually settles.
import fc from 'fast-check';
import { isCancelled } from '@rt/scheduler';
import { settle, track, type Tracked } from '@rt/scheduler/testing';
import { mpsc, SendError, Semaphore, TryRecvError, type SemaphorePermit } from '@rt/sync';

type Command =
  | { kind: 'send' }
  | { kind: 'trySend' }
  | { kind: 'recv' }
  | { kind: 'recvMany'; limit: number }
  | { kind: 'tryRecv' }
  | { kind: 'abortSend'; index: number }
  | { kind: 'abortRecv'; index: number }
  | { kind: 'trySendThenAbortRecv'; index: number }
  | { kind: 'tryRecvThenAbortSend'; index: number }
  | { kind: 'closeReceiver' }
  | { kind: 'closeSender' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'send' } as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'trySend' } as const) },
  { weight: 3, arbitrary: fc.constant({ kind: 'recv' } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((limit) => ({ kind: 'recvMany', limit }) as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'tryRecv' } as const) },
  { weight: 2, arbitrary: fc.nat(20).map((index) => ({ kind: 'abortSend', index }) as const) },
  { weight: 2, arbitrary: fc.nat(20).map((index) => ({ kind: 'abortRecv', index }) as const) },
  { weight: 2, arbitrary: fc.nat(20).map((index) => ({ kind: 'trySendThenAbortRecv', index }) as const) },
  { weight: 2, arbitrary: fc.nat(20).map((index) => ({ kind: 'tryRecvThenAbortSend', index }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'closeReceiver' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'closeSender' } as const) },
);

interface TestSender {
  send(value: number, options?: { signal?: AbortSignal }): Promise<void>;
  trySend(value: number): void;
  clone(): TestSender;
  close(): void;
}

function wrapUnbounded(tx: mpsc.UnboundedSender<number>): TestSender {
  return {
    send: (value) => {
      try {
        tx.send(value);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    },
    trySend: (value) => tx.send(value),
    clone: () => wrapUnbounded(tx.clone()),
    close: () => tx.close(),
  };
}

function unboundedAsBounded(): [TestSender, mpsc.Receiver<number>] {
  const [tx, rx] = mpsc.unboundedChannel<number>();
  return [wrapUnbounded(tx), rx];
}

interface PendingSend {
  value: number;
  controller: AbortController;
  tracked: Tracked<void>;
}
interface PendingRecv {
  controller: AbortController;
  tracked: Tracked<unknown>;
}

describe('mpsc model', () => {
  it('bounded and unbounded: never loses, duplicates or reorders a value under random sends, receives, aborts and closes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.array(command, { maxLength: 40 }), async (capacity, commands) => {
        // Capacity 0 stands for an unbounded channel, driven through the same interface.
        const [tx, rx] = capacity === 0 ? unboundedAsBounded() : mpsc.channel<number>(capacity);
        const sender = tx.clone(); // closed only at the end, so the channel ends by our choice
        let next = 0;
        const log: number[] = [];
        const sent = new Set<number>();
        const notSent = new Set<number>();
        const sends: PendingSend[] = [];
        const recvs: PendingRecv[] = [];

        const trySend = (): void => {
          const value = next++;
          try {
            sender.trySend(value);
            sent.add(value);
          } catch {
            notSent.add(value);
          }
        };
        const tryRecv = (): void => {
          try {
            log.push(rx.tryRecv());
          } catch (error) {
            expect(error).toBeInstanceOf(TryRecvError);
          }
        };
        const pick = <T>(list: T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % list.length]);

        for (const c of commands) {
          switch (c.kind) {
            case 'send': {
              const value = next++;
              const controller = new AbortController();
              const promise = sender.send(value, { signal: controller.signal });
              promise.then(() => sent.add(value), () => notSent.add(value));
              sends.push({ value, controller, tracked: track(promise) });
              break;
            }
            case 'trySend':
              trySend();
              break;
            case 'recv': {
              const controller = new AbortController();
              const promise = rx.recv({ signal: controller.signal });
              promise.then((v) => v !== undefined && log.push(v), () => {});
              recvs.push({ controller, tracked: track(promise) });
              break;
            }
            case 'recvMany': {
              const controller = new AbortController();
              const out: number[] = [];
              const promise = rx.recvMany(out, c.limit, { signal: controller.signal });
              promise.then((n) => {
                expect(n).toBe(out.length);
                expect(n).toBeLessThanOrEqual(c.limit);
                log.push(...out);
              }, () => expect(out).toEqual([]));
              recvs.push({ controller, tracked: track(promise) });
              break;
            }
            case 'tryRecv':
              tryRecv();
              break;
            case 'abortSend':
              pick(sends, c.index)?.controller.abort();
              break;
            case 'abortRecv':
              pick(recvs, c.index)?.controller.abort();
              break;
            case 'trySendThenAbortRecv':
              // The abort lands in the same tick as the hand-off to the receiver.
              trySend();
              pick(recvs, c.index)?.controller.abort();
              break;
            case 'tryRecvThenAbortSend':
              // Freeing a slot hands it to the head sender; abort it in the same tick.
              tryRecv();
              pick(sends, c.index)?.controller.abort();
              break;
            case 'closeReceiver':
              rx.close();
              break;
            case 'closeSender':
              tx.close();
              break;
          }
          await settle();
        }

        // End of the stream: close every sender, then drain.
        tx.close();
        sender.close();
        for (let turns = 0; ; turns++) {
          expect(turns).toBeLessThan(1000);
          try {
            log.push(rx.tryRecv());
            await settle();
          } catch (error) {
            if ((error as TryRecvError).kind === 'Disconnected') break;
            await settle();
          }
        }
        await settle();

        // Every operation settled.
        for (const s of sends) expect(s.tracked.isPending()).toBe(false);
        for (const r of recvs) {
          expect(r.tracked.isPending()).toBe(false);
          if (r.tracked.isRejected()) expect(isCancelled(r.tracked.error)).toBe(true);
        }
        for (const s of sends) {
          if (s.tracked.isRejected()) {
            const e = s.tracked.error;
            expect(isCancelled(e) || (e instanceof SendError && e.value === s.value)).toBe(true);
          }
        }
        // Nothing duplicated or reordered: values were numbered in send-call order.
        for (let i = 1; i < log.length; i++) expect(log[i]).toBeGreaterThan(log[i - 1]!);
        // Nothing lost: what was sent was received, what was not sent was not.
        expect(new Set(log)).toEqual(sent);
        for (const v of notSent) expect(sent.has(v)).toBe(false);
        expect(sent.size + notSent.size).toBe(next);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Semaphore model', () => {
  it('conserves permits under random acquires, aborts, releases and added permits', async () => {
    type Op = { kind: 'acquire'; n: number } | { kind: 'abort'; index: number } | { kind: 'release'; index: number } | { kind: 'add'; n: number } | { kind: 'abortThenAdd'; index: number; n: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((n) => ({ kind: 'acquire', n }) as const),
      fc.nat(20).map((index) => ({ kind: 'abort', index }) as const),
      fc.nat(20).map((index) => ({ kind: 'release', index }) as const),
      fc.integer({ min: 1, max: 2 }).map((n) => ({ kind: 'add', n }) as const),
      fc.record({ index: fc.nat(20), n: fc.integer({ min: 1, max: 3 }) }).map((r) => ({ kind: 'abortThenAdd', ...r }) as const),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 40 }), async (initial, ops) => {
        const s = new Semaphore(initial);
        let total = initial;
        const waits: { n: number; controller: AbortController; tracked: Tracked<SemaphorePermit> }[] = [];
        const held: SemaphorePermit[] = [];
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const controller = new AbortController();
            const promise = s.acquireMany(o.n, { signal: controller.signal });
            promise.then((p) => held.push(p), () => {});
            waits.push({ n: o.n, controller, tracked: track(promise) });
          } else if (o.kind === 'abort' || o.kind === 'abortThenAdd') {
            if (o.kind === 'abortThenAdd') {
              s.addPermits(o.n);
              total += o.n;
            }
            if (waits.length > 0) waits[o.index % waits.length]!.controller.abort();
          } else if (o.kind === 'release') {
            if (held.length > 0) held.splice(o.index % held.length, 1)[0]!.release();
          } else {
            s.addPermits(o.n);
            total += o.n;
          }
          await settle();
          const inHand = held.reduce((sum, p) => sum + p.permits, 0);
          expect(s.availablePermits + inHand).toBe(total);
        }
        // Release everything (again and again, as waiters get served); with at least
        // 3 permits in total, every waiter that was not aborted is served in turn.
        s.addPermits(3);
        total += 3;
        for (let turns = 0; held.length > 0 || waits.some((w) => w.tracked.isPending()); turns++) {
          expect(turns).toBeLessThan(100);
          for (const p of held.splice(0)) p.release();
          await settle();
        }
        for (const w of waits) {
          expect(w.tracked.isPending()).toBe(false);
          if (w.tracked.isRejected()) expect(isCancelled(w.tracked.error)).toBe(true);
        }
        expect(s.availablePermits).toBe(total);
      }),
      { numRuns: 150 },
    );
  });
});
