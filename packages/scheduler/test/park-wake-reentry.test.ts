// Review rv38 of pass pk31, which moved ParkedWaiter.wake's signal unlink before the task's part:
// an `rt:task:wake` subscriber runs inside wake, after the waiter left its task and its signal and
// before the promise resolves. Whatever it does there (wake or fail the same waiter again, abort
// the waiter's signal, abort the woken task), the first wake's value is delivered exactly once, no
// onCancel runs, the signal keeps no listener, and a task abort still ends the task at its next
// rt await.
import diagnostics_channel from 'node:diagnostics_channel';
import { Builder, Cancelled, park } from '@rt/scheduler';
import type { Runtime, Waiter } from '@rt/scheduler';
import { parkedOn } from '@rt/scheduler/primitives';

describe('ParkedWaiter.wake re-entered from an rt:task:wake subscriber (review rv38)', () => {
  let runtime: Runtime | undefined;
  let listener: ((message: unknown) => void) | undefined;
  afterEach(async () => {
    if (listener !== undefined) diagnostics_channel.unsubscribe('rt:task:wake', listener);
    listener = undefined;
    await runtime?.shutdown();
    runtime = undefined;
  });

  it.each(['wake again', 'fail', 'abort the signal', 'abort the task'] as const)('%s: the first wake wins, once', async (act) => {
    runtime = Builder.currentThread().build();
    const controller = new AbortController();
    const seen: string[] = [];
    let parked: Waiter<number> | undefined;
    listener = (message: unknown): void => {
      if ((message as { label: string }).label !== 'reentry.park') return;
      seen.push('wake published');
      if (act === 'wake again') seen.push(`wake=${String(parked!.wake(2))}`);
      else if (act === 'fail') seen.push(`fail=${String(parked!.fail(new Error('late')))}`);
      else if (act === 'abort the signal') controller.abort('late');
      else handle.abort('late');
      // Out of the signal's list before the subscriber runs.
      seen.push(`parkedOn=${String(parkedOn(controller.signal))}`);
    };
    diagnostics_channel.subscribe('rt:task:wake', listener);
    const handle = runtime.spawn(async () => {
      const p = park<number>('reentry.park', () => void seen.push('onCancel'), { signal: controller.signal });
      parked = p.waiter;
      seen.push(`value ${await p.promise}`);
      // The next rt await: an abort from the subscriber ends the task here.
      await park<number>('reentry.next', () => void seen.push('next.onCancel')).promise;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(parked!.wake(1)).toBe(true);
    if (act === 'abort the task') {
      await expect(handle).rejects.toThrow();
      expect(seen).toEqual(['wake published', 'parkedOn=false', 'value 1']);
    } else {
      await new Promise((resolve) => setImmediate(resolve));
      const second = act === 'wake again' ? ['wake=false'] : act === 'fail' ? ['fail=false'] : [];
      expect(seen).toEqual(['wake published', ...second, 'parkedOn=false', 'value 1']);
      handle.abort();
      await expect(handle).rejects.toBeInstanceOf(Error);
    }
    expect(parkedOn(controller.signal)).toBe(false);
  });

  it('a wake racing an abort of the same signal in one synchronous run: whichever comes first decides, once', async () => {
    runtime = Builder.currentThread().build();
    for (const first of ['wake', 'abort'] as const) {
      const controller = new AbortController();
      const calls: string[] = [];
      let parked: Waiter<number> | undefined;
      const task = runtime.spawn(async () => {
        const p = park<number>('reentry.race', () => void calls.push('onCancel'), { signal: controller.signal });
        parked = p.waiter;
        return p.promise.then(
          (v) => `value ${v}`,
          (e: unknown) => (e instanceof Cancelled ? 'cancelled' : String(e)),
        );
      });
      await new Promise((resolve) => setImmediate(resolve));
      if (first === 'wake') {
        expect(parked!.wake(5)).toBe(true);
        controller.abort();
      } else {
        controller.abort();
        expect(parked!.wake(5)).toBe(false);
      }
      await expect(task).resolves.toBe(first === 'wake' ? 'value 5' : 'cancelled');
      expect(calls).toEqual(first === 'wake' ? [] : ['onCancel']);
      expect(parkedOn(controller.signal)).toBe(false);
    }
  });
});
