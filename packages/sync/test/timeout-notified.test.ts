// Pass mt29: `timeout(ms, notify.notified())` when the deadline wins. A `Notified` is marked
// `thenParksOwnWait`: `timeout` ends the wait its `then` registered, as Tokio's timeout drops the
// `Notified` future (which leaves the Notify's waiters and passes on a `notify_one` it got). A
// `Notified` whose wait ended so, before any notification, registers afresh when awaited again (a
// retry). Before, every elapsed `timeout(ms, notify.notified())` stayed registered and parked in
// the task until a notification came, and the next `notifyOne()` went to the oldest of those
// abandoned waits (its promise ignored by the timeout): the notification was lost, the task that
// was really waiting was not woken. A loop `for (;;) { try { await timeout(1000, n.notified()) }
// catch (Elapsed) { … } }` grew by one wait (~1.7 KB) per elapsed second.
import { Builder, type Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';
import { Notify } from '@rt/sync';

function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}

describe('timeout(ms, notified) around a Notify wait, when the deadline wins', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('ends the wait: it leaves the task, and a later notifyOne() wakes the task really waiting', async () => {
    const notify = new Notify();
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
    // Before: the notification went to the first abandoned wait; the waiter stayed parked.
    await expect(Promise.resolve(waiter)).resolves.toBeUndefined();
  });

  it('a retry (awaiting the same Notified again) waits anew and gets a later notification', async () => {
    const notify = new Notify();
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
    const notify = new Notify();
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
    const notify = new Notify();
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
    const notify = new Notify();
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

  it('a disposed Notified stays disposed (it does not register again)', async () => {
    const notify = new Notify();
    const notified = notify.notified();
    const pending = track(runtime.run(() => notified.wait()));
    await settle(2);
    notified[Symbol.dispose]();
    await expect(pending.promise).rejects.toThrow(/disposed/);
    await expect(runtime.run(async () => notified)).rejects.toThrow(/disposed/);
    notify.notifyOne();
    // The permit was stored, not taken by the disposed Notified.
    expect(notify.notified().enable()).toBe(true);
  });

  it('a long-lived task whose 2,000 timed-out waits are never notified keeps no wait per loop', async () => {
    const auto = Builder.currentThread().startPaused().build();
    try {
      const notify = new Notify();
      const stop = new Notify();
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
      // Before: 2,001 × 'Notify.notified'.
      expect(waitingOn(auto, task.id)).toEqual(['Notify.notified']);
      task.abort();
      await expect(Promise.resolve(task)).rejects.toThrow();
    } finally {
      await auto.shutdown();
    }
  });
});
