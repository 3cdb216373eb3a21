// A task's parked waits (issue 16, pass pl26): its one wait in the task, more in a set beside it
// made on a second wait, and back to the task's field when one is left. What the list promised
// when it ran through the entries (prev/next) still holds: dump() lists the waits most recent
// first, lastParked is the newest still parked, an abort cancels every wait newest first, and a
// wait ended twice or after its task finished changes nothing.
import { Builder, park, type Runtime, type Waiter } from '@rt/scheduler';
import { currentParkTask, lastParked, parkEntry, unparkEntry } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';

function waitingOn(runtime: Runtime, id: number): readonly string[] {
  return runtime.dump().tasks.find((t) => t.id === id)?.waitingOn ?? [];
}

/** An entry of its own (parkEntry), which records its cancel. */
class Gate implements ParkEntry {
  task: ParkedTask | undefined = undefined;
  // The task's list of parked waits links through its entries (pass pl26, which took these
  // links out of the entries, was reverted: see the scheduler README).
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  constructor(
    readonly label: string,
    private readonly cancelled: string[],
  ) {}
  wait(): void {
    this.task = parkEntry(this);
  }
  open(): void {
    if (this.task !== undefined) unparkEntry(this.task, this, 'woken');
  }
  cancel(): void {
    this.cancelled.push(this.label);
    if (this.task !== undefined) unparkEntry(this.task, this, 'cancelled');
    this.task = undefined;
  }
}

describe("a task's parked waits", () => {
  it('lists them most recent first through a second wait, ends in any order, and goes back to one', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const waiters: Record<string, Waiter<number>> = {};
      const newest: (string | undefined)[] = [];
      let parked: ParkedTask | undefined;
      const task = runtime.spawn(async () => {
        parked = currentParkTask();
        const promises: Promise<number>[] = [];
        for (const label of ['a', 'b', 'c', 'd']) {
          const { waiter, promise } = park<number>(label, () => {});
          waiters[label] = waiter;
          promises.push(promise);
          newest.push(lastParked(parked!)?.label);
        }
        return Promise.all(promises);
      });
      await settle(2);
      expect(newest).toEqual(['a', 'b', 'c', 'd']);
      expect(waitingOn(runtime, task.id)).toEqual(['d', 'c', 'b', 'a']);
      waiters['b']!.wake(2); // a middle one
      expect(waitingOn(runtime, task.id)).toEqual(['d', 'c', 'a']);
      waiters['d']!.wake(4); // the newest: the next newest is found
      expect(lastParked(parked!)?.label).toBe('c');
      expect(waitingOn(runtime, task.id)).toEqual(['c', 'a']);
      expect(waiters['d']!.wake(5)).toBe(false); // twice: nothing
      waiters['a']!.wake(1); // the oldest: one left
      expect(waitingOn(runtime, task.id)).toEqual(['c']);
      expect(lastParked(parked!)?.label).toBe('c');
      expect(runtime.dump().tasks.find((t) => t.id === task.id)?.state).toBe('waiting');
      waiters['c']!.wake(3);
      await expect(Promise.resolve(task)).resolves.toEqual([1, 2, 3, 4]);
      expect(lastParked(parked!)).toBeUndefined();
    } finally {
      await runtime.shutdown();
    }
  });

  it('cancels every wait on abort, newest first, entries and waiters alike, also after the set was left and made again', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const cancelled: string[] = [];
      const gates = ['g1', 'g2', 'g3'].map((label) => new Gate(label, cancelled));
      const task = runtime.spawn(async () => {
        gates[0]!.wait();
        const first = park<number>('w1', () => cancelled.push('w1'));
        first.waiter.wake(0); // back to one wait
        gates[1]!.wait();
        const second = park<number>('w2', () => cancelled.push('w2'));
        gates[2]!.wait();
        void first.promise;
        await second.promise;
      });
      await settle(2);
      expect(waitingOn(runtime, task.id)).toEqual(['g3', 'w2', 'g2', 'g1']);
      gates[1]!.open();
      gates[1]!.open(); // twice: nothing
      expect(waitingOn(runtime, task.id)).toEqual(['g3', 'w2', 'g1']);
      task.abort();
      expect(cancelled).toEqual(['g3', 'w2', 'g1']);
      expect(waitingOn(runtime, task.id)).toEqual([]);
      await expect(Promise.resolve(task)).rejects.toThrow();
      gates[0]!.open(); // after the task finished: nothing
    } finally {
      await runtime.shutdown();
    }
  });
});
