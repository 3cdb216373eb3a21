// Review rv35 of pass sj30 (joins of finished tasks react to a settled promise kept for a small
// value met twice in a row). The kept promise lives in a module constant: it must not hold the task
// (and so the runtime's core, a task local's value) of the join that made it; the order of the
// joins' callbacks among other reactions, their context, and the values must be what they were.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, TaskLocal, spawn, tryCurrentTask, type JoinHandle } from '@rt/scheduler';

// A full collection on demand: --expose-gc set at run time, read from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until every ref is cleared (20 rounds at most): a deref keeps its target to the end of the job. */
async function collect(refs: readonly WeakRef<object>[]): Promise<void> {
  const tick = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 5));
  for (let round = 0; round < 20 && refs.some((ref) => ref.deref() !== undefined); round++) {
    await tick();
    gc();
    await tick();
  }
}

/**
 * In a runtime shut down before it returns: a task in a task local's scope joins three tasks that
 * return `value`; weak references to the local's value, the joining task and the runtime.
 */
async function joinInScopeAndShutDown(value: unknown): Promise<WeakRef<object>[]> {
  const local = new TaskLocal<object>('rv35 payload');
  const runtime = Builder.currentThread().build();
  const refs = await runtime.run(async () => {
    const payload = { bytes: new Uint8Array(1024) };
    const joiner = spawn(() =>
      local.scope(payload, async () => {
        const handles = [value, value, value].map((v) => spawn(async () => v));
        for (const handle of handles) expect(await handle).toBe(value);
      }),
    );
    await joiner;
    return [new WeakRef(payload), new WeakRef(joiner)];
  });
  await runtime.shutdown();
  return [...refs, new WeakRef(runtime)];
}

/** What a join of a finished task did before sj30: a thenable reacting on a fresh settled promise of `value`. */
function fresh(value: unknown): PromiseLike<unknown> {
  return { then: (onfulfilled, onrejected) => Promise.resolve(value).then(onfulfilled, onrejected) };
}

describe('a join of a finished task whose value the joins before it met (review rv35)', () => {
  it('lets the joining task, its task local and its runtime go once the runtime is shut down', async () => {
    // On the promise hooks (Node 20/22, jest's default here) the kept promise was stamped with the
    // joiner's frame: the module's cache held the joiner's task, its core and the local's value
    // until another value was kept. Each value here is one no other spec joins twice in a row.
    for (const value of [4_242, true, null]) {
      const refs = await joinInScopeAndShutDown(value);
      await collect(refs);
      expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]); // payload and joiner held before the fix
    }
  });

  it('runs the callbacks of joins of a kept value in the joiner\'s context: its task and task local, or none outside tasks', async () => {
    const local = new TaskLocal<string>('rv35 context');
    const runtime = Builder.currentThread().build();
    try {
      const handles = [5_151, 5_151, 5_151, 5_151].map((v) => runtime.spawn(async () => v));
      // Task A joins the value twice in a row (the second join keeps its promise) ...
      const a = runtime.spawn(() =>
        local.scope('a', async () => {
          await handles[0];
          await handles[1];
          return tryCurrentTask()!.id;
        }),
      );
      const aId = await a;
      // ... task B and code outside any task react to the kept one.
      const b = runtime.spawn(() =>
        local.scope('b', async () => {
          const seen = await handles[2]!.then(() => [tryCurrentTask()?.id, local.tryGet()]);
          await handles[3];
          return [...seen, tryCurrentTask()!.id, local.tryGet()];
        }),
      );
      const [seenId, seenLocal, bId, bLocal] = await b;
      expect([seenId, seenLocal, bLocal]).toEqual([bId, 'b', 'b']);
      expect(seenId).not.toBe(aId);
      const outside = await handles[3]!.then(() => [tryCurrentTask()?.id, local.tryGet()]);
      expect(outside).toEqual([undefined, undefined]);
    } finally {
      await runtime.shutdown();
    }
  });

  it('keeps the order of the callbacks among other promise reactions and queued microtasks (the same ticks as a fresh settled promise)', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const values = [undefined, undefined, undefined, 1, 1, 1, 0, -0, 'x'];
      /** One interleaving over `joinable[i]`: then, a plain reaction, queueMicrotask; then awaits. */
      const run = async (joinable: readonly PromiseLike<unknown>[]): Promise<string[]> => {
        const log: string[] = [];
        const p = Promise.resolve('p');
        joinable.forEach((j, i) => {
          void j.then((v) => log.push(`h${i}:${Object.is(v, -0) ? '-0' : String(v)}`));
          void p.then(() => log.push(`p${i}`));
          queueMicrotask(() => log.push(`q${i}`));
        });
        const awaits = joinable.map(async (j, i) => {
          await j;
          log.push(`a${i}`);
          await null;
          log.push(`a${i}+`);
        });
        queueMicrotask(() => log.push('qend'));
        await Promise.all(awaits);
        return log;
      };
      const reference = await runtime.run(async () => {
        return run(values.map(fresh));
      });
      const inside = await runtime.run(async () => {
        const handles: JoinHandle<unknown>[] = values.map((v) => spawn(async () => v));
        for (const handle of handles) await handle; // the kept promises made
        return run(handles);
      });
      expect(inside).toEqual(reference);
      const handles = values.map((v) => runtime.spawn(async () => v));
      await runtime.run(async () => {
        for (const handle of handles) await handle;
      });
      expect(await run(handles)).toEqual(await run(values.map(fresh)));
    } finally {
      await runtime.shutdown();
    }
  });

  it('gives a task returning a promise or thenable (of this realm or another) its resolved value, also when kept', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const foreign = runInNewContext('Promise') as PromiseConstructor;
      const got = await runtime.run(async () => {
        const makers: (() => unknown)[] = [
          () => Promise.resolve(6),
          () => foreign.resolve(6),
          () => ({ then: (resolve: (v: number) => void) => resolve(6) }),
          async () => foreign.resolve(6),
        ];
        const handles = [...makers, ...makers].map((make) => spawn(make as () => Promise<number>));
        const values: unknown[] = [];
        for (const handle of handles) values.push(await handle);
        for (const handle of handles) values.push(await handle.then((v) => v));
        return values;
      });
      expect(got).toEqual(Array(16).fill(6));
    } finally {
      await runtime.shutdown();
    }
  });
});
