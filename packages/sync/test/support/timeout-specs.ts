// Passes lk28 and mt29: specs of `timeout(ms, x)` when the deadline wins, shared by the thenables
// marked `thenParksOwnWait` that have a cross-thread twin: @rt/sync's oneshot `Receiver` and
// `Notified` (test/timeout-elapsed-wait.test.ts, test/timeout-notified.test.ts) and
// @rt/multi-thread's `shared.oneshot` / `shared.Notify` (its test/channels-timeout-elapsed.test.ts).
// Each spec fails on the base build of its pass: the wait stayed parked in the task.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, type Runtime } from '@rt/scheduler';
import { WaitList, parkSimple } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The labels of the waits task `id` is parked on, as `dump()` lists them. */
export function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}

/** Four rounds of a full GC and a 5 ms timer (weak references cleared, armed waits woken); the heap used then. */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return process.memoryUsage().heapUsed;
}

/** A paused runtime without auto-advance, made before each spec of the enclosing describe and shut down after it. */
function pausedRuntimeEach(): () => Runtime {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });
  return () => runtime;
}

/** What the specs use of a oneshot channel. */
export interface OneshotUnderTest {
  channel<T>(): [{ send(value: T): void }, PromiseLike<T> & { tryRecv(): T }];
}

/** Registers the shared specs under `title`; the long-lived task makes `requests` timed-out requests. */
export function describeTimeoutOneshot(title: string, oneshot: OneshotUnderTest, requests: number): void {
  describe(title, () => {
    const current = pausedRuntimeEach();
    let runtime: Runtime;
    beforeEach(() => (runtime = current()));

    it('ends the receive: it leaves the task, and a value sent later goes to the next receive (a retry)', async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(async () => {
        const first = await timeout(100, rx).catch((error: unknown) => error);
        expect(first).toBeInstanceOf(Elapsed);
        expect(waitingOn(runtime, task.id)).toEqual([]);
        return await rx; // the retry
      });
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['oneshot.Receiver.recv', 'time.timeout']);
      await runtime.run(() => advance(100));
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['oneshot.Receiver.recv']);
      tx.send(7);
      await expect(Promise.resolve(task)).resolves.toBe(7);
    });

    it('a value sent after the deadline and before any retry stays in the channel (tryRecv)', async () => {
      const [tx, rx] = oneshot.channel<number>();
      const task = runtime.spawn(() => timeout(100, rx));
      await settle(2);
      await runtime.run(() => advance(100));
      await expect(Promise.resolve(task)).rejects.toThrow(/did not complete within 100 ms/);
      tx.send(8);
      // A cross-thread receiver's watch wakes a turn later (before: its parked receive took the value).
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rx.tryRecv()).toBe(8);
    });

    // Pass rc30 (giveBack on both receivers): the receive took the ready value at once, its outcome
    // a microtask away when the caller's abort rejects the timeout; the value goes back, as sent.
    it("a value already sent, then the caller's signal aborts in the same run: Cancelled, the value stays in the channel", async () => {
      const [tx, rx] = oneshot.channel<{ n: number }>();
      const controller = new AbortController();
      tx.send({ n: 5 });
      await new Promise((resolve) => setTimeout(resolve, 20)); // a cross-thread send is seen at once, but let its watch settle
      const outcome = await runtime.run(() => {
        const wait = timeout(100, rx, { signal: controller.signal }).then(
          (v) => `value ${v.n}`,
          (e: unknown) => `error ${(e as Error).name}`,
        );
        controller.abort();
        return wait;
      });
      expect(outcome).toBe('error Cancelled');
      await settle(2);
      expect(rx.tryRecv()).toEqual({ n: 5 });
      expect(() => rx.tryRecv()).toThrow();
    });

    it(`a long-lived task doing ${requests.toLocaleString('en')} timed-out requests whose senders are dropped keeps no wait and no memory per request`, async () => {
      const auto = Builder.currentThread().startPaused().build();
      try {
        const pending = new Map<number, unknown>();
        const forever = new WaitList<void>();
        let timedOut = 0;
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        const task = auto.spawn(async () => {
          for (let id = 0; id < requests; id++) {
            const [tx, rx] = oneshot.channel<number>();
            pending.set(id, tx);
            try {
              await timeout(5_000, rx);
            } catch {
              pending.delete(id);
              timedOut++;
            }
          }
          done();
          await parkSimple(forever, 'test.forever', undefined); // lives on (an rt wait: an abort ends it)
        });
        await settle(2);
        const before = await heapAfterGc();
        await finished;
        const after = await heapAfterGc();
        expect(timedOut).toBe(requests);
        expect(waitingOn(auto, task.id)).toEqual(['test.forever']); // and one 'oneshot.Receiver.recv' per request before
        // Before: ~1.7 KB per request (@rt/sync), ~3 KB (shared.oneshot); now nothing per request (a few hundred KB of noise).
        expect(after - before).toBeLessThan(4_000_000);
        task.abort();
        await expect(Promise.resolve(task)).rejects.toThrow();
      } finally {
        await auto.shutdown();
      }
    }, 60_000); // 20,000 requests: ~2.5 s on a quiet machine, over 20 s at load 9 (two cores shared)
  });
}

/** What the specs use of a Notify. */
export interface NotifyUnderTest {
  notified(): PromiseLike<void> & Disposable & { enable(): boolean; wait(): Promise<void> };
  notifyOne(): void;
  notifyWaiters(): void;
}

/** Registers the shared specs under `title`; `make` makes a fresh Notify. */
export function describeTimeoutNotified(title: string, make: () => NotifyUnderTest): void {
  describe(title, () => {
    const current = pausedRuntimeEach();
    let runtime: Runtime;
    beforeEach(() => (runtime = current()));

    it('ends the wait: it leaves the task, and a later notifyOne() wakes the task really waiting', async () => {
      const notify = make();
      const looper = runtime.spawn(async () => {
        for (let i = 0; i < 3; i++) await expect(timeout(100, notify.notified())).rejects.toBeInstanceOf(Elapsed);
        expect(waitingOn(runtime, looper.id)).toEqual([]);
      });
      await settle(2);
      expect(waitingOn(runtime, looper.id)).toEqual(['Notify.notified', 'time.timeout']);
      for (let i = 0; i < 3; i++) {
        await runtime.run(() => advance(100));
        await settle(2);
      }
      await looper;
      const waiter = runtime.spawn(() => notify.notified());
      await settle(2);
      notify.notifyOne();
      // Before: the notification went to an abandoned wait; the waiter stayed parked.
      await expect(Promise.resolve(waiter)).resolves.toBeUndefined();
      expect(notify.notified().enable()).toBe(false); // no permit left over, nothing counted twice
    });

    it('a retry (awaiting the same Notified again) registers anew and gets a later notification', async () => {
      const notify = make();
      const task = runtime.spawn(async () => {
        const notified = notify.notified();
        await expect(timeout(100, notified)).rejects.toBeInstanceOf(Elapsed);
        expect(waitingOn(runtime, task.id)).toEqual([]);
        await notified; // the retry
        return 'woken';
      });
      await settle(2);
      await runtime.run(() => advance(100));
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['Notify.notified']);
      notify.notifyOne();
      await expect(Promise.resolve(task)).resolves.toBe('woken');
    });

    it('a notifyWaiters() after the Notified was created still counts for the retry (as in Tokio)', async () => {
      const notify = make();
      const notified = notify.notified();
      const task = runtime.spawn(async () => {
        await expect(timeout(100, notified)).rejects.toBeInstanceOf(Elapsed);
      });
      await settle(2);
      await runtime.run(() => advance(100));
      await task;
      notify.notifyWaiters();
      await expect(runtime.run(async () => notified)).resolves.toBeUndefined();
    });

    it("a Notified registered with enable() before the timeout is the caller's: the timeout leaves it registered", async () => {
      const notify = make();
      const notified = notify.notified();
      const task = runtime.spawn(async () => {
        notified.enable();
        await expect(timeout(100, notified)).rejects.toBeInstanceOf(Elapsed);
        expect(waitingOn(runtime, task.id)).toEqual(['Notify.notified']);
        await notified;
      });
      await settle(2);
      await runtime.run(() => advance(100));
      await settle(2);
      notify.notifyOne();
      await task;
    });

    it("another then of the same Notified while the timeout holds its wait shares it: Cancelled when the deadline wins, then it waits anew", async () => {
      const notify = make();
      const notified = notify.notified();
      const task = runtime.spawn(async () => {
        const limited = timeout(100, notified);
        const shared = notified.then(() => 'notified');
        await expect(limited).rejects.toBeInstanceOf(Elapsed);
        await expect(shared).rejects.toThrow(/cancelled/i);
        return await notified.then(() => 'notified');
      });
      await settle(2);
      await runtime.run(() => advance(100));
      await settle(2);
      notify.notifyOne();
      await expect(Promise.resolve(task)).resolves.toBe('notified');
    });

    it('a disposed Notified stays disposed (it does not register again, nor take a notification)', async () => {
      const notify = make();
      const notified = notify.notified();
      const pending = runtime.run(() => notified.wait());
      await settle(2);
      notified[Symbol.dispose]();
      await expect(pending).rejects.toThrow(/disposed/);
      await expect(runtime.run(async () => notified)).rejects.toThrow(/disposed/);
      notify.notifyOne();
      expect(notify.notified().enable()).toBe(true); // the permit was stored
    });

    it('a long-lived task whose 2,000 timed-out waits are never notified keeps no wait per loop', async () => {
      const auto = Builder.currentThread().startPaused().build();
      try {
        const notify = make();
        const stop = make();
        let elapsed = 0;
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        const task = auto.spawn(async () => {
          for (let i = 0; i < 2_000; i++) {
            try {
              await timeout(1_000, notify.notified());
            } catch (error) {
              if (error instanceof Elapsed) elapsed++;
            }
          }
          done();
          await stop.notified();
        });
        await finished;
        await settle(2);
        expect(elapsed).toBe(2_000);
        // Before: 2,000 × 'Notify.notified' more.
        expect(waitingOn(auto, task.id)).toEqual(['Notify.notified']);
        task.abort();
        await expect(Promise.resolve(task)).rejects.toThrow();
      } finally {
        await auto.shutdown();
      }
    });
  });
}
