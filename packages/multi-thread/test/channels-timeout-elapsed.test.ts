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
