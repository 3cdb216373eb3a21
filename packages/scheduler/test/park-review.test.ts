// Review (helper rv) of ReusableWaiter.park after its cold paths (the still-parked error, the
// aborted task's Cancelled) and Node 24's executor moved out of line (6540c77). Pins what must not
// change between the two executor paths (the per-waiter executor where rt's promise hooks carry
// the frame, Node 20/22 or RT_CONTEXT=hooks; the method's inline executor elsewhere, Node 24+ or
// RT_CONTEXT=als): run under both.
import { Builder, Cancelled, TaskLocal, currentTask, isCancelled } from '@rt/scheduler';
import { ReusableWaiter } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';

describe('ReusableWaiter.park (review)', () => {
  it('a park while still parked throws the exact error and leaves the first park intact (its wake, dump, one link)', async () => {
    const runtime = Builder.currentThread().build();
    const waiter = new ReusableWaiter<number>('Review.wait', () => undefined);
    let thrown: unknown;
    const task = runtime.spawn(async () => {
      const first = waiter.park();
      try {
        void waiter.park();
      } catch (error) {
        thrown = error;
      }
      return first;
    });
    await settle(2);
    expect(thrown).toBeInstanceOf(Error);
    expect(isCancelled(thrown)).toBe(false);
    expect((thrown as Error).message).toBe('ReusableWaiter.park: Review.wait is still parked');
    expect(runtime.dump().tasks.find((t) => t.id === task.id)?.waitingOn).toEqual(['Review.wait']);
    expect(waiter.settled).toBe(false);
    expect(waiter.wake(3)).toBe(true);
    await expect(Promise.resolve(task)).resolves.toBe(3);
    expect(runtime.dump().tasks.find((t) => t.id === task.id)).toBeUndefined();
    await runtime.shutdown();
  });

  it("an aborted task's park throws Cancelled synchronously (message, cause), makes no promise and links nothing; the waiter parks again elsewhere", async () => {
    const runtime = Builder.currentThread().build();
    let cancels = 0;
    const waiter = new ReusableWaiter<number>('Review.wait', () => cancels++);
    const reason = new Error('stop');
    let thrown: unknown;
    let id = -1;
    const gate = new ReusableWaiter<void>('Review.gate', () => undefined);
    const task = runtime.spawn(async () => {
      id = currentTask().id;
      try {
        await gate.park();
      } catch {
        // the abort: now park in the aborted task
      }
      try {
        void waiter.park();
      } catch (error) {
        thrown = error;
      }
    });
    await settle(2);
    task.abort(reason);
    await Promise.resolve(task).catch(() => undefined);
    expect(isCancelled(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(Cancelled);
    expect((thrown as Cancelled).message).toBe(`task ${id} was aborted`);
    expect((thrown as Cancelled).cause).toBe(reason);
    expect(waiter.settled).toBe(true);
    expect(waiter.task).toBeUndefined();
    expect(cancels).toBe(0);
    const next = runtime.spawn(() => waiter.park());
    await settle(2);
    expect(waiter.wake(9)).toBe(true);
    await expect(Promise.resolve(next)).resolves.toBe(9);
    await runtime.shutdown();
  });

  it("the resumed code runs in its own task's context, whoever wakes it (another task with another TaskLocal value, a Node callback), park after park", async () => {
    const runtime = Builder.currentThread().build();
    const local = new TaskLocal<string>('review');
    const waiter = new ReusableWaiter<number>('Review.wait', () => undefined);
    const seen: string[] = [];
    const parked = runtime.spawn(() =>
      local.scope('parked', async () => {
        const me = currentTask().id;
        for (let i = 0; i < 6; i++) {
          const value = await waiter.park();
          seen.push(`${value}:${local.get()}:${String(currentTask().id === me)}`);
        }
      }),
    );
    for (let i = 0; i < 6; i++) {
      await settle(2);
      if (i % 2 === 0) {
        await runtime.spawn(() => local.scope('waker', () => waiter.wake(i)));
      } else {
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            waiter.wake(i);
            resolve();
          }),
        );
      }
    }
    await Promise.resolve(parked);
    expect(seen).toEqual(['0:parked:true', '1:parked:true', '2:parked:true', '3:parked:true', '4:parked:true', '5:parked:true']);
    await runtime.shutdown();
  });

  it('the reused executor keeps each park to its own promise: a wake, a fail and a cancel in turn settle only the park they belong to', async () => {
    const runtime = Builder.currentThread().build();
    const waiter = new ReusableWaiter<number>('Review.wait', () => undefined);
    const promises: Promise<number>[] = [];
    for (let i = 0; i < 30; i++) {
      const promise = waiter.park();
      promises.push(promise);
      if (i % 2 === 0) waiter.wake(i);
      else waiter.fail(new Error(`f${i}`));
    }
    const results = await Promise.allSettled(promises);
    results.forEach((result, i) => {
      if (i % 2 === 0) expect(result).toEqual({ status: 'fulfilled', value: i });
      else expect(result.status === 'rejected' && (result.reason as Error).message).toBe(`f${i}`);
    });
    // A cancelled park between two wakes: the next park's promise is not the cancelled one's.
    const task = runtime.spawn(() => waiter.park());
    await settle(2);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    const after = waiter.park();
    expect(waiter.wake(42)).toBe(true);
    await expect(after).resolves.toBe(42);
    await runtime.shutdown();
  });

  it('an abort at the worst moment: from inside onCancel of another waiter, and right after a wake in the same synchronous run', async () => {
    const runtime = Builder.currentThread().build();
    const order: string[] = [];
    const a = new ReusableWaiter<number>('Review.a', () => order.push('a.onCancel'));
    const b = new ReusableWaiter<number>('Review.b', () => {
      order.push('b.onCancel');
      // The owner wakes the other parked operation while the task is being cancelled.
      order.push(`a.wake=${String(a.wake(1))}`);
    });
    const task = runtime.spawn(async () => {
      const pa = a.park().then(
        (v) => order.push(`a.resolved ${v}`),
        (e: unknown) => order.push(`a.rejected ${String(isCancelled(e))}`),
      );
      const pb = b.park().then(
        (v) => order.push(`b.resolved ${v}`),
        (e: unknown) => order.push(`b.rejected ${String(isCancelled(e))}`),
      );
      await Promise.all([pa, pb]);
    });
    await settle(2);
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    // Every wait is settled once and both waiters are free again.
    expect(a.settled && b.settled).toBe(true);
    expect(order.filter((e) => e.startsWith('a.')).length).toBeGreaterThanOrEqual(1);
    expect(order.filter((e) => e.startsWith('a.resolved') || e.startsWith('a.rejected')).length).toBe(1);
    expect(order.filter((e) => e.startsWith('b.resolved') || e.startsWith('b.rejected'))).toEqual(['b.rejected true']);
    await runtime.shutdown();
  });
});

describe('ReusableWaiter.park with a park subscriber that aborts the task (review)', () => {
  // park() links its entry and publishes rt:task:park before it marks itself parked (settled =
  // false). A subscriber that aborts the task right there (a watchdog on a label) makes Task.abort
  // call cancel() on an entry that still reads settled: cancel returns without unlinking, and
  // abort's loop (`for (w = waitHead; w !== undefined; w = waitHead) w.cancel(...)`) spins on it
  // forever: the process hangs in a synchronous loop. ParkedWaiter (park()) makes its promise before
  // it links and publishes, so the same subscriber cancels it. Run in a child process: a
  // synchronous hang cannot be timed out in jest's own.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const run = (kind: 'ReusableWaiter' | 'park'): { status: number | null; signal: NodeJS.Signals | null; stdout: string } => {
    const code = `
      import dc from 'node:diagnostics_channel';
      import { Builder, park } from '@rt/scheduler';
      import { ReusableWaiter } from '@rt/scheduler/primitives';
      const runtime = Builder.currentThread().build();
      let handle;
      dc.subscribe('rt:task:park', (m) => { if (m.label === 'Review.wait' && handle !== undefined) handle.abort(); });
      const waiter = new ReusableWaiter('Review.wait', () => {});
      handle = runtime.spawn(async () => {
        await Promise.resolve();
        if (${JSON.stringify(kind)} === 'park') await park('Review.wait', () => {}).promise;
        else await waiter.park();
      });
      const outcome = await Promise.resolve(handle).then(() => 'finished', (e) => (e.isCancelled?.() ? 'cancelled' : 'error ' + e));
      console.log(JSON.stringify(outcome));
      await runtime.shutdown();
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 15_000 }); // (a start-up at CI's load takes seconds; a hang is killed)
    return { status: result.status, signal: result.signal, stdout: result.stdout };
  };

  it('park(): the task ends cancelled', () => {
    const result = run('park');
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toBe('cancelled');
  });

  it('ReusableWaiter.park: the task ends cancelled (before the fix abort() looped forever: the child is killed after 15 s)', () => {
    const result = run('ReusableWaiter');
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toBe('cancelled');
  });
});
