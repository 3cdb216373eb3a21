// One parked entry that stands for several waits of a task (currentParkTask, lastParked,
// parkEntryIn with `linked`, unparkEntry with `unlink` false; what @rt/time's TimerGroup
// uses): dump() lists the label once per wait, an ended wait keeps the entry linked until
// the last, a wake resets the budget, an abort reaches the entry once, and an aborted task
// refuses to park.
import { Builder, Cancelled, coop } from '@rt/scheduler';
import { currentParkTask, lastParked, parkEntryIn, unparkEntry } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';

/** Several gates of one task under one entry: `open()` ends one wait, an abort all of them. */
class Gates implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  waits = 0;
  cancels = 0;
  private task: ParkedTask | undefined = undefined;
  private readonly resolves: ((value: string) => void)[] = [];
  private readonly rejects: ((error: unknown) => void)[] = [];

  get label(): string {
    return 'Gates.wait';
  }

  wait(): Promise<string> {
    const task = currentParkTask();
    if (task !== undefined) {
      parkEntryIn(task, this, lastParked(task) === this);
      this.task = task;
      this.waits++;
    }
    return new Promise<string>((resolve, reject) => {
      this.resolves.push(resolve);
      this.rejects.push(reject);
    });
  }

  open(value: string): void {
    this.rejects.shift();
    if (this.task !== undefined) unparkEntry(this.task, this, 'woken', --this.waits === 0);
    this.resolves.shift()?.(value);
  }

  cancel(reason: unknown): void {
    this.cancels++;
    if (this.task !== undefined) unparkEntry(this.task, this, 'cancelled');
    this.waits = 0;
    this.resolves.length = 0;
    for (const reject of this.rejects.splice(0)) reject(new Cancelled('Gates.wait was cancelled', { cause: reason }));
  }
}

function waitingOn(runtime: Runtime, id: number): string[] | undefined {
  const labels = runtime.dump().tasks.find((t) => t.id === id)?.waitingOn;
  return labels === undefined ? undefined : [...labels];
}

describe('an entry that stands for several waits', () => {
  it('is found by lastParked, listed once per wait, and leaves the list with its last wait', async () => {
    const runtime = Builder.currentThread().build();
    const gates = new Gates();
    expect(currentParkTask()).toBeUndefined();
    const task = runtime.spawn(async () => {
      const waits = [gates.wait(), gates.wait(), gates.wait()];
      expect(lastParked(currentParkTask()!)).toBe(gates);
      return Promise.all(waits);
    });
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['Gates.wait', 'Gates.wait', 'Gates.wait']);
    gates.open('a');
    gates.open('b');
    expect(waitingOn(runtime, task.id)).toEqual(['Gates.wait']);
    expect(gates.prev === undefined && gates.next === undefined).toBe(true);
    gates.open('c');
    await expect(Promise.resolve(task)).resolves.toEqual(['a', 'b', 'c']);
    expect(gates.cancels).toBe(0);
    await runtime.shutdown();
  });

  it('an abort cancels the entry once, which rejects every wait; an aborted task refuses to park', async () => {
    const runtime = Builder.currentThread().build();
    const gates = new Gates();
    let refused: unknown;
    const task = runtime.spawn(async () => {
      const all = Promise.allSettled([gates.wait(), gates.wait()]);
      const results = await all;
      try {
        currentParkTask();
      } catch (error) {
        refused = error;
      }
      return results;
    });
    await settle(2);
    const reason = new Error('stop');
    task.abort(reason);
    const results = await Promise.resolve(task).catch(() => undefined);
    expect(gates.cancels).toBe(1);
    expect(results?.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(refused).toBeInstanceOf(Cancelled);
    expect(waitingOn(runtime, task.id)).toBeUndefined();
    await runtime.shutdown();
  });

  it('a wake of one of its waits resets the task\'s cooperative budget, and keeps the entry linked', async () => {
    const runtime = Builder.currentThread().build();
    const gates = new Gates();
    const result = runtime.spawn(async () => {
      let spent = 0;
      while (coop() === undefined) spent++;
      const waiting = [gates.wait(), gates.wait()];
      gates.open('first'); // one wait ended: the budget is full again
      const linked = lastParked(currentParkTask()!) === gates;
      let after = 0;
      while (coop() === undefined && after < 1_000) after++;
      gates.open('second');
      await Promise.all(waiting);
      return { spent, after, linked };
    });
    const { spent, after, linked } = await Promise.resolve(result);
    expect(spent).toBeGreaterThan(0);
    expect(after).toBe(spent);
    expect(linked).toBe(true);
    await runtime.shutdown();
  });
});
