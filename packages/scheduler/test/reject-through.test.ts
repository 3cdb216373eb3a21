// rejectThrough: a promise rejected through its resolve function (a thenable whose `then` getter
// throws) is rejected exactly as by its reject function: at once, with the same value, its
// handlers run in the same microtask tick, and an unhandled one is reported. Parked operations
// (park(), ReusableWaiter, oneshot) keep only their resolve function and fail through it, so
// these are the guarantees their failures and cancellations rely on.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Builder, Cancelled, park } from '@rt/scheduler';
import { ReusableWaiter, rejectThrough } from '@rt/scheduler/primitives';

/** The microtask ticks (counted by a chain of queueMicrotask) at which each promise settles. */
async function settleTicks(promises: Record<string, Promise<unknown>>): Promise<Record<string, number>> {
  const ticks: Record<string, number> = {};
  let tick = 0;
  let more = 10;
  const count = (): void => {
    tick++;
    if (--more > 0) queueMicrotask(count);
  };
  for (const [name, promise] of Object.entries(promises)) {
    promise.then(
      () => (ticks[name] = tick),
      () => (ticks[name] = tick),
    );
  }
  queueMicrotask(count);
  await new Promise((resolve) => setImmediate(resolve));
  return ticks;
}

/**
 * Fails `promise` with `fail(error)`, then rejects a plain promise with its reject function: both
 * must settle in the first microtask tick. Returns the error given to `fail`.
 */
async function expectSameTickAsReject(promise: Promise<unknown>, fail: (error: Error) => void): Promise<Error> {
  let reject!: (error: unknown) => void;
  const plain = new Promise((_, r) => (reject = r));
  const error = new Error('closed');
  fail(error);
  reject(error);
  expect(await settleTicks({ promise, plain })).toEqual({ promise: 0, plain: 0 });
  return error;
}

describe('rejectThrough', () => {
  it('rejects with the very value given, whatever it is (an object, a primitive, a thenable)', async () => {
    const thenable = { then: (): void => undefined };
    for (const value of [new Error('boom'), 42, undefined, null, 'text', thenable]) {
      let resolve!: (value: unknown) => void;
      const promise = new Promise((r) => (resolve = r));
      rejectThrough(resolve, value);
      await expect(promise).rejects.toBe(value);
    }
  });

  it('settles in the same tick as the reject function would, not later', async () => {
    let reject!: (error: unknown) => void;
    let resolve!: (value: unknown) => void;
    const byReject = new Promise((_, r) => (reject = r));
    const byResolve = new Promise((r) => (resolve = r));
    const error = new Error('x');
    reject(error);
    rejectThrough(resolve, error);
    const ticks = await settleTicks({ byReject, byResolve });
    expect(ticks['byResolve']).toBe(ticks['byReject']);
    expect(ticks['byReject']).toBe(0);
  });

  it('does nothing to a promise already resolved, and leaves no rejection behind for the next resolve', async () => {
    let resolve!: (value: unknown) => void;
    const promise = new Promise((r) => (resolve = r));
    resolve(1);
    rejectThrough(resolve, new Error('late'));
    await expect(promise).resolves.toBe(1);
    // An object with a `then` getter of its own resolves as before (the pending rejection was cleared).
    let resolve2!: (value: unknown) => void;
    const second = new Promise((r) => (resolve2 = r));
    resolve2({ value: 2 });
    await expect(second).resolves.toEqual({ value: 2 });
  });

  it('reports a rejection nobody handles, as the reject function does (a child process: jest keeps its own watch)', async () => {
    const script = `
      import { rejectThrough } from ${JSON.stringify(pathToFileURL(join(__dirname, '..', 'dist', 'primitives.js')).href)};
      const seen = [];
      process.on('unhandledRejection', (reason) => seen.push(reason.message));
      let resolve, reject;
      void new Promise((r) => (resolve = r));
      void new Promise((_, r) => (reject = r));
      rejectThrough(resolve, new Error('through resolve'));
      reject(new Error('through reject'));
      setTimeout(() => console.log(JSON.stringify(seen)), 20);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    expect(JSON.parse(stdout)).toEqual(['through resolve', 'through reject']);
  });

  it('park(): fail() and a cancellation reject in the tick a plain promise rejected then would', async () => {
    const runtime = Builder.currentThread().build();
    try {
      await runtime.run(async () => {
        const { waiter, promise: failed } = park<number>('Test.wait', () => undefined);
        const error = await expectSameTickAsReject(failed, (e) => waiter.fail(e));
        await expect(failed).rejects.toBe(error);

        const signal = new AbortController();
        const { promise: cancelled } = park<number>('Test.wait', () => undefined, { signal: signal.signal });
        await expectSameTickAsReject(cancelled, () => signal.abort(new Error('stop')));
        await expect(cancelled).rejects.toBeInstanceOf(Cancelled);
      });
    } finally {
      await runtime.shutdown();
    }
  });

  it('ReusableWaiter: fail() rejects in the tick a plain promise rejected then would', async () => {
    const waiter = new ReusableWaiter<number>('Test.wait', () => undefined);
    const failed = waiter.park();
    const error = await expectSameTickAsReject(failed, (e) => waiter.fail(e));
    await expect(failed).rejects.toBe(error);
  });
});
