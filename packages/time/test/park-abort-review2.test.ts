// Review (helper rv2) of 3304e45: a `rt:task:park` subscriber that aborts the task while a sleep
// joins the task's TimerGroup (the task already waits on another Sleep of the runtime). In
// Sleep.park the group is linked (or grows) and published by parkEntryIn BEFORE the sleep stores
// where it is parked (`this.task = group` after park() returns). Task.abort cancels the group at
// once: TimerGroup.cancel unlinks it and cancels its members still `parkedIn(this)`: the new sleep
// is not yet, so it is skipped; the group is no longer linked, so the microtask retry of 3304e45
// does not see it either. The sleep then runs to its deadline: the aborted task is not cancelled
// until then (here 3 s; a `sleep(3_600_000)` keeps an aborted task for an hour). The plain case
// (the sleep its own entry) is fixed by the retry (packages/time/test/park-abort-review.test.ts).
// Proposed fix: the one in packages/sync/test/park-abort-review2.test.ts (cancel no entry while it
// is being parked: step over the entry emitPark is publishing, leave it to the microtask retry);
// or here, TimerGroup.cancel could leave itself linked while a member is joining.
import { spawnSync } from 'node:child_process';

const run = (parks: number, abortAt: number): { signal: NodeJS.Signals | null; stdout: string } => {
  const code = `
    import dc from 'node:diagnostics_channel';
    import { Builder } from '@rt/scheduler';
    import { sleep } from '@rt/time';
    const runtime = Builder.currentThread().build();
    let handle; let n = 0;
    dc.subscribe('rt:task:park', (m) => { if (handle !== undefined && m.id === handle.id && ++n === ${abortAt}) handle.abort(); });
    handle = runtime.spawn(async () => {
      await Promise.resolve();
      for (let i = 1; i < ${parks}; i++) sleep(3_000).then(() => {}, () => {});
      await sleep(3_000);
    });
    const outcome = await Promise.race([
      Promise.resolve(handle).then(() => 'finished', (e) => (e.isCancelled?.() ? 'cancelled' : 'error ' + e)),
      new Promise((r) => setTimeout(() => r('still running'), 1_000)),
    ]);
    console.log(JSON.stringify(outcome));
    await runtime.shutdown();
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 });
  return { signal: result.signal, stdout: result.stdout };
};

describe('sleep joining a TimerGroup with a park subscriber that aborts the task (review rv2)', () => {
  it('the first sleep (its own entry): the task ends cancelled at once (passes: the retry of 3304e45)', () => {
    const result = run(2, 1);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toBe('cancelled');
  });

  it('the second sleep (makes the group): the task ends cancelled at once (before the fix: it runs until the sleep fires)', () => {
    const result = run(2, 2);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toBe('cancelled');
  });

  it('the third sleep (joins the group): the task ends cancelled at once (before the fix: it runs until the sleep fires)', () => {
    const result = run(3, 3);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toBe('cancelled');
  });

  it('a task that returns before the retry: its un-awaited sleep is still cancelled by the retry (passes)', () => {
    const code = `
      import dc from 'node:diagnostics_channel';
      import { Builder } from '@rt/scheduler';
      import { sleep } from '@rt/time';
      const runtime = Builder.currentThread().build();
      let handle; const log = [];
      dc.subscribe('rt:task:park', (m) => { if (handle !== undefined && m.id === handle.id) { const h = handle; handle = undefined; h.abort(); log.push('aborted'); } });
      handle = runtime.spawn(() => { sleep(200).then(() => log.push('fired'), (e) => log.push('sleep ' + e.name)); log.push('task returns'); return 'done'; });
      log.push('join ' + await Promise.resolve(handle).then((v) => v, (e) => e.name));
      await new Promise((r) => setTimeout(r, 400));
      console.log(JSON.stringify(log));
      await runtime.shutdown();
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 });
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual(['aborted', 'task returns', 'sleep Cancelled', 'join done']);
  });

  it('many parked entries (20,000 waiters and 2,000 sleeps in one task): each cancelled exactly once (passes)', () => {
    const code = `
      import { Builder, park } from '@rt/scheduler';
      import { sleep } from '@rt/time';
      const runtime = Builder.currentThread().build();
      const counts = new Map();
      const t = runtime.spawn(async () => {
        const ps = [];
        for (let i = 0; i < 20000; i++) ps.push(park('P', (w) => counts.set(w, (counts.get(w) ?? 0) + 1)).promise);
        for (let i = 0; i < 2000; i++) ps.push(sleep(60_000));
        const settled = await Promise.allSettled(ps);
        return settled.filter((s) => s.status === 'rejected' && s.reason.name === 'Cancelled').length;
      });
      await new Promise((r) => setTimeout(r, 20));
      t.abort();
      const joined = await Promise.resolve(t).then((v) => v, (e) => e.name);
      console.log(JSON.stringify({ cancelled: counts.size, times: [...new Set(counts.values())], joined }));
      await runtime.shutdown(); // no sleep left: it does not wait a minute
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 });
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual({ cancelled: 20000, times: [1], joined: 22000 });
  });
});
