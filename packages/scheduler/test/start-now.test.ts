import { AsyncLocalStorage } from 'node:async_hooks';
import { promiseHooks } from 'node:v8';
import { Builder, JoinError, spawn, tryCurrentTask, type JoinHandle } from '@rt/scheduler';
import { RESOLVED, spawnUnstarted, startNow } from '@rt/scheduler/primitives';

/** Resolves on the next event-loop turn (a fresh turn: a fresh event interval). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('spawnUnstarted + startNow', () => {
  it("runs the task's first segment inside startNow, as that task, after the caller recorded its handle", async () => {
    await spawn(async () => {
      const caller = tryCurrentTask()!.id;
      const order: string[] = [];
      let recorded = 0;
      let seen: [number | undefined, number] | undefined;
      const handle = spawnUnstarted(
        () => {
          order.push('task');
          seen = [tryCurrentTask()?.id, recorded];
          return 7;
        },
        { name: 'now' },
      );
      recorded = handle.id;
      expect(handle.name).toBe('now');
      order.push('recorded');
      expect(startNow(handle)).toBe(true);
      order.push('returned');
      expect(order).toEqual(['recorded', 'task', 'returned']);
      expect(seen).toEqual([handle.id, handle.id]);
      expect(tryCurrentTask()?.id).toBe(caller);
      expect(handle.isFinished()).toBe(true);
      expect(await handle).toBe(7);
    });
  });

  it('is a task like any other once started: its frame across awaits, visible in dump() while it waits, joined as usual', async () => {
    const runtime = Builder.currentThread().name('start-now').build();
    await runtime.run(async () => {
      let resume!: () => void;
      const gate = new Promise<void>((resolve) => (resume = resolve));
      const handle = spawnUnstarted(
        async () => {
          const ids = [tryCurrentTask()?.id];
          await gate;
          ids.push(tryCurrentTask()?.id);
          await RESOLVED;
          ids.push(tryCurrentTask()?.id);
          return ids;
        },
        { name: 'waiting request' },
      );
      expect(startNow(handle)).toBe(true);
      expect(handle.isFinished()).toBe(false);
      expect(runtime.dump().tasks.find((task) => task.id === handle.id)).toMatchObject({ name: 'waiting request' });
      // The caller's frame is back, and stays its own across its own awaits.
      const caller = tryCurrentTask()?.id;
      expect(caller).not.toBe(handle.id);
      await nextTurn();
      expect(tryCurrentTask()?.id).toBe(caller);
      resume();
      expect(await handle).toEqual([handle.id, handle.id, handle.id]);
      expect(runtime.dump().tasks.some((task) => task.id === handle.id)).toBe(false);
    });
    await runtime.shutdown({ timeout: 0 });
  });

  it('makes no promise for a task that returns a value (spawn makes one, for the run queue)', async () => {
    let inits = 0;
    // Reactions only (Node 24's once-per-turn probe of async hooks is a Promise.resolve, no parent).
    const hook = promiseHooks.createHook({ init: (_promise, parent) => void (parent !== undefined && inits++) });
    try {
      await spawn(async () => {
        inits = 0;
        const now = spawnUnstarted(() => 1);
        expect(startNow(now)).toBe(true);
        const made = inits;
        inits = 0;
        const queued = spawn(() => 2);
        const madeBySpawn = inits;
        expect([made, madeBySpawn]).toEqual([0, 1]);
        expect([await now, await queued]).toEqual([1, 2]);
      });
    } finally {
      hook();
    }
  });

  it('leaves a task aborted before startNow finished as cancelled: its function never runs', async () => {
    let ran = false;
    const handle = spawnUnstarted(() => {
      ran = true;
    });
    handle.abort();
    expect(startNow(handle)).toBe(false);
    const error = await handle.join().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).isCancelled()).toBe(true);
    expect(ran).toBe(false);
  });

  it("turns a synchronous throw into the task's panic, as a queued task's", async () => {
    const handle = spawnUnstarted(() => {
      throw new Error('boom');
    });
    expect(startNow(handle)).toBe(true);
    expect(handle.isFinished()).toBe(true);
    const error = (await handle.join().then(() => undefined, (e: unknown) => e)) as JoinError;
    expect(error.isPanic()).toBe(true);
    expect((error.cause as Error).message).toBe('boom');
  });

  it("counts against the turn's event interval: past it, tasks are queued as spawn queues them and start on a later turn", async () => {
    const runtime = Builder.currentThread().eventInterval(3).build();
    await runtime.run(async () => {
      await nextTurn();
      const order: string[] = [];
      const handles: JoinHandle<void>[] = [];
      const started: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const handle = spawnUnstarted(() => void order.push(`task ${i}`));
        handles.push(handle);
        started.push(startNow(handle));
      }
      order.push('caller');
      expect(started).toEqual([true, true, true, false, false]);
      await Promise.all(handles);
      expect(order).toEqual(['task 0', 'task 1', 'task 2', 'caller', 'task 3', 'task 4']);
    });
    await runtime.shutdown({ timeout: 0 });
  });

  it("starts in the caller's async context, and the task's enterWith stays the task's", async () => {
    const als = new AsyncLocalStorage<string>();
    // Node 20/22 notice an AsyncLocalStorage once per event-loop turn: first use it a turn early.
    als.run('warm-up', () => undefined);
    await nextTurn();
    await spawn(async () => {
      await als.run('caller', async () => {
        const handle = spawnUnstarted(async () => {
          const first = als.getStore();
          als.enterWith('task');
          await RESOLVED;
          return [first, als.getStore()];
        });
        expect(startNow(handle)).toBe(true);
        expect(als.getStore()).toBe('caller');
        expect(await handle).toEqual(['caller', 'task']);
        expect(als.getStore()).toBe('caller');
      });
    });
  });

  it('queues the task on an instrumented runtime (the caller’s segment is being timed)', async () => {
    const runtime = Builder.currentThread().instrument().build();
    try {
      await runtime.run(async () => {
        const order: string[] = [];
        const handle = spawnUnstarted(() => void order.push('task'));
        expect(startNow(handle)).toBe(false);
        order.push('caller');
        await handle;
        expect(order).toEqual(['caller', 'task']);
      });
    } finally {
      await runtime.shutdown({ timeout: 0 });
    }
  });

  it('rejects a non-function as spawn does', () => {
    expect(() => spawnUnstarted('nope' as never)).toThrow(/spawnUnstarted\(fn\): fn must be a function, got "nope"/);
    expect(() => spawnUnstarted(() => 1, { name: 3 as never })).toThrow(TypeError);
  });
});
