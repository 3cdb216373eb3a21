// settleLater (pass rc30): a park's `onCancel` that returns it keeps the waiter's promise for its
// owner: the waiter leaves its task and signal at once (the abort is not held up, nothing leaks)
// but stays unsettled, and the owner settles it with `wake` or `fail` (timeout's function form:
// its work may have completed in the abort's own synchronous run).
import { Builder, Cancelled, park, type Runtime, type Waiter } from '@rt/scheduler';
import { parkedAfter, parkedOn, settleLater } from '@rt/scheduler/primitives';
import { getEventListeners } from 'node:events';

describe('settleLater', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it("the signal's abort: the waiter leaves the signal but stays unsettled; the owner's wake delivers", async () => {
    const controller = new AbortController();
    let cancelledWith: Waiter<number> | undefined;
    const { waiter, promise } = park<number>('held', (w) => ((cancelledWith = w), settleLater), { signal: controller.signal });
    let outcome: string | undefined;
    void promise.then((v) => (outcome = `value ${v}`), (e: unknown) => (outcome = `error ${(e as Error).name}`));
    controller.abort();
    expect(cancelledWith).toBe(waiter);
    expect(waiter.settled).toBe(false);
    expect(parkedOn(controller.signal)).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    expect(waiter.wake(5)).toBe(true);
    expect(waiter.settled).toBe(true);
    expect(waiter.wake(6)).toBe(false);
    expect(await promise).toBe(5);
  });

  it("the task's abort: the waiter stays unsettled; the owner's fail rejects it", async () => {
    let held: Waiter<number> | undefined;
    let before: unknown;
    const task = runtime.spawn(async () => {
      const first = park<number>('first', () => undefined);
      first.promise.catch(() => undefined);
      const { waiter, promise } = park<number>('held', () => settleLater);
      held = waiter;
      before = parkedAfter(first.waiter);
      try {
        return await promise;
      } catch (error) {
        return `error ${(error as Error).message}`;
      }
    });
    await new Promise((r) => setImmediate(r));
    expect(before).toBe(held);
    task.abort();
    expect(held!.settled).toBe(false);
    expect(held!.fail(new Cancelled('decided later'))).toBe(true);
    // The wait settles as its owner decided (the abort is seen at the task's next rt await).
    expect(await Promise.resolve(task)).toBe('error decided later');
  });

  it('an onCancel returning anything else (a boolean, undefined) rejects with Cancelled as before', async () => {
    const controller = new AbortController();
    const a = park<number>('a', () => true as unknown as void, { signal: controller.signal });
    const b = park<number>('b', () => undefined, { signal: controller.signal });
    controller.abort();
    expect(a.waiter.settled).toBe(true);
    expect(b.waiter.settled).toBe(true);
    await expect(a.promise).rejects.toBeInstanceOf(Cancelled);
    await expect(b.promise).rejects.toBeInstanceOf(Cancelled);
  });
});
