// Pass rc31: the moments a `timeout(ms, rx)` lets go of its oneshot receiver. The timer holds the
// receiver from its start to its outcome (one field since rc31, `source`: it was two, `source` and
// `keeps`), for two things: to give a value back when the caller's abort overtook the hand-off
// (`giveBack`), and to have the receiver keep what its receive took meanwhile (`keepTaken`).
// (1) The give-back at the abort happens once: the receive's outcome comes after it and gives
// nothing back again, even when a receive in the abort's run took the value meanwhile. (2) The
// outcome ends the keeping, after a give-back `late` made (a value already there when the timeout
// started): the receiver then treats a take as final (`tryRecv` says Disconnected, not Empty) and
// keeps no value it handed out.
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { timeout } from '@rt/time';
import { oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './support/try-recv.js';
import { abortedTimeout } from './support/recv-window.js';
import { heapAfterGc } from './support/timeout-specs.js';

describe('timeout(ms, rx): when the timer lets go of the receiver (pass rc31)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("the caller's abort gives back once: a take in the abort's run is final after the receive's outcome (no second give-back)", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    controller.abort();
    const taken = tryRecvOf(rx); // the value, back at the abort
    expect(await Promise.resolve(task)).toBe('error Cancelled');
    await settle(4);
    expect([taken, tryRecvOf(rx), rx.isClosed]).toEqual(['value 7', 'Disconnected', true]);
  });

  it("the same for a list receive (another receive parked first, then aborted)", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const first = new AbortController();
    const task = runtime.spawn(async () => {
      const other = rx.recv({ signal: first.signal }).catch(() => 'aborted');
      const mine = outcomeOf(timeout(100, rx, { signal: controller.signal }));
      first.abort();
      return [await other, await mine];
    });
    await settle(2);
    tx.send(8);
    controller.abort();
    const taken = tryRecvOf(rx);
    expect(await Promise.resolve(task)).toEqual(['aborted', 'error Cancelled']);
    await settle(4);
    expect([taken, tryRecvOf(rx)]).toEqual(['value 8', 'Disconnected']);
  });

  it("the outcome ends the keeping after late()'s give-back: the value given back, taken, is then gone for good", async () => {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(5);
    const outcome = await abortedTimeout(runtime, rx);
    expect(outcome).toBe('error Cancelled');
    await settle(4);
    // Given back by `late` when the receive's outcome came; the keeping ended right after.
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 5', 'Disconnected', true]);
  });

  it('the outcome ends the keeping when the caller got the value: the receiver keeps nothing it handed out', async () => {
    const [tx, rx] = oneshot.channel<object>();
    let ref: WeakRef<object> | undefined;
    const task = runtime.spawn(async () => {
      const got = await timeout(100, rx);
      ref = new WeakRef(got);
      return 'done';
    });
    await settle(2);
    tx.send({ big: new Array(1_000).fill(1) });
    expect(await Promise.resolve(task)).toBe('done');
    expect(tryRecvOf(rx)).toBe('Disconnected');
    await settle(2);
    // The receiver (alive here) no longer holds the value: nothing else does.
    await heapAfterGc(); // full GCs and timers: weak references cleared
    expect(ref!.deref()).toBeUndefined();
    expect(rx.isClosed).toBe(true);
  });
});
