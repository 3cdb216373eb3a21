// The timers one task awaits at once (issue 16, sixth pass): the first plain wait is the
// Sleep's own entry in the task's list of parked operations; a plain wait parked while the
// task's most recent parked operation is another Sleep (or the group) joins the task's
// TimerGroup, one entry with a count. These tests pin what the group must keep of the
// one-entry-per-Sleep list: dump() names every waiting timer, an abort rejects every member
// at once with Cancelled (cause: the reason) and leaves no timer, an abort right after a fire
// (before the callback's job) neither cancels the fired timer nor fires anything twice, one
// task's abort leaves another's group alone, dispose and shutdown settle one member, and a
// member's Sleep can be awaited again afterwards.
import { Builder, Cancelled, park } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { advance, sleep } from '@rt/time';
import { TimeDriver } from '../src/internal/driver.js';

function paused(): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(false).build();
}

function timers(runtime: Runtime): { pending: number; waiting: number } {
  const metrics = runtime.metrics().drivers['rt.time'];
  return { pending: Number(metrics?.['pendingTimers'] ?? 0), waiting: Number(metrics?.['waitingTimers'] ?? 0) };
}

function waitingOn(runtime: Runtime, id: number): string[] | undefined {
  const labels = runtime.dump().tasks.find((t) => t.id === id)?.waitingOn;
  return labels === undefined ? undefined : [...labels];
}

const outcome = (promise: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(promise).then(
    () => 'woke',
    (error: unknown) => (error instanceof Cancelled ? 'cancelled' : 'other'),
  );

describe('the timers one task awaits at once share one parked entry', () => {
  let runtime: Runtime;
  beforeEach(() => {
    runtime = paused();
  });
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('dump() names every waiting timer; the group leaves the list with its last member, and a lone await parks directly again', async () => {
    let second: Promise<string> | undefined;
    const task = runtime.spawn(async () => {
      const results = await Promise.all([10, 20, 20, 30].map((ms) => outcome(sleep(ms))));
      second = outcome(sleep(5));
      await second;
      return results;
    });
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep', 'time.sleep', 'time.sleep']);
    await runtime.run(() => advance(10));
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep', 'time.sleep']);
    await runtime.run(() => advance(10));
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep']);
    expect(timers(runtime)).toEqual({ pending: 1, waiting: 1 });
    await runtime.run(() => advance(10));
    await settle(2);
    // All four fired: the group left the task's list; the lone sleep(5) parked on its own.
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep']);
    await runtime.run(() => advance(5));
    expect(await task).toEqual(['woke', 'woke', 'woke', 'woke']);
    expect(await second).toBe('woke');
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
  });

  it('an abort rejects every member with Cancelled (cause: the reason) and removes every timer at once', async () => {
    const reason = new Error('stop');
    const outcomes: Promise<unknown>[] = [];
    const task = runtime.spawn(async () => {
      for (let i = 0; i < 50; i++) outcomes.push(Promise.resolve(sleep(100 + i * 37)).catch((error: unknown) => error));
      await sleep(60_000);
    });
    await settle(2);
    expect(timers(runtime)).toEqual({ pending: 51, waiting: 51 });
    expect(waitingOn(runtime, task.id)).toHaveLength(51);
    task.abort(reason);
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 }); // synchronously, inside abort()
    const errors = await Promise.all(outcomes);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Cancelled);
      expect((error as Cancelled).cause).toBe(reason);
    }
    await expect(Promise.resolve(task)).rejects.toThrow();
    expect(waitingOn(runtime, task.id)).toBeUndefined();
  });

  it('an abort after the fire and before the callback\'s job: the fired timers complete once, the rest are cancelled, no timer is left', async () => {
    const calls: string[] = [];
    let results: Promise<string[]> | undefined;
    const target: { task?: ReturnType<Runtime['spawn']> } = {};
    // Due at the same tick as a and b but registered first, so fired first: its callback's job
    // runs after the whole tick fired (a and b included) and before a's and b's jobs.
    const watcher = runtime.run(() =>
      sleep(10).then(() => {
        calls.push('abort');
        expect(timers(runtime)).toEqual({ pending: 1, waiting: 1 }); // a and b fired, their jobs not yet run
        target.task!.abort();
        expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
      }),
    );
    const task = (target.task = runtime.spawn(async () => {
      const a = sleep(10).then(() => calls.push('a'));
      const b = sleep(10).then(() => calls.push('b'));
      const d = sleep(30).then(() => calls.push('d'));
      results = Promise.all([a, b, d].map(outcome));
      await results;
    }));
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep', 'time.sleep']);
    await runtime.run(() => advance(10));
    await watcher;
    expect(await results).toEqual(['woke', 'woke', 'cancelled']);
    await runtime.run(() => advance(100));
    await settle(2);
    expect(calls.sort()).toEqual(['a', 'abort', 'b']);
    await Promise.resolve(task).catch(() => undefined);
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
  });

  it('one task\'s abort cancels none of another task\'s group, nor timers awaited outside tasks', async () => {
    const group = (ms: number) =>
      runtime.spawn(async () => Promise.all([ms, ms + 1, ms + 2].map((d) => outcome(sleep(d)))));
    const a = group(100);
    const b = group(100);
    const outside = runtime.run(() => outcome(sleep(100)));
    await settle(2);
    expect(timers(runtime).pending).toBe(7);
    b.abort();
    expect(timers(runtime)).toEqual({ pending: 4, waiting: 4 });
    await runtime.run(() => advance(102));
    expect(await a).toEqual(['woke', 'woke', 'woke']);
    expect(await outside).toBe('woke');
    expect(await b).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('dispose settles one member; the runtime\'s shutdown the rest; a member awaited again later waits afresh', async () => {
    const own = paused();
    const sleeps = own.run(() => [sleep(10), sleep(20), sleep(30)]);
    const kept = await sleeps;
    let outcomes: Promise<string[]> | undefined;
    const task = own.spawn(async () => {
      outcomes = Promise.all(kept.map(outcome));
      await outcomes;
    });
    await settle(2);
    expect(waitingOn(own, task.id)).toEqual(['time.sleep', 'time.sleep', 'time.sleep']);
    kept[1]![Symbol.dispose]();
    expect(waitingOn(own, task.id)).toEqual(['time.sleep', 'time.sleep']);
    await own.shutdown(); // aborts the task first: its group's members are cancelled
    expect(await outcomes).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(timers(own)).toEqual({ pending: 0, waiting: 0 });

    // A member of a cancelled group is awaited again, in a new task, and fires once.
    // On `runtime`'s paused clock (a `sleep` outside any runtime is the default runtime's, on
    // the real clock: 20 ms of real time under load let it fire before it was awaited again).
    const [again] = await runtime.run(() => [sleep(20)]);
    const first = runtime.spawn(async () => Promise.all([outcome(sleep(5)), outcome(again)]));
    await settle(2);
    first.abort();
    expect(await first).toEqual(['cancelled', 'cancelled']);
    let fired = 0;
    const second = runtime.spawn(async () => {
      await sleep(1);
      await again.then(() => fired++);
    });
    await runtime.run(() => advance(1));
    await settle(2);
    expect(waitingOn(runtime, second.id)).toEqual(['time.sleep']);
    await runtime.run(() => advance(19));
    await second;
    expect(fired).toBe(1);
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
  });

  it('another kind of parked operation between two sleeps: the second parks on its own, an abort cancels all three', async () => {
    const gateParked: { waiter?: { wake(value: undefined): boolean } } = {};
    let outcomes: Promise<string[]> | undefined;
    const task = runtime.spawn(async () => {
      // `then` at once (an awaited or `Promise.resolve`d Sleep calls it a job later).
      const first = outcome(sleep(10).then());
      const parked = park<void>('Gate.wait', () => {}, undefined);
      gateParked.waiter = parked.waiter;
      const gate = outcome(parked.promise);
      const second = outcome(sleep(20).then());
      outcomes = Promise.all([first, gate, second]);
      await outcomes;
    });
    await settle(2);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'Gate.wait', 'time.sleep']);
    task.abort();
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
    expect(await outcomes).toEqual(['cancelled', 'cancelled', 'cancelled']);
    await Promise.resolve(task).catch(() => undefined);
  });

  it('a long-lived group of overlapping sleeps keeps its live members through many joins and ends: an abort still cancels them all', async () => {
    // Two long waits (the first the task's own entry, the second a group) while 200 short
    // sleeps join the group and end one by one: the group's member list is compacted on the
    // way (most of it ended), and must keep the long member.
    let long: Promise<string>[] = [];
    let steps = 0;
    const task = runtime.spawn(async () => {
      long = [outcome(sleep(60_000)), outcome(sleep(60_001))];
      for (; steps < 200; steps++) await sleep(1);
      return Promise.all(long);
    });
    for (let i = 0; i < 200; i++) {
      await settle(2);
      await runtime.run(() => advance(1));
    }
    await settle(2);
    expect(steps).toBe(200);
    expect(waitingOn(runtime, task.id)).toEqual(['time.sleep', 'time.sleep']);
    expect(timers(runtime)).toEqual({ pending: 2, waiting: 2 });
    task.abort('stop');
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
    expect(await Promise.all(long)).toEqual(['cancelled', 'cancelled']);
    await Promise.resolve(task).catch(() => undefined);
  });

  it('a group that never has 1,024 members waiting at once keeps its list through many more joins: its abort scans no timers', async () => {
    // 300 long waits stay while 1,500 short ones join the group and end one by one: the list
    // (compacted once most of it has ended) must not give up at 1,024 joins since the last
    // compaction while only ~300 members wait.
    let long: Promise<string[]> | undefined;
    let steps = 0;
    const task = runtime.spawn(async () => {
      long = Promise.all(Array.from({ length: 300 }, (_, i) => outcome(sleep(60_000 + i))));
      for (; steps < 1500; steps++) await sleep(1);
      return long;
    });
    for (let i = 0; i < 1500; i++) {
      await settle(2);
      await runtime.run(() => advance(1));
    }
    await settle(2);
    expect(steps).toBe(1500);
    expect(timers(runtime)).toEqual({ pending: 300, waiting: 300 });
    const scans = jest.spyOn(TimeDriver.prototype, 'each');
    try {
      task.abort('stop');
      expect(scans).not.toHaveBeenCalled();
    } finally {
      scans.mockRestore();
    }
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
    expect(new Set(await long)).toEqual(new Set(['cancelled']));
    await Promise.resolve(task).catch(() => undefined);
  });

  it('a group past the members it keeps a list of (1,024) still cancels every member on abort; many small groups aborted at once too', async () => {
    let big: Promise<string[]> | undefined;
    const task = runtime.spawn(async () => {
      big = Promise.all(Array.from({ length: 1100 }, (_, i) => outcome(sleep(1000 + i))));
      return big;
    });
    const small: Promise<string[]>[] = [];
    const tasks = Array.from({ length: 500 }, (_, i) =>
      runtime.spawn(async () => {
        const both = Promise.all([outcome(sleep(2000 + i)), outcome(sleep(3000 + i))]);
        small.push(both);
        return both;
      }),
    );
    // Every task started and every wait parked (the run queue starts them over a few turns).
    for (let i = 0; i < 100 && timers(runtime).waiting < 2100; i++) await settle(2);
    expect(timers(runtime)).toEqual({ pending: 2100, waiting: 2100 });
    task.abort('stop');
    for (const t of tasks) t.abort('stop');
    expect(timers(runtime)).toEqual({ pending: 0, waiting: 0 });
    expect(new Set(await big)).toEqual(new Set(['cancelled']));
    expect(new Set((await Promise.all(small)).flat())).toEqual(new Set(['cancelled']));
    await Promise.all([task, ...tasks].map((t) => Promise.resolve(t).catch(() => undefined)));
  });
});
