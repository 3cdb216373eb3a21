// ReusableWaiter: one waiter parked over and over by its owner (a socket's read loop). Each
// park makes a fresh promise; the contract is park's: dump() shows the label, a wake resets the
// budget and wins over a later abort, an abort before the wake calls onCancel then rejects, an
// aborted task refuses to park, and a waiter still parked cannot be parked again.
import { Builder, Cancelled, isCancelled } from '@rt/scheduler';
import type { JoinError } from '@rt/scheduler';
import { ReusableWaiter } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';

describe('ReusableWaiter', () => {
  it('parks again after each wake, with a fresh promise each time, outside any task too', async () => {
    const waiter = new ReusableWaiter<number>('Test.wait', () => undefined);
    expect(waiter.settled).toBe(true);
    for (let i = 0; i < 5; i++) {
      const promise = waiter.park();
      expect(waiter.settled).toBe(false);
      expect(waiter.wake(i)).toBe(true);
      expect(waiter.wake(99)).toBe(false); // settled: a second wake is refused
      expect(waiter.settled).toBe(true);
      await expect(promise).resolves.toBe(i);
    }
    const failed = waiter.park();
    const error = new Error('closed');
    expect(waiter.fail(error)).toBe(true);
    expect(waiter.fail(new Error('again'))).toBe(false);
    await expect(failed).rejects.toBe(error);
  });

  it('throws when parked twice without a settle in between (an owner bug)', () => {
    const waiter = new ReusableWaiter<number>('Test.wait', () => undefined);
    void waiter.park();
    expect(() => waiter.park()).toThrow(/still parked/);
    waiter.wake(0);
  });

  it('shows its label in dump() while parked, and nothing once woken', async () => {
    const runtime = Builder.currentThread().build();
    const waiter = new ReusableWaiter<string>('Test.wait', () => undefined);
    let second: Promise<string> | undefined;
    const task = runtime.spawn(async () => {
      const first = await waiter.park();
      second = waiter.park();
      return first + (await second);
    });
    await settle(2);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['Test.wait']);
    waiter.wake('a');
    await settle(2);
    expect(second).toBeDefined();
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['Test.wait']);
    waiter.wake('b');
    await expect(Promise.resolve(task)).resolves.toBe('ab');
    await runtime.shutdown();
  });

  it('an abort while parked calls onCancel once, before the promise rejects with Cancelled (cause: the reason); the waiter parks again afterwards', async () => {
    const runtime = Builder.currentThread().build();
    const events: string[] = [];
    const waiter = new ReusableWaiter<number>('Test.wait', (w) => {
      events.push(`onCancel settled=${String(w.settled)}`);
    });
    let seen: unknown;
    const task = runtime.spawn(async () => {
      try {
        await waiter.park();
      } catch (error) {
        events.push('rejected');
        seen = error;
        throw error;
      }
    });
    await settle(2);
    const reason = new Error('stop');
    task.abort(reason);
    await Promise.resolve(task).catch(() => undefined);
    expect(events).toEqual(['onCancel settled=true', 'rejected']);
    expect(isCancelled(seen)).toBe(true);
    expect((seen as Cancelled).cause).toBe(reason);
    expect(waiter.wake(1)).toBe(false); // the cancellation settled it: the value goes elsewhere
    // Reusable after a cancellation, in another task.
    const next = runtime.spawn(() => waiter.park());
    await settle(2);
    expect(waiter.wake(7)).toBe(true);
    await expect(Promise.resolve(next)).resolves.toBe(7);
    await runtime.shutdown();
  });

  it('a wake that came first wins over an abort in the same turn: the value is delivered, onCancel is not called', async () => {
    const runtime = Builder.currentThread().build();
    let cancels = 0;
    const waiter = new ReusableWaiter<number>('Test.wait', () => cancels++);
    let got = -1;
    const task = runtime.spawn(async () => {
      got = await waiter.park();
      await waiter.park(); // the abort is seen here: park refuses (the task is aborted)
    });
    await settle(2);
    waiter.wake(5);
    task.abort();
    const error = await Promise.resolve(task).catch((e: unknown) => e);
    expect((error as JoinError).isCancelled()).toBe(true);
    expect(got).toBe(5);
    expect(cancels).toBe(0);
    expect(waiter.settled).toBe(true); // the refused park linked nothing
    await runtime.shutdown();
  });
  // The budget reset on a wake: park-entry.test.ts runs its test on ReusableWaiter too.
});
