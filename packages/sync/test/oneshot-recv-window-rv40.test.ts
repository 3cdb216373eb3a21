// Review rv40 of pass rw32: attacks on the window a `timeout(ms, rx)`'s receive holds the value in
// (a recv() started then parks until that timeout's outcome). Nothing sent lost, nothing delivered
// twice, every parked receive abortable and cancel safe, no receive waits on its own keep, the
// "own receive" mark never leaks onto a later receive, and the count back to zero in every outcome.
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, timeout } from '@rt/time';
import { Notify, oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './support/try-recv.js';
import { heapAfterGc } from './support/timeout-specs.js';
import { elapsedHoldingPending, keeps, sendIntoTimeout } from './support/recv-window.js';

describe('oneshot recv() window (review rv40 of pass rw32)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("two recv() parked in tasks; the first's task aborted in the give-back's run: the second gets the value", async () => {
    const [tx, rx] = oneshot.channel<number>();
    const controller = new AbortController();
    const holder = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
    await settle(2);
    tx.send(7);
    const first = runtime.spawn(() => outcomeOf(rx.recv()));
    const second = runtime.spawn(() => outcomeOf(rx.recv()));
    await settle(2);
    first.abort();
    controller.abort();
    const got = [await Promise.resolve(first).catch((e: Error) => `task ${e.name}`), await Promise.resolve(second), await Promise.resolve(holder)];
    const values = got.filter((g) => g === 'value 7').length + (tryRecvOf(rx) === 'value 7' ? 1 : 0);
    expect(values).toBe(1);
    expect(keeps(rx)).toBe(0);
  });

  it('two recv() parked in the same run; the first aborted by its signal in the give-back run, before it: the second gets the value', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const own = new AbortController();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      const first = outcomeOf(rx.recv({ signal: own.signal }));
      const second = outcomeOf(rx.recv());
      own.abort();
      controller.abort();
      return Promise.all([first, second]);
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toEqual(['error Cancelled', 'value 7']);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it('the parked recv() aborted by its signal right after the give-back in the same run: it delivers (woken wins), once', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const own = new AbortController();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, (controller) => {
      const first = outcomeOf(rx.recv({ signal: own.signal }));
      controller.abort();
      own.abort();
      return first;
    });
    expect(outcome).toBe('error Cancelled');
    expect(await received).toBe('value 7');
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it('a timeout started in the window with an already-aborted signal: no mark leaks, a later recv() still parks and gets the value', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const aborted = AbortSignal.abort();
    expect(await runtime.run(() => outcomeOf(timeout(10, rx, { signal: aborted })))).toBe('error Cancelled');
    expect(await outcomeOf(timeout(-1, rx))).toBe('error RangeError');
    expect(keeps(rx)).toBe(1);
    const received = outcomeOf(rx.recv());
    await settle(4);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Empty', false]);
    sent.fulfil(9);
    expect(await received).toBe('value 9');
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it('a timeout started in the window (told at once) leaves no mark: a recv() after it parks', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    expect(await runtime.run(() => outcomeOf(timeout(10, rx)))).toBe('error RecvError');
    const received = outcomeOf(rx.recv());
    const awaited = outcomeOf(rx);
    await settle(4);
    sent.fulfil(3);
    expect([await received, await awaited]).toEqual(['value 3', 'error RecvError']);
    expect(keeps(rx)).toBe(0);
  });

  it('recv() parked in the window when the runtime shuts down: it settles, the count returns to zero, the value is not lost to a dead task', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const task = runtime.spawn(() => outcomeOf(rx.recv()));
    const outside = outcomeOf(rx.recv());
    await settle(4);
    await runtime.shutdown();
    expect(await Promise.resolve(task).catch((e: Error) => `task ${e.name}`)).toMatch(/task|Cancelled/);
    sent.fulfil(4);
    expect(await outside).toBe('value 4');
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it('recv() parked in the window; the holding timeout elapses with a plain value then its caller got it: "already received", count zero', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const [outcome, received] = await sendIntoTimeout(runtime, rx, tx, () => [outcomeOf(rx.recv()), outcomeOf(rx.recv({ signal: new AbortController().signal }))]);
    expect(outcome).toBe('value 7');
    expect(await Promise.all(received)).toEqual(['error RecvError', 'error RecvError']);
    expect(keeps(rx)).toBe(0);
  });

  it('the timeout holding a pending sent promise is given the sent promise rejecting: parked recv() gets the rejection once, the next "already received"', async () => {
    const { rx, sent } = await elapsedHoldingPending(runtime);
    const reason = new Error('x');
    const first = rx.recv().then(() => 'fulfilled', (e: unknown) => (e === reason ? 'sent' : String(e)));
    const second = outcomeOf(rx.recv());
    await settle(4);
    sent.reject(reason);
    expect([await first, await second]).toEqual(['sent', 'error RecvError']);
    expect(keeps(rx)).toBe(0);
  });

  it('two holding timeouts; give-back by the first while the second still keeps: the parked recv() gets it, its take kept until the last', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const c1 = new AbortController();
    const t1 = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: c1.signal })));
    const t2 = runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    expect(keeps(rx)).toBe(2);
    tx.send(7);
    const received = outcomeOf(rx.recv());
    c1.abort();
    expect([await Promise.resolve(t1), await received]).toEqual(['error Cancelled', 'value 7']);
    await runtime.run(() => advance(100));
    expect(await Promise.resolve(t2)).toMatch(/error (RecvError|Elapsed)/);
    await settle(4);
    expect([tryRecvOf(rx), keeps(rx)]).toEqual(['Disconnected', 0]);
  });

  it('after the window, the receiver and the value are collectable (nothing retained by the parked list)', async () => {
    let refs: WeakRef<object>[] = [];
    await (async () => {
      const [tx, rx] = oneshot.channel<object>();
      const value = { big: new Array(1_000).fill(1) };
      refs = [new WeakRef(rx), new WeakRef(value)];
      const controller = new AbortController();
      const task = runtime.spawn(() => outcomeOf(timeout(100, rx, { signal: controller.signal })));
      await settle(2);
      tx.send(value);
      const got = outcomeOf(rx.recv());
      const other = outcomeOf(rx.recv());
      controller.abort();
      expect(await Promise.resolve(task)).toBe('error Cancelled');
      expect([await got, await other]).toEqual(['value [object Object]', 'error RecvError']);
    })();
    await settle(4);
    await heapAfterGc(); // full GCs and timers: weak references cleared
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
  });
  // Review rv40's defect (@rt/time's `swallow`, fails on rw32 and its base): a `timeout` that fails
  // before it waits marked its work's outcome handled by calling its `then`, which on a receiver
  // starts a receive that takes the value and drops it.
  it('timeout(10, rx) given an aborted signal: the value sent later stays in the channel', async () => {
    const [tx, rx] = oneshot.channel<number>();
    expect(await runtime.run(() => outcomeOf(timeout(10, rx, { signal: AbortSignal.abort() })))).toBe('error Cancelled');
    tx.send(1);
    await settle(2);
    expect(tryRecvOf(rx)).toBe('value 1');
  });

  it('timeout(10, rx) given an aborted signal, the value already there: it stays', async () => {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(1);
    expect(await runtime.run(() => outcomeOf(timeout(10, rx, { signal: AbortSignal.abort() })))).toBe('error Cancelled');
    await settle(2);
    expect(tryRecvOf(rx)).toBe('value 1');
  });

  it('timeout(-1, rx) (RangeError): the value sent later stays in the channel', async () => {
    const [tx, rx] = oneshot.channel<number>();
    expect(await runtime.run(() => outcomeOf(timeout(-1, rx)))).toBe('error RangeError');
    tx.send(1);
    await settle(2);
    expect(tryRecvOf(rx)).toBe('value 1');
  });
  it('timeout(-1, notify.notified()) (RangeError): a notifyOne() after it is not taken by an ignored wait', async () => {
    const notify = new Notify();
    expect(await outcomeOf(timeout(-1, notify.notified()))).toBe('error RangeError');
    notify.notifyOne();
    await settle(2);
    let got = false;
    void runtime.run(() => notify.notified().then(() => (got = true)));
    await settle(4);
    expect(got).toBe(true);
  });
});
