// Many timers awaited in one task, and one Sleep awaited twice (issue 16: a Sleep keeps its
// options and its pending wait in one field, and not the wait's promise: a second `then`
// gets a promise of its own, settled with the first). dump() names every awaited timer, an
// abort cancels exactly the pending ones of that task (none of another task's) after fires
// out of order, and a second await of one Sleep shares its wait: one fire, one abort, one
// dispose settle both.
import { Builder, Cancelled } from '@rt/scheduler';
import { parkEntry, unparkEntry, type ParkEntry, type ParkedTask } from '@rt/scheduler/primitives';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep } from '@rt/time';
import { random as seededRandom } from '../../scheduler/test/fixtures/seeded-random.js';

/** A one-shot gate parked as its own entry (another kind of parked operation beside the timers). */
class Gate implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  private task: ParkedTask | undefined;
  private resolve: (() => void) | undefined;
  readonly label = 'Gate.wait';
  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.task = parkEntry(this);
    });
  }
  open(): void {
    if (this.task !== undefined) unparkEntry(this.task, this, 'woken');
    this.resolve?.();
  }
  cancel(): void {
    if (this.task !== undefined) unparkEntry(this.task, this, 'cancelled');
  }
}

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

function waitingOn(runtime: Runtime, id: number): string[] | undefined {
  const labels = runtime.dump().tasks.find((t) => t.id === id)?.waitingOn;
  return labels === undefined ? undefined : [...labels];
}

describe('many timers of one task, and one Sleep awaited twice', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('dump() shows time.sleep once per awaited timer, beside other parked operations', async () => {
    const gate = new Gate();
    const task = runtime.spawn(async () => {
      const timers = [sleep(10), sleep(20), sleep(30)].map((s) => Promise.resolve(s));
      const opened = gate.wait();
      await Promise.all(timers);
      await opened;
    });
    await settle(2);
    expect(waitingOn(runtime, task.id)?.sort()).toEqual(['Gate.wait', 'time.sleep', 'time.sleep', 'time.sleep']);
    await runtime.run(() => advance(15));
    await settle(2);
    expect(waitingOn(runtime, task.id)?.sort()).toEqual(['Gate.wait', 'time.sleep', 'time.sleep']);
    await runtime.run(() => advance(20));
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['Gate.wait']);
    gate.open();
    await task;
  });

  it('after fires out of the order they were awaited in, an abort cancels exactly the pending timers', async () => {
    // A deterministic shuffle of deadlines: timers fire out of the order they were awaited (the
    // task's list loses entries in the middle), while later rounds park more.
    // mulberry32 (the scheduler's test fixture). It was `(x * 1103515245 + 12345) &
    // 0x7fffffff` in doubles: the products pass 2^53 and lose their low bits, so 996 of the
    // 1,000 delays were 1 more than a multiple of 8 (129 distinct delays). Now 651 distinct
    // delays, every remainder mod 8 drawn.
    const random = seededRandom(12345);
    const outcomes: Promise<string>[] = [];
    const deadlines: number[] = [];
    let now = 0;
    const task = runtime.spawn(async () => {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 200; i++) {
          const ms = 1 + Math.floor(random() * 1_000);
          deadlines.push(now + ms);
          outcomes.push(Promise.resolve(sleep(ms)).then(
            () => 'woke',
            (e: unknown) => (e instanceof Cancelled ? 'cancelled' : 'other'),
          ));
        }
        await sleep(300); // some of this round's timers fire meanwhile
        now += 300;
      }
      await sleep(60_000);
    });
    for (let round = 0; round < 5; round++) {
      await settle(2);
      await runtime.run(() => advance(300));
    }
    await settle(2);
    expect(now).toBe(1_500);
    task.abort();
    expect(pendingTimers(runtime)).toBe(0); // synchronously, inside abort()
    const results = await Promise.all(outcomes);
    const dueBy = deadlines.filter((d) => d <= 1_500).length;
    expect(results.filter((r) => r === 'woke')).toHaveLength(dueBy);
    expect(results.filter((r) => r === 'cancelled')).toHaveLength(1_000 - dueBy);
    expect(dueBy).toBeGreaterThan(0);
    expect(dueBy).toBeLessThan(1_000);
    await Promise.resolve(task).catch(() => undefined);
    expect(waitingOn(runtime, task.id)).toBeUndefined();
  });

  it('aborting one task cancels none of another task\'s timers', async () => {
    const sleeper = (ms: number) =>
      runtime.spawn(async () => {
        await sleep(ms);
        await sleep(ms);
        return 'done';
      });
    const a = sleeper(100);
    const b = sleeper(100);
    const c = sleeper(100);
    await settle(2);
    expect(pendingTimers(runtime)).toBe(3);
    b.abort();
    expect(pendingTimers(runtime)).toBe(2);
    await runtime.run(() => advance(100));
    await settle(2);
    await runtime.run(() => advance(100));
    expect(await a).toBe('done');
    expect(await c).toBe('done');
    await expect(Promise.resolve(b)).rejects.toThrow();
  });

  it('a second await of a pending Sleep shares its wait: one fire, one abort, one dispose settle both', async () => {
    const fired = await runtime.run(async () => {
      const s = sleep(10);
      const both = Promise.all([Promise.resolve(s), Promise.resolve(s)]);
      await settle(2);
      expect(pendingTimers(runtime)).toBe(1);
      await advance(10);
      return both;
    });
    expect(fired).toEqual([undefined, undefined]);

    let inTask: Promise<PromiseSettledResult<void>[]> | undefined;
    const task = runtime.spawn(async () => {
      const s = sleep(1_000);
      inTask = Promise.allSettled([Promise.resolve(s), Promise.resolve(s)]);
      await inTask;
    });
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep']);
    task.abort();
    expect(pendingTimers(runtime)).toBe(0);
    const cancelled = await inTask!;
    expect(cancelled.every((r) => r.status === 'rejected' && r.reason instanceof Cancelled)).toBe(true);
    await Promise.resolve(task).catch(() => undefined);
    const aborted = await runtime.run(async () => {
      const s = sleep(1_000);
      const both = Promise.allSettled([Promise.resolve(s), Promise.resolve(s)]);
      await settle(2);
      s[Symbol.dispose]();
      return both;
    });
    expect(aborted.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(aborted.every((r) => r.status === 'rejected' && r.reason instanceof Cancelled)).toBe(true);
  });
});
