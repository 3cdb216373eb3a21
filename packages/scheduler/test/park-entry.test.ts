// parkEntry/unparkEntry: an operation that is its own entry in its task's list of parked
// operations. The contract it shares with park: an abort reaches the entry (cancel), dump()
// shows its label, a wake resets the task's budget, and an aborted task refuses to park.
import { Builder, Cancelled, coop, isCancelled } from '@rt/scheduler';
import { ReusableWaiter, parkEntry, unparkEntry } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';

/** A gate whose wait is its own record: opened by `open()`, cancelled by the task's abort. */
class Gate implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  task: ParkedTask | undefined = undefined;
  cancels = 0;
  private resolve: ((value: string) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;

  get label(): string {
    return 'Gate.wait';
  }

  wait(): Promise<string> {
    this.task = parkEntry(this);
    return new Promise<string>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  open(value: string): void {
    if (this.task !== undefined) unparkEntry(this.task, this, 'woken');
    this.task = undefined;
    this.resolve?.(value);
  }

  cancel(reason: unknown): void {
    this.cancels++;
    if (this.task !== undefined) unparkEntry(this.task, this, 'cancelled');
    this.task = undefined;
    this.reject?.(new Cancelled('Gate.wait was cancelled', { cause: reason }));
  }
}

/** A way to park and wake (the budget test runs on each). */
interface Parker {
  wait(): Promise<string>;
  wake(): void;
}

describe('parkEntry', () => {
  it('links nothing and returns undefined outside any task', () => {
    const gate = new Gate();
    expect(parkEntry(gate)).toBeUndefined();
    expect(gate.prev).toBeUndefined();
    expect(gate.next).toBeUndefined();
  });

  it('shows the entry in dump() while parked, and wakes with the value', async () => {
    const runtime = Builder.currentThread().build();
    const gate = new Gate();
    const task = runtime.spawn(() => gate.wait());
    await settle(2);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['Gate.wait']);
    gate.open('opened');
    await expect(Promise.resolve(task)).resolves.toBe('opened');
    await runtime.shutdown();
  });

  it('cancels the entry when the task is aborted, with the reason as the cause, once', async () => {
    const runtime = Builder.currentThread().build();
    const gates = [new Gate(), new Gate(), new Gate()];
    let seen: unknown;
    const task = runtime.spawn(async () => {
      void gates[0]!.wait().catch(() => undefined);
      void gates[1]!.wait().catch(() => undefined);
      try {
        await gates[2]!.wait();
      } catch (error) {
        seen = error;
        throw error;
      }
    });
    await settle(2);
    const reason = new Error('stop');
    task.abort(reason);
    await Promise.resolve(task).catch(() => undefined);
    expect(gates.map((g) => g.cancels)).toEqual([1, 1, 1]);
    expect(isCancelled(seen)).toBe(true);
    expect((seen as Cancelled).cause).toBe(reason);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)).toBeUndefined();
    await runtime.shutdown();
  });

  it('refuses to park in an aborted task (Cancelled, nothing linked)', async () => {
    const runtime = Builder.currentThread().build();
    const gate = new Gate();
    let thrown: unknown;
    const task = runtime.spawn(async () => {
      await new Gate().wait().catch(() => undefined); // parked, then cancelled by the abort
      try {
        parkEntry(gate);
      } catch (error) {
        thrown = error;
      }
    });
    await settle(2);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    expect(thrown).toBeInstanceOf(Cancelled);
    expect(gate.cancels).toBe(0);
    await runtime.shutdown();
  });

  // The same for ReusableWaiter, which is its own park entry too.
  it.each([
    ['parkEntry', (): Parker => {
      const gate = new Gate();
      return { wait: () => gate.wait(), wake: () => gate.open('now') };
    }],
    ['ReusableWaiter', (): Parker => {
      const waiter = new ReusableWaiter<string>('Test.wait', () => undefined);
      return { wait: () => waiter.park(), wake: () => void waiter.wake('now') };
    }],
  ])('%s: resets the task\'s cooperative budget on a wake', async (_name, make) => {
    const runtime = Builder.currentThread().build();
    const parker = make();
    const result = runtime.spawn(async () => {
      let spent = 0;
      while (coop() === undefined) spent++; // the budget of this turn runs out
      const waiting = parker.wait();
      parker.wake(); // a wake: the budget is full again
      let after = 0;
      while (coop() === undefined && after < 1_000) after++;
      await waiting;
      return { spent, after };
    });
    const { spent, after } = await Promise.resolve(result);
    expect(spent).toBeGreaterThan(0);
    expect(after).toBe(spent);
    await runtime.shutdown();
  });
});
