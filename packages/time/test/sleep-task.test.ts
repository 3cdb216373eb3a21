// A plain wait (no signal) inside a task: the Sleep is its own entry in the task's list of
// parked operations (parkEntry), with no waiter record. These tests pin what that entry must
// keep of `park`: an abort rejects the wait with Cancelled (cause: the abort reason) and takes
// the timer out at once, dump() shows the wait, a wake that came first wins, and nothing is
// left in the task's list or the wheel.
import { Builder, Cancelled, JoinError } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep } from '@rt/time';

function paused(): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(false).build();
}

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

function waitingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['waitingTimers'] ?? 0);
}

describe('sleep awaited in a task (the Sleep is its own parked entry)', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = paused();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('shows in dump() while parked, and leaves the task\'s list when it fires', async () => {
    const task = runtime.spawn(async () => {
      await sleep(50);
      await sleep(60_000); // parked again, then aborted below
    });
    await settle(2);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['time.sleep']);
    await runtime.run(() => advance(50));
    await settle(2);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['time.sleep']);
    expect(waitingTimers(runtime)).toBe(1);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    expect(pendingTimers(runtime)).toBe(0);
    expect(waitingTimers(runtime)).toBe(0);
  });

  it('rejects with Cancelled whose cause is the abort reason, and removes the timer at once', async () => {
    let seen: unknown;
    const task = runtime.spawn(async () => {
      try {
        await sleep(60_000);
      } catch (error) {
        seen = error;
        throw error;
      }
    });
    await settle(2);
    expect(pendingTimers(runtime)).toBe(1);
    const reason = new Error('shutting the connection');
    task.abort(reason);
    expect(pendingTimers(runtime)).toBe(0); // synchronously, inside abort()
    const joined = await Promise.resolve(task).catch((e: unknown) => e);
    expect(joined).toBeInstanceOf(JoinError);
    expect((joined as JoinError).isCancelled()).toBe(true);
    expect(seen).toBeInstanceOf(Cancelled);
    expect((seen as Cancelled).cause).toBe(reason);
  });

  it('cancels every one of many parked sleeps of one task, and leaves nothing in the wheel', async () => {
    const results: Promise<unknown>[] = [];
    const task = runtime.spawn(async () => {
      for (let i = 0; i < 1_000; i++) results.push(Promise.resolve(sleep(1 + ((i * 7919) % 5_000))).then(() => 'woke', (e: unknown) => e));
      await sleep(10_000);
    });
    await settle(2);
    expect(pendingTimers(runtime)).toBe(1_001);
    // Half of them fire first: they leave the task's list in deadline order, not link order.
    await runtime.run(() => advance(2_500));
    await settle(2);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    const outcomes = await Promise.all(results);
    const woke = outcomes.filter((o) => o === 'woke').length;
    expect(woke).toBe(Array.from({ length: 1_000 }, (_, i) => 1 + ((i * 7919) % 5_000)).filter((ms) => ms <= 2_500).length);
    expect(outcomes.filter((o) => o instanceof Cancelled)).toHaveLength(1_000 - woke);
    expect(pendingTimers(runtime)).toBe(0);
    expect(waitingTimers(runtime)).toBe(0);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)).toBeUndefined();
  });

  it('delivers the wake-up when the abort comes in the same tick after it', async () => {
    const outcome = await runtime.run(async () => {
      const sleeper = runtime.spawn(async () => {
        await sleep(10);
        return 'woke';
      });
      await settle(2);
      void advance(10); // the wake-up happens synchronously
      sleeper.abort(); // after the wake: the value is delivered, the abort is seen at the next await
      return Promise.resolve(sleeper).catch((e: unknown) => e);
    });
    expect(outcome).toBe('woke');
  });

  it('refuses to park in a task that is already aborted, and registers no timer', async () => {
    let second: unknown;
    let timersAfter = -1;
    const task = runtime.spawn(async () => {
      try {
        await sleep(60_000);
      } catch {
        // the abort: carry on, as a finally block would
      }
      try {
        await sleep(100); // a cancellation point: the task is aborted
      } catch (error) {
        second = error;
      }
      timersAfter = pendingTimers(runtime);
    });
    await settle(2);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    expect(second).toBeInstanceOf(Cancelled);
    expect(timersAfter).toBe(0);
  });
});
