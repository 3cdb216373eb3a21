// Pass mt29: what `timeout(ms, …)` (`@rt/time`) around a cross-thread channel's thenable leaves
// behind when the deadline wins. `shared.oneshot`'s Receiver is marked `thenParksOwnWait` (each
// `then` is a receive of its own), as @rt/sync's oneshot (pass lk28): `timeout` ends the receive,
// it leaves the task's waits, and a value sent later stays in shared memory for the next receive.
// Before, every timed-out receive stayed parked in the task (and kept the thread's event loop
// alive) until a send that may never come, and its end's `Atomics.waitAsync` stayed armed (it kept
// the channel alive after both ends were dropped): a long-lived task doing request/response over
// `shared.oneshot` with `timeout(ms, rx)` grew by ~3.4 KB per timed-out request.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { Notify } from '@rt/sync';
import { Elapsed, advance, timeout } from '@rt/time';
import { shared } from '@rt/multi-thread';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Never notified: a task parks on it to live on until aborted. */
const forever = new Notify();

function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('timeout(ms, rx) around a shared.oneshot Receiver when the deadline wins', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('ends the receive: it leaves the task, and a value sent later goes to the next receive (a retry)', async () => {
    const [tx, rx] = shared.oneshot.channel<number>();
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
    const [tx, rx] = shared.oneshot.channel<number>();
    const task = runtime.spawn(() => timeout(100, rx));
    await settle(2);
    await runtime.run(() => advance(100));
    await expect(Promise.resolve(task)).rejects.toThrow(/did not complete within 100 ms/);
    tx.send(8);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the receiver's watch wakes (before: its parked receive took the value)
    expect(rx.tryRecv()).toBe(8);
  });

  it('a long-lived task doing 2,000 timed-out requests whose senders are dropped keeps no wait per request', async () => {
    const auto = Builder.currentThread().startPaused().build();
    try {
      const pending = new Map<number, shared.oneshot.Sender<number>>();
      let timedOut = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const task = auto.spawn(async () => {
        for (let id = 0; id < 2_000; id++) {
          const [tx, rx] = shared.oneshot.channel<number>();
          pending.set(id, tx);
          try {
            await timeout(5_000, rx);
          } catch {
            pending.delete(id);
            timedOut++;
          }
        }
        done();
        await forever.notified(); // lives on (an rt wait: an abort ends it)
      });
      await finished;
      await settle(2);
      expect(timedOut).toBe(2_000);
      // Before: 2,000 × 'oneshot.Receiver.recv' as well.
      expect(waitingOn(auto, task.id)).toEqual(['Notify.notified']);
      task.abort();
      await expect(Promise.resolve(task)).rejects.toThrow();
    } finally {
      await auto.shutdown();
    }
  });

  it('a channel whose receive timed out is collected once both ends are dropped (its armed wait was woken)', async () => {
    let dropped: WeakRef<object> | undefined;
    const task = runtime.spawn(async () => {
      const [, rx] = shared.oneshot.channel<number>();
      dropped = new WeakRef(rx);
      await expect(timeout(100, rx)).rejects.toBeInstanceOf(Elapsed);
    });
    await settle(2);
    await runtime.run(() => advance(100));
    await task;
    await collectGarbage();
    // Before: the receiver's pending Atomics.waitAsync kept it (and its buffers) for the thread's life.
    expect(dropped!.deref()).toBeUndefined();
  });
});

describe('timeout(ms, notified) around a shared.Notify wait when the deadline wins', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('ends the wait: it is withdrawn and leaves the task, and a later notifyOne() wakes the task really waiting', async () => {
    const notify = new shared.Notify();
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
    // Before: the abandoned waits were still registered and could take the notification.
    await expect(Promise.resolve(waiter)).resolves.toBeUndefined();
    expect(notify.notified().enable()).toBe(false); // no permit left over, nothing counted twice
  });

  it('a retry (awaiting the same Notified again) registers anew and gets a later notification', async () => {
    const notify = new shared.Notify();
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

  it('a disposed Notified stays disposed (it does not register again)', async () => {
    const notify = new shared.Notify();
    const notified = notify.notified();
    const pending = runtime.run(() => notified.wait());
    await settle(2);
    notified[Symbol.dispose]();
    await expect(pending).rejects.toThrow(/disposed/);
    await expect(runtime.run(async () => notified)).rejects.toThrow(/disposed/);
  });

  it('a long-lived task whose 2,000 timed-out waits are never notified keeps no wait per loop', async () => {
    const auto = Builder.currentThread().startPaused().build();
    try {
      const notify = new shared.Notify();
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
        await forever.notified();
      });
      await finished;
      await settle(2);
      expect(elapsed).toBe(2_000);
      // Before: 2,000 × 'Notify.notified' more (shared.Notify's label is the same as @rt/sync's).
      expect(waitingOn(auto, task.id)).toEqual(['Notify.notified']);
      task.abort();
      await expect(Promise.resolve(task)).rejects.toThrow();
    } finally {
      await auto.shutdown();
    }
  });
});
