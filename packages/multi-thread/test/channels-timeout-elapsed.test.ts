// Pass mt29: what `timeout(ms, …)` (`@rt/time`) around a cross-thread channel's thenable leaves
// behind when the deadline wins. `shared.oneshot`'s Receiver is marked `thenParksOwnWait` (each
// `then` is a receive of its own), as @rt/sync's oneshot (pass lk28): `timeout` ends the receive,
// it leaves the task's waits, and a value sent later stays in shared memory for the next receive.
// Before, every timed-out receive stayed parked in the task (and kept the thread's event loop
// alive) until a send that may never come, and its end's `Atomics.waitAsync` stayed armed (it kept
// the channel alive after both ends were dropped): a long-lived task doing request/response over
// `shared.oneshot` with `timeout(ms, rx)` grew by ~3 KB per timed-out request. `shared.Notify`'s
// `Notified` is marked too (the specs shared with @rt/sync's Notify, at the end).
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { Elapsed, advance, timeout } from '@rt/time';
import { shared } from '@rt/multi-thread';
import { describeTimeoutNotified, describeTimeoutOneshot, heapAfterGc } from '../../sync/test/support/timeout-specs.js';

// The first specs are @rt/sync's oneshot's (passes lk28, mt29), run on shared.oneshot.
describeTimeoutOneshot('timeout(ms, rx) around a shared.oneshot Receiver when the deadline wins', shared.oneshot, 2_000);

describe('timeout(ms, rx) around a shared.oneshot Receiver when the deadline wins: what a cross-thread end keeps', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
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
    await heapAfterGc();
    // Before: the receiver's pending Atomics.waitAsync kept it (and its buffers) for the thread's life.
    expect(dropped!.deref()).toBeUndefined();
  });
});

// The Notify specs are @rt/sync's, run on shared.Notify (the same label, 'Notify.notified').
describeTimeoutNotified('timeout(ms, notified) around a shared.Notify wait when the deadline wins', () => new shared.Notify());
