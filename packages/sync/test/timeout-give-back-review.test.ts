// Review rv39 of pass rc31: a sent promise (or thenable) that rejects, given back when the caller
// of `timeout(ms, rx, { signal })` aborts; `tryRecv`/`isClosed` while a timeout around a receive is
// unfinished (the KEEP count). Attacks: reasons that compare equal by coincidence (undefined, a
// primitive, the same promise taken twice), a foreign thenable, the count's return to zero at every
// outcome (Elapsed, a shutdown, the sender closed), and a receiver no timeout ever touched.
import { Builder, type Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, timeout } from '@rt/time';
import { oneshot } from '@rt/sync';
import { outcomeOf, tryRecvOf } from './support/try-recv.js';
import { heapAfterGc } from './support/timeout-specs.js';
import { abortedTimeout, stateOf } from './support/recv-window.js';

/** A promise rejected with `reason`, marked handled (as a sender would keep it from being reported). */
function rejectedWith(reason: unknown): Promise<number> {
  const promise = Promise.reject(reason);
  promise.catch(() => undefined);
  return promise;
}

describe('timeout(ms, rx): give-backs of rejecting values and the KEEP count (review rv39 of pass rc31)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it.each([
    ['undefined', undefined],
    ['0', 0],
    ['null', null],
  ])('a sent promise that rejects with %s goes back as sent, and is then received once', async (_name, reason) => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const sent = rejectedWith(reason);
    tx.send(sent);
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    expect(stateOf(rx)).toBe('Value');
    const got = await runtime.run(() => rx.recv().then(() => 'value', (e: unknown) => e));
    expect(got).toBe(reason);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('the same promise taken and given back twice (two aborted timeouts in turn), then received: its rejection once', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const sent = rejectedWith(0);
    tx.send(sent);
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('a sent promise the sender never handled: given back and received, no unhandled rejection on the way (jest fails on one)', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    tx.send(Promise.reject(new RangeError('sent')));
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe('error RangeError');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tryRecvOf(rx)).toBe('Disconnected');
  });

  it('two timeouts on one receiver, both aborted: the take is given back once, the "already received" not at all', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    const sent = rejectedWith(undefined);
    tx.send(sent);
    const outcomes = await runtime.run(() => {
      const a = new AbortController();
      const b = new AbortController();
      const first = outcomeOf(timeout(100, rx, { signal: a.signal }));
      const second = outcomeOf(timeout(100, rx, { signal: b.signal }));
      b.abort();
      a.abort();
      return Promise.all([first, second]);
    });
    expect(outcomes).toEqual(['error Cancelled', 'error Cancelled']);
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });

  it('a foreign thenable that rejects goes back as sent (the thenable itself)', async () => {
    const [tx, rx] = oneshot.channel<PromiseLike<number>>();
    const sent: PromiseLike<number> = {
      then: (_onFulfilled, onRejected) => {
        onRejected?.(undefined);
        return sent as never;
      },
    };
    tx.send(sent);
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
    expect(tryRecvOf(rx)).toBe('Disconnected');
  });

  it('a rejection given back is not kept once received (the reason recorded at the take is let go)', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    let ref: WeakRef<object> | undefined;
    (() => {
      const reason = new Error('sent');
      ref = new WeakRef(reason);
      tx.send(rejectedWith(reason));
    })();
    expect(await abortedTimeout(runtime, rx)).toBe('error Cancelled');
    await settle(4);
    expect(await runtime.run(() => outcomeOf(rx.recv()))).toBe('error Error');
    await settle(2);
    await heapAfterGc(); // full GCs and timers: weak references cleared
    expect(ref!.deref()).toBeUndefined();
    expect(rx.isClosed).toBe(true);
  });

  it('the count returns to zero at Elapsed: a value sent after it, taken, is then gone for good', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(10, rx)));
    await settle(2);
    await runtime.run(() => advance(10));
    expect(await Promise.resolve(task)).toBe('error Elapsed');
    tx.send(3);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 3', 'Disconnected', true]);
  });

  it('the count returns to zero when the sender closes without sending', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    tx.close();
    expect(await Promise.resolve(task)).toBe('error RecvError');
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
    expect((rx as unknown as { flags: number }).flags).toBeLessThan(64);
  });

  it('the count returns to zero at the runtime\'s shutdown (the receive parked in the task)', async () => {
    const [tx, rx] = oneshot.channel<number>();
    const task = runtime.spawn(() => outcomeOf(timeout(100, rx)));
    await settle(2);
    await runtime.shutdown();
    await settle(2);
    expect(await Promise.resolve(task).catch((e: Error) => e.name)).toBeDefined();
    tx.send(4);
    expect([tryRecvOf(rx), tryRecvOf(rx), rx.isClosed]).toEqual(['value 4', 'Disconnected', true]);
  });

  it('a sent promise still pending when the timeout elapses: Empty while it is pending (it comes back), the value after', async () => {
    const [tx, rx] = oneshot.channel<Promise<number>>();
    let fulfil!: (value: number) => void;
    const sent = new Promise<number>((resolve) => (fulfil = resolve));
    tx.send(sent);
    const task = runtime.spawn(() => outcomeOf(timeout(10, rx)));
    await settle(2);
    await runtime.run(() => advance(10));
    expect(await Promise.resolve(task)).toBe('error Elapsed');
    // The timeout's receive took it ready and still awaits it: not final (it comes back).
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Empty', false]);
    fulfil(1);
    await settle(4);
    expect(rx.tryRecv()).toBe(sent);
    expect([tryRecvOf(rx), rx.isClosed]).toEqual(['Disconnected', true]);
  });
});
