// `then` on a Sleep with no wait pending makes the wait's promise the one it returns (issue
// 16): the callbacks are kept on the Sleep and run, at the fire or the cancellation, in a
// promise job of their own (`Fired`), with a promise reaction's outcome rules. These tests
// pin those rules (value, adoption, throw, missing callbacks), the job order against plain
// promises, and cancellation (dispose, task abort, signal) leaving no timer behind.
import { Builder, Cancelled } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep } from '@rt/time';

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

describe('Sleep.then keeps its callbacks until the fire', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('settles then\'s promise with the callback\'s outcome: value, adopted promise, throw', async () => {
    const [value, adopted, thrown, passed, onlyRejected] = await runtime.run(async () => {
      const value = sleep(10).then(() => 42);
      const adopted = sleep(10).then(() => Promise.resolve('inner'));
      const thrown = sleep(10).then(() => {
        throw new RangeError('from the callback');
      });
      const passed = sleep(10).then();
      const onlyRejected = sleep(10).then(undefined, () => 'unused');
      const all = Promise.allSettled([value, adopted, thrown, passed, onlyRejected]);
      expect(pendingTimers(runtime)).toBe(5);
      await advance(10);
      return all;
    });
    expect(value).toEqual({ status: 'fulfilled', value: 42 });
    expect(adopted).toEqual({ status: 'fulfilled', value: 'inner' });
    expect(thrown.status === 'rejected' && thrown.reason instanceof RangeError).toBe(true);
    expect(passed).toEqual({ status: 'fulfilled', value: undefined });
    expect(onlyRejected).toEqual({ status: 'fulfilled', value: undefined });
    expect(pendingTimers(runtime)).toBe(0);
  });

  it('runs the callbacks in the same job order as promise reactions', async () => {
    const log: string[] = [];
    await runtime.run(async () => {
      const a = sleep(10)
        .then(() => log.push('a1'))
        .then(() => log.push('a2'));
      const b = sleep(10)
        .then(() => log.push('b1'))
        .then(() => log.push('b2'));
      const p = Promise.resolve();
      await advance(10);
      await Promise.all([a, b, p]);
    });
    // The same interleaving as two resolved promises' chains (a1 b1 a2 b2).
    const plain: string[] = [];
    const x = Promise.resolve();
    const y = Promise.resolve();
    await Promise.all([x.then(() => plain.push('a1')).then(() => plain.push('a2')), y.then(() => plain.push('b1')).then(() => plain.push('b2'))]);
    expect(log).toEqual(plain);
    expect(log).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('fires in deadline order, not in the order the callbacks were given', async () => {
    const log: number[] = [];
    await runtime.run(async () => {
      const all = [30, 10, 20, 10, 5].map((ms, i) => sleep(ms).then(() => log.push(ms * 10 + i)));
      await advance(30);
      await Promise.all(all);
    });
    expect(log).toEqual([54, 101, 103, 202, 300]);
  });

  it('dispose: the rejection callback gets Cancelled, or then\'s promise rejects; no timer left', async () => {
    const [handled, unhandled] = await runtime.run(async () => {
      const a = sleep(1_000);
      const handled = a.then(
        () => 'woke',
        (e: unknown) => (e instanceof Cancelled ? 'cancelled' : 'other'),
      );
      const b = sleep(1_000);
      const unhandled = b.then(() => 'woke');
      const all = Promise.allSettled([handled, unhandled]);
      expect(pendingTimers(runtime)).toBe(2);
      a[Symbol.dispose]();
      b[Symbol.dispose]();
      expect(pendingTimers(runtime)).toBe(0);
      return all;
    });
    expect(handled).toEqual({ status: 'fulfilled', value: 'cancelled' });
    expect(unhandled.status === 'rejected' && unhandled.reason instanceof Cancelled).toBe(true);
  });

  it('task abort while a then callback waits: Cancelled reaches it, the timer is gone at once', async () => {
    let outcome: Promise<string> | undefined;
    const task = runtime.spawn(async () => {
      outcome = sleep(1_000).then(
        () => 'woke',
        (e: unknown) => (e instanceof Cancelled ? 'cancelled' : 'other'),
      );
      await outcome;
    });
    await settle(2);
    expect(pendingTimers(runtime)).toBe(1);
    task.abort();
    expect(pendingTimers(runtime)).toBe(0);
    expect(await outcome).toBe('cancelled');
    await Promise.resolve(task).catch(() => undefined);
    await runtime.run(() => advance(2_000));
    expect(await outcome).toBe('cancelled');
  });

  it('a second then on a pending Sleep: both settle from the one fire, and from one dispose', async () => {
    const fired = await runtime.run(async () => {
      const s = sleep(10);
      const first = s.then(() => 'first');
      const second = s.then(() => 'second');
      await advance(10);
      return Promise.all([first, second]);
    });
    expect(fired).toEqual(['first', 'second']);
    const cancelled = await runtime.run(async () => {
      const s = sleep(10);
      const first = s.then(undefined, (e: unknown) => (e instanceof Cancelled ? 'first cancelled' : 'other'));
      const second = s.then(undefined, (e: unknown) => (e instanceof Cancelled ? 'second cancelled' : 'other'));
      s[Symbol.dispose]();
      expect(pendingTimers(runtime)).toBe(0);
      return Promise.all([first, second]);
    });
    expect(cancelled).toEqual(['first cancelled', 'second cancelled']);
  });

  it('a Sleep awaited again after its then fired resolves at once; then after dispose rejects', async () => {
    await runtime.run(async () => {
      const s = sleep(10);
      const first = s.then(() => 1);
      await advance(10);
      expect(await first).toBe(1);
      expect(await s.then(() => 2)).toBe(2);
      s[Symbol.dispose]();
      await expect(s.then(() => 3)).rejects.toBeInstanceOf(Cancelled);
    });
    expect(pendingTimers(runtime)).toBe(0);
  });
});
