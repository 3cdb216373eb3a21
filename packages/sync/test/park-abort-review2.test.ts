// Review (helper rv2) of 3304e45 (Task.abort steps over an entry its cancel leaves linked;
// ReusableWaiter.park publishes rt:task:park once parked). A `rt:task:park` subscriber that aborts
// the task (a watchdog on a label) runs inside the park, after the waiter is parked but BEFORE its
// owner has put its node in the primitive's list (`ReusableNode.parkIn`: `reusable.park()` then
// `list.push(this)`; `parkIn`: `parkTarget()` then `list.push(node)`). The abort now cancels the
// waiter at once: its onCancel removes a node that is not in the list yet, and the owner then
// pushes it: a node whose waiter is settled stays in the list.
// - watch (ReusableNode, new with 3304e45: before it abort() looped forever): the receiver's next
//   changed() sees its node free (`reusable.settled`) and pushes the SAME node again (a linked node
//   pushed twice: it points at itself), and the sender's next send() loops forever in
//   WatchShared.bump (`while ((node = waiters.shift()) !== undefined)`: shift keeps returning it).
// - oneshot recv with options (ParkedWaiter via parkSimple, not changed by 3304e45: the same
//   cause): the stale node is the list's first; send() hands the value to it only
//   (`s.recvWaiters?.shift()?.waiter!.wake(value)`), the wake fails, the value is stored, and a
//   receive parked behind it is never woken (lost wake).
// Proposed fix: cancel no entry while it is being parked. E.g. emitPark records the entry it
// publishes (a module variable, cleared after the publish) and Task.cancelParked steps over that
// entry (it stays linked), so the microtask retry of 3304e45 cancels it once its owner has finished
// parking (node pushed, Sleep.task set). In child processes: a synchronous hang cannot be timed
// out in jest's own.
import { spawnSync } from 'node:child_process';

const run = (body: string): { signal: NodeJS.Signals | null; stdout: string; stderr: string } => {
  const code = `
    import dc from 'node:diagnostics_channel';
    import { Builder } from '@rt/scheduler';
    import { watch, oneshot } from '@rt/sync';
    const runtime = Builder.currentThread().build();
    let handle;
    // The watchdog: aborts the watched task at its first park (once).
    dc.subscribe('rt:task:park', (m) => { if (handle !== undefined && m.id === handle.id) { const h = handle; handle = undefined; h.abort(); } });
    const outcome = (p) => Promise.race([
      Promise.resolve(p).then((v) => 'ok ' + v, (e) => (e.isCancelled?.() ? 'cancelled' : 'error ' + e)),
      new Promise((r) => setTimeout(() => r('still parked'), 500)),
    ]);
    const out = [];
    ${body}
    console.log(JSON.stringify(out));
    await runtime.shutdown();
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 });
  return { signal: result.signal, stdout: result.stdout, stderr: result.stderr };
};

describe('a park subscriber that aborts the task before the primitive has linked its node (review rv2)', () => {
  it('watch: the receiver parks again and the sender sends (before the fix: send() loops forever in WatchShared.bump, the child is killed)', () => {
    const result = run(`
      const [tx, rx] = watch.channel(0);
      handle = runtime.spawn(async () => { await Promise.resolve(); await rx.changed(); });
      out.push(await outcome(handle));
      const second = runtime.spawn(async () => { await rx.changed(); return 'changed'; });
      await new Promise((r) => setTimeout(r, 20));
      tx.send(1);
      out.push(await outcome(second));
    `);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual(['cancelled', 'ok changed']);
  });

  it('oneshot: a receive parked after the aborted one gets the value (before the fix: the send wakes the stale node only, the receive stays parked)', () => {
    const result = run(`
      const [tx, rx] = oneshot.channel();
      const ac = new AbortController();
      handle = runtime.spawn(async () => { await Promise.resolve(); await rx.recv({ signal: ac.signal }); });
      out.push(await outcome(handle));
      const second = runtime.spawn(async () => rx.recv());
      await new Promise((r) => setTimeout(r, 20));
      tx.send(7);
      out.push(await outcome(second));
    `);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual(['cancelled', 'ok 7']);
  });
});
