// Review (helper rv): an rt:task:park subscriber that aborts the task (a watchdog on a label) runs
// inside parkEntry, before Sleep has stored the task it parked in; Sleep.cancel then returns
// without unlinking (`task === undefined`), and Task.abort's loop over the task's parked entries
// (`for (w = waitHead; w !== undefined; w = waitHead) w.cancel(...)`) spun on it forever (fixed: Task.abort steps over
// an entry its cancel leaves linked and cancels it again on a microtask). The same
// as ReusableWaiter.park (packages/scheduler/test/park-review.test.ts). In a child process: a
// synchronous hang cannot be timed out in jest's own.
import { spawnSync } from 'node:child_process';

describe('sleep with a park subscriber that aborts the task (review)', () => {
  it('the task ends cancelled (before the fix abort() looped forever: the child is killed after 15 s)', () => {
    const code = `
      import dc from 'node:diagnostics_channel';
      import { Builder } from '@rt/scheduler';
      import { sleep } from '@rt/time';
      const runtime = Builder.currentThread().build();
      let handle;
      dc.subscribe('rt:task:park', (m) => { if (handle !== undefined && m.id === handle.id) handle.abort(); });
      handle = runtime.spawn(async () => { await Promise.resolve(); await sleep(50); });
      const outcome = await Promise.resolve(handle).then(() => 'finished', (e) => (e.isCancelled?.() ? 'cancelled' : 'error ' + e));
      console.log(JSON.stringify(outcome));
      await runtime.shutdown();
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 }); // (a start-up at CI's load takes seconds; a hang is killed)
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout) as string).toBe('cancelled');
  });
});
