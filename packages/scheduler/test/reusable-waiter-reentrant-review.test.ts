// Review rv37 (of pass ec31, whose loop reader keeps one ReusableWaiter per stream): a wake is
// published on rt:task:wake synchronously, and a subscriber may park the same waiter again (its
// owner's next operation, as a socket's next read) before the woken promise settled. The woken
// park must still get its value and the new park stay pending; before, the new park's promise
// took the value, the woken one never settled, and the wake threw `resolve is not a function`.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Builder } from '@rt/scheduler';
import { ReusableWaiter } from '@rt/scheduler/primitives';
import { settle, track } from '@rt/scheduler/testing';

describe('ReusableWaiter parked again from inside its own wake (review rv37)', () => {
  for (const how of ['wake', 'fail'] as const) {
    it(`${how}: the woken park settles with its own outcome, the park made inside the wake stays pending`, async () => {
      const runtime = Builder.currentThread().build();
      const waiter = new ReusableWaiter<number>('Test.wait', () => undefined);
      let inner: ReturnType<typeof track<number>> | undefined;
      const listener = (): void => {
        if (inner === undefined) inner = track(waiter.park());
      };
      try {
        const outer = runtime.spawn(() => waiter.park().then((n) => n, (e: unknown) => (e as Error).message));
        await settle();
        subscribe('rt:task:wake', listener);
        const error = new Error('failed');
        expect(how === 'wake' ? waiter.wake(7) : waiter.fail(error)).toBe(true);
        unsubscribe('rt:task:wake', listener);
        expect(await outer).toBe(how === 'wake' ? 7 : 'failed');
        await settle();
        expect(inner!.isPending()).toBe(true);
        expect(waiter.settled).toBe(false);
        expect(waiter.wake(8)).toBe(true);
        await settle();
        expect(inner!.value).toBe(8);
      } finally {
        unsubscribe('rt:task:wake', listener);
        await runtime.shutdown();
      }
    });
  }
});
