// Review rv38 of pass pk31: a wait's own signal aborted by an `rt:task:park` subscriber while the
// waiter is announced (before the waiter links into its signal's list) must still cancel the wait,
// on a microtask once the primitive has finished parking, as a task aborted there is.
import diagnostics_channel from 'node:diagnostics_channel';
import { Cancelled, park, spawn } from '@rt/scheduler';
import { parkedOn } from '@rt/scheduler/primitives';

describe('a signal aborted while its park is announced (review rv38)', () => {
  const listeners: ((message: unknown) => void)[] = [];
  afterEach(() => {
    for (const listener of listeners.splice(0)) diagnostics_channel.unsubscribe('rt:task:park', listener);
  });
  function onPark(listener: (message: unknown) => void): void {
    listeners.push(listener);
    diagnostics_channel.subscribe('rt:task:park', listener);
  }

  it('cancels the wait, after park() returned, and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    onPark(() => controller.abort('from the subscriber'));
    const cancelled: string[] = [];
    let outcome: Promise<unknown> | undefined;
    await spawn(async () => {
      const { promise } = park<number>('announce.park', () => void cancelled.push('onCancel'), { signal: controller.signal });
      // Not cancelled inside park(): the primitive finishes parking first.
      expect(cancelled).toEqual([]);
      outcome = promise.then(
        () => 'woken',
        (error: unknown) => (error instanceof Cancelled ? `cancelled: ${String((error as Cancelled).cause)}` : error),
      );
    });
    await expect(outcome).resolves.toBe('cancelled: from the subscriber');
    expect(cancelled).toEqual(['onCancel']);
    // The waiter left the signal's list, and the list its abort listener.
    expect(parkedOn(controller.signal)).toBe(false);
  });

  it('a wake before the microtask wins: woken, the onCancel never called', async () => {
    const controller = new AbortController();
    onPark(() => controller.abort('late'));
    const cancelled: string[] = [];
    let promise: Promise<number> | undefined;
    await spawn(async () => {
      const parked = park<number>('announce.park', () => void cancelled.push('onCancel'), { signal: controller.signal });
      parked.waiter.wake(7);
      promise = parked.promise;
    });
    await expect(promise).resolves.toBe(7);
    expect(cancelled).toEqual([]);
    expect(parkedOn(controller.signal)).toBe(false);
  });
});
