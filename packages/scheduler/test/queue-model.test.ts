import { AsyncLocalStorage } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, JoinError, JoinSet, TaskLocal, park, tryCurrentTask, yieldNow, type JoinHandle, type Waiter } from '@rt/scheduler';
import { Handle as InternalHandle } from '../src/handle.js';
import { frameStore, runOutsideTasks, storage } from '../src/internal/context.js';
import { PROBE_LIMIT } from '../src/internal/instrument.js';
import { SCHEDULED, type Task } from '../src/internal/task.js';
import { spawnUnstarted, startNow } from '@rt/scheduler/primitives';
import { settle } from '@rt/scheduler/testing';
import { random } from './fixtures/seeded-random.js';

// Randomised orders of spawns, aborts, joins against a model: the run queue (a list of 256-entry
// chunks) and a JoinSet's member chunks must lose no task and run or hand out none twice,
// whatever the chunk boundaries, the turn's event interval and the async contexts in the queue.

/** A runtime's handle with its @internal members (the tests run the sources). */
const internal = (handle: unknown): InternalHandle => handle as InternalHandle;


async function turnsUntil(done: () => boolean, limit = 10_000): Promise<void> {
  for (let turn = 0; turn < limit && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the run queue against a model', () => {
  const storage = new AsyncLocalStorage<string>();

  beforeAll(async () => {
    // Node 20/22 notice an AsyncLocalStorage once per event-loop turn: first use it a turn early.
    storage.run('warm-up', () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
  });

  // Intervals around the chunk size make a drain yield at, before and after a chunk's end.
  const cases: [seed: number, interval: number, roots: number][] = [
    [1, 1, 300],
    [2, 7, 600],
    [3, 255, 1100],
    [4, 256, 1024],
    [5, 257, 1500],
    [6, 512, 2000],
    [7, 61, 777],
    [8, 100_000, 3000],
  ];

  it.each(cases)('seed %i, event interval %i, %i root spawns: every task not aborted runs once, in queue order, in its context', async (seed, interval, roots) => {
    const next = random(seed);
    const runtime = Builder.currentThread().name(`queue-model-${seed}`).eventInterval(interval).build();
    /** Ids in the order they went on the run queue (the model), and whether each was aborted before it ran. */
    const queued: number[] = [];
    const aborted = new Set<number>();
    const startedAtOnce = new Set<number>();
    const ran: number[] = [];
    const wrongContext: string[] = [];
    const handles = new Map<number, JoinHandle<void>>();
    let ids = 0;
    let children = 0;

    const body = (id: number, context: string | undefined) => (): void => {
      ran.push(id);
      if (storage.getStore() !== context) wrongContext.push(`task ${id}: ${String(storage.getStore())} for ${String(context)}`);
      if (tryCurrentTask() === undefined) wrongContext.push(`task ${id}: outside any task`);
      // Spawns during the drain: onto the queue's tail, maybe into a new chunk.
      if (children < roots && next() < 0.3) {
        const count = 1 + Math.floor(next() * 3);
        for (let i = 0; i < count; i++, children++) spawnOne();
      }
      // Aborting a task still queued (it must be skipped, not run; the queue must not lose the next).
      if (next() < 0.05 && queued.length > 0) {
        const victim = queued[Math.floor(next() * queued.length)]!;
        if (!ran.includes(victim) && !startedAtOnce.has(victim)) {
          handles.get(victim)!.abort();
          aborted.add(victim);
        }
      }
    };

    const spawnOne = (): void => {
      const id = ++ids;
      const r = next();
      // A label to run the spawn in, or none: the spawner's own (a child spawned by a task in one inherits it).
      const label = r < 0.2 ? `ctx-${Math.floor(next() * 3)}` : r < 0.25 ? `one-${id}` : undefined;
      const context = label ?? storage.getStore();
      const make = (): void => {
        if (next() < 0.1) {
          // Started at once where the turn allows, else queued as spawn queues.
          const handle = spawnUnstarted(body(id, context));
          handles.set(id, handle);
          const before = ran.length;
          if (startNow(handle)) {
            expect(ran[before]).toBe(id);
            startedAtOnce.add(id);
          } else queued.push(id);
        } else {
          handles.set(id, runtime.handle.spawn(body(id, context)));
          queued.push(id);
          if (next() < 0.03) {
            handles.get(id)!.abort();
            aborted.add(id);
          }
        }
      };
      if (label === undefined) make();
      else storage.run(label, make);
    };

    await runtime.run(async () => {
      let spawned = 0;
      while (spawned < roots) {
        // A batch, then (sometimes) a wait of a few microtasks only: the queue empties and
        // refills in the same turn; or a turn.
        const batch = 1 + Math.floor(next() * 300);
        for (let i = 0; i < batch && spawned < roots; i++, spawned++) spawnOne();
        if (next() < 0.5) await handles.get(ids)!.then(undefined, () => undefined);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      await turnsUntil(() => ran.length + aborted.size >= ids);
    });
    await runtime.shutdown();

    expect(wrongContext).toEqual([]);
    expect(ran.length + aborted.size).toBe(ids);
    expect(new Set(ran).size).toBe(ran.length);
    for (const id of aborted) expect(ran).not.toContain(id);
    // Queued tasks start in queue order (tasks started at once go between them).
    expect(ran.filter((id) => !startedAtOnce.has(id))).toEqual(queued.filter((id) => !aborted.has(id)));
  });
});

/** Gates that tasks park on, opened from the test. */
class Gates {
  readonly waiters = new Map<number, Waiter<void>>();
  wait(id: number): Promise<void> {
    const { waiter, promise } = park<void>(`gate ${id}`, () => this.waiters.delete(id));
    this.waiters.set(id, waiter);
    return promise;
  }
  open(id: number): boolean {
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    return waiter?.wake() ?? false;
  }
}

describe('JoinSet against a model', () => {
  it.each([11, 12, 13, 14, 15, 16])('seed %i: size, joins, aborts and detaches of thousands of members across chunks', async (seed) => {
    const next = random(seed);
    const runtime = Builder.currentThread().name(`joinset-model-${seed}`).unhandledError('ignore').build();
    await runtime.run(async () => {
      const set = new JoinSet<number>();
      const gates = new Gates();
      /** Model: members not yet joined or detached; how each ends (value: id, panic: -id, cancelled). */
      const members = new Set<number>();
      const detached = new Set<number>();
      const abortHandles = new Map<number, { abort(): void; isFinished(): boolean }>();
      const joined = new Set<number>();
      let ids = 0;

      const check = (outcome: () => number | undefined): void => {
        let value: number | undefined;
        try {
          value = outcome();
        } catch (error) {
          expect(error).toBeInstanceOf(JoinError);
          const join = error as JoinError;
          const id = taskIds.get(join.taskId)!;
          if (join.isPanic()) expect(join.cause).toBe(-id);
          expect(members.has(id)).toBe(true);
          expect(joined.has(id)).toBe(false);
          members.delete(id);
          joined.add(id);
          return;
        }
        if (value === undefined) return;
        expect(members.has(value)).toBe(true);
        expect(joined.has(value)).toBe(false);
        members.delete(value);
        joined.add(value);
      };

      for (let step = 0; step < 6000; step++) {
        const r = next();
        if (r < 0.45) {
          const id = ++ids;
          const kind = next();
          const handle = set.spawn(async () => {
            if (kind < 0.3) return id;
            if (kind < 0.35) throw -id;
            await gates.wait(id);
            return id;
          });
          expect(handle.id).toBeGreaterThan(0);
          abortHandles.set(id, handle);
          taskIds.set(handle.id, id);
          members.add(id);
        } else if (r < 0.7) {
          // Open some gates.
          for (const id of [...gates.waiters.keys()].slice(0, 1 + Math.floor(next() * 20))) gates.open(id);
        } else if (r < 0.8) {
          const list = [...members];
          if (list.length > 0) abortHandles.get(list[Math.floor(next() * list.length)]!)!.abort();
        } else if (r < 0.95) {
          check(() => set.tryJoinNext());
        } else if (r < 0.951) {
          set.detachAll();
          for (const id of members) detached.add(id);
          members.clear();
        } else if (r < 0.953) {
          set.abortAll();
        } else {
          await settle();
        }
        expect(set.size).toBe(members.size);
        expect(set.isEmpty()).toBe(members.size === 0);
      }
      // Open every gate (tasks not yet started park later: open again each turn) and join the rest.
      for (let turn = 0; turn < 10_000 && set.size > 0; turn++) {
        for (const id of [...gates.waiters.keys()]) gates.open(id);
        if (turn % 2 === 0) {
          const outcome = await set.joinNext().then(
            (value) => () => value,
            (error: unknown) => () => {
              throw error;
            },
          );
          check(outcome);
        } else {
          check(() => set.tryJoinNext());
          await settle();
        }
      }
      expect(await set.joinNext()).toBeUndefined();
      expect(set.size).toBe(0);
      expect(members.size).toBe(0);
      for (const id of detached) expect(joined.has(id)).toBe(false);
      expect(joined.size + detached.size).toBe(ids);
    });
    await runtime.shutdown();
  });
});

/** JoinError's task id → the model's id (a cancelled member is known only by its task id). */
const taskIds = new Map<number, number>();

describe('JoinSet member chunks and memory', () => {
  it('lets joined members go while one early member runs: stale entries stay within a chunk or two, not one per task joined', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const runtime = Builder.currentThread().name('joinset-memory').build();
    await runtime.run(async () => {
      const core = InternalHandle.coreOf(internal(runtime.handle));
      const gates = new Gates();
      const set = new JoinSet<number>();
      // The first member, in the first chunk, runs to the end: the set is never empty.
      set.spawn(async () => (await gates.wait(0), 0));
      const before = new Set(core.liveTasks());
      for (let i = 1; i <= 3000; i++) set.spawn(() => i);
      const refs = core.liveTasks().filter((task) => !before.has(task)).map((task) => new WeakRef(task));
      expect(refs).toHaveLength(3000);
      let sum = 0;
      // The run queue starts an event interval's worth of tasks per turn.
      for (let turn = 0; turn < 10_000 && set.size > 1; turn++) {
        await settle();
        for (let value = set.tryJoinNext(); value !== undefined; value = set.tryJoinNext()) sum += value;
      }
      expect(sum).toBe((3000 * 3001) / 2);
      expect(set.size).toBe(1);
      const tick = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 10));
      let held = refs.length;
      for (let round = 0; round < 10 && held > 255; round++) {
        await tick();
        gc();
        await tick();
        held = refs.filter((ref) => ref.deref() !== undefined).length;
      }
      // At most the first chunk's other 255 entries (its member is still running).
      expect(held).toBeLessThanOrEqual(255);
      gates.open(0);
      expect(await set.joinNext()).toBe(0);
      expect(await set.joinNext()).toBeUndefined();
    });
    await runtime.shutdown();
  });
});

describe('frameStore() reads what storage.getStore() reads', () => {
  const user = new AsyncLocalStorage<string>();

  it('outside tasks, in a task, in nested TaskLocal scopes, in a user store, after enterWith, inside runOutsideTasks, across awaits', async () => {
    user.run('warm-up', () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const local = new TaskLocal<number>('n');
    const mismatches: string[] = [];
    const same = (where: string): void => {
      const read = frameStore();
      if (read !== storage.getStore()) mismatches.push(where);
    };
    const outside = (where: string): void => {
      runOutsideTasks(
        (label: string) => {
          same(`${label} (outside)`);
          if (frameStore() !== undefined) mismatches.push(`${label}: a store inside runOutsideTasks`);
        },
        where,
        undefined,
        undefined,
      );
    };
    same('outside any task');
    const runtime = Builder.currentThread().name('frame-store').build();
    await runtime.run(async () => {
      same('in a task');
      outside('in a task');
      await local.scope(1, async () => {
        same('in a scope');
        await local.scope(2, async () => {
          same('in a nested scope');
          outside('in a nested scope');
          if (local.get() !== 2) mismatches.push('the inner scope');
          await yieldNow();
          same('in a nested scope after an await');
          if (frameStore()?.task === undefined) mismatches.push('no task in the nested scope');
        });
        same('back in the outer scope');
      });
      await user.run('mine', async () => {
        same('in a user store');
        outside('in a user store');
        await yieldNow();
        same('in a user store after an await');
        await runtime.handle.spawn(async () => {
          same('a task spawned in a user store');
          user.enterWith('entered');
          same('after enterWith');
          outside('after enterWith');
          await yieldNow();
          same('after enterWith and an await');
        });
      });
      // A task spawned from an rt-only frame (a TaskFrame on Node 24+ with AsyncLocalStorage).
      await runtime.handle.spawn(async () => {
        same('a task spawned from a task');
        outside('a task spawned from a task');
        await local.scope(3, async () => {
          same('a scope in that task');
          await yieldNow();
          same('a scope in that task after an await');
        });
      });
    });
    await runtime.shutdown();
    same('outside again');
    expect(mismatches).toEqual([]);
  });
});

describe('the probe base in the flags word', () => {
  it('keeps the state and flag bits whatever the base, and the base whatever the flags', () => {
    const runtime = Builder.currentThread().name('probe-bits').build();
    try {
      const handle = internal(runtime.handle).spawnUnstarted(() => 1) as unknown as Task;
      for (const base of [-1, 0, 6, 7 * 1000, PROBE_LIMIT - 7]) {
        handle.probeBase = base;
        expect(handle.probeBase).toBe(base);
        expect(handle.state).toBe(SCHEDULED);
        handle.observed = true;
        expect(handle.probeBase).toBe(base);
        expect(handle.observed).toBe(true);
        handle.observed = false;
        expect(handle.observed).toBe(false);
        expect(handle.kind).toBe('task');
        expect(handle.cancelRequested).toBe(false);
      }
      handle.probeBase = -1;
      (handle as unknown as JoinHandle<number>).abort();
    } finally {
      void runtime.shutdown();
    }
  });

  it('a runtime whose accounting reached the limit leaves a new task unaccounted (no base past PROBE_LIMIT), the last that fits accounted', async () => {
    const runtime = Builder.currentThread().name('probe-limit').instrument().build();
    const probe = InternalHandle.coreOf(internal(runtime.handle)).probe as unknown as { slotsUsed: number; freeHead: number };
    expect(probe.freeHead).toBeLessThan(0);
    const fields = 7;
    // The last slot whose base fits: base + FIELDS <= PROBE_LIMIT.
    probe.slotsUsed = Math.floor(PROBE_LIMIT / fields) - 1;
    const last = internal(runtime.handle).spawnUnstarted(() => 1) as unknown as Task;
    expect(last.probeBase).toBe((Math.floor(PROBE_LIMIT / fields) - 1) * fields);
    expect(last.state).toBe(SCHEDULED);
    expect(last.observed).toBe(false);
    const past = internal(runtime.handle).spawnUnstarted(() => 2) as unknown as Task;
    expect(past.probeBase).toBe(-1);
    expect(past.state).toBe(SCHEDULED);
    (last as unknown as JoinHandle<number>).abort();
    (past as unknown as JoinHandle<number>).abort();
    await runtime.shutdown();
  });

  it('an instrumented runtime: members of a JoinSet aborted while queued and finished keep their state, flags and accounting', async () => {
    const runtime = Builder.currentThread().name('probe-members').instrument().build();
    await runtime.run(async () => {
      const set = new JoinSet<number>();
      const handles = [];
      for (let i = 0; i < 600; i++) handles.push(set.spawn(async () => (await yieldNow(), i)));
      const stats = new Map(runtime.handle.taskStats().map((s) => [s.id, s]));
      for (const handle of handles) expect(stats.get(handle.id)?.state).toBe('scheduled');
      for (let i = 0; i < handles.length; i += 3) handles[i]!.abort();
      const after = new Map(runtime.handle.taskStats().map((s) => [s.id, s]));
      for (let i = 0; i < handles.length; i++) {
        // Aborted while queued: finished at once (gone from the live tasks); the rest queued, not cancelled.
        if (i % 3 === 0) expect(after.has(handles[i]!.id)).toBe(false);
        else expect(after.get(handles[i]!.id)).toMatchObject({ state: 'scheduled', cancelRequested: false });
      }
      let values = 0;
      let cancelled = 0;
      for (;;) {
        try {
          if ((await set.joinNext()) === undefined) break;
          values++;
        } catch (error) {
          expect((error as JoinError).isCancelled()).toBe(true);
          cancelled++;
        }
      }
      expect([values, cancelled]).toEqual([400, 200]);
    });
    await runtime.shutdown();
  });
});
