import { AsyncLocalStorage } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Builder, JoinSet, park, yieldNow, type JoinHandle } from '@rt/scheduler';
import { startNow } from '@rt/scheduler/primitives';
import { Handle } from '../src/handle.js';
import { FINISHED, type Task } from '../src/internal/task.js';
import { random } from './fixtures/seeded-random.js';

// The live tasks (dump(), taskStats(), shutdown()) against the tasks' own states, whatever the
// order of spawns from inside and outside tasks, aborts, parks, turn ends, budget-shortened
// drains, run-queue chunk boundaries, JoinSet members and several runtimes.

/** A runtime's handle with its @internal members (the tests run the sources). */
const internal = (handle: unknown): Handle => handle as Handle;


describe('the live tasks against a model', () => {
  const als = new AsyncLocalStorage<number>();

  for (let seed = 1; seed <= 6; seed++) {
    it(`seed ${seed}`, async () => {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T | undefined =>
        xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)];
      const runtimes = [1, 2].map((n) => {
        const builder = Builder.currentThread()
          .name(`model-${seed}-${n}`)
          .eventInterval(pick([1, 3, 61, 5000])!);
        return (
          n === 2 && seed % 3 === 0 ? builder.instrument() : builder
        ).build();
      });
      const handles: Task[][] = [[], []];
      const gates: (() => void)[] = [];
      const sets: JoinSet<unknown>[] = [];
      let problems: string[] = [];

      const check = (where: string): void => {
        runtimes.forEach((runtime, r) => {
          const core = Handle.coreOf(internal(runtime.handle));
          const live = core.liveTasks();
          const ids = live.map((task) => task.id);
          if (new Set(ids).size !== ids.length)
            problems.push(`${where} r${r}: duplicates ${ids.join(',')}`);
          for (const task of live)
            if (task.state === FINISHED)
              problems.push(`${where} r${r}: finished task ${task.id} listed`);
          for (let i = 1; i < ids.length; i++)
            if (ids[i - 1]! > ids[i]!)
              problems.push(`${where} r${r}: out of order`);
          const listed = new Set(live);
          for (const task of handles[r]!)
            if (task.state !== FINISHED && !listed.has(task))
              problems.push(
                `${where} r${r}: task ${task.id} (state ${task.state}) missing`
              );
          if (live.length !== core.liveCount)
            problems.push(
              `${where} r${r}: ${live.length} listed, liveCount ${core.liveCount}`
            );
          if (runtime.dump().tasks.length !== live.length)
            problems.push(`${where} r${r}: dump differs`);
        });
        if (problems.length > 20) problems = problems.slice(0, 20);
      };

      const body = (r: number, depth: number): (() => unknown) => {
        const kind = Math.floor(rnd() * 9);
        const spawnKids = depth < 2 && rnd() < 0.3 ? Math.floor(rnd() * 4) : 0;
        const dumpInside = rnd() < 0.05;
        const abortOne = rnd() < 0.1;
        const yields = Math.floor(rnd() * 3);
        const kids =
          spawnKids > 0
            ? Array.from({ length: spawnKids }, () => body(r, depth + 1))
            : [];
        return () => {
          for (const kid of kids) spawnOn(r, kid, rnd() < 0.5);
          if (abortOne) pick(handles[r]!)?.abort();
          if (dumpInside) check(`inside(${kind})`);
          switch (kind) {
            case 0:
              return 1;
            case 1:
              return (async () => 1)();
            case 2:
            case 3:
              return new Promise<void>((resolve) => gates.push(resolve)).then(
                () => (dumpInside ? check('after gate') : undefined)
              );
            case 4:
              return (async () => {
                for (let i = 0; i < yields + 1; i++) await yieldNow();
                if (dumpInside) check('after yields');
              })();
            case 5:
              return new Promise((resolve) => setImmediate(resolve));
            case 6: {
              const set = new JoinSet<unknown>();
              sets.push(set);
              for (let i = 0; i < 1 + yields * 3; i++)
                set.spawn(
                  i % 2 === 0
                    ? () => i
                    : async () => {
                        await yieldNow();
                        return i;
                      }
                );
              return rnd() < 0.5 ? set.joinAll() : undefined;
            }
            case 7:
              throw new Error('boom');
            default:
              return Promise.resolve().then(() => check('microtask in task'));
          }
        };
      };

      const spawnOn = (
        r: number,
        fn: () => unknown,
        inContext: boolean
      ): void => {
        const runtime = runtimes[r]!;
        const unstarted = rnd() < 0.15;
        const spawn = (): JoinHandle<unknown> =>
          unstarted ? (internal(runtime.handle).spawnUnstarted(fn) as unknown as JoinHandle<unknown>) : runtime.spawn(fn);
        const handle = inContext
          ? als.run(Math.floor(rnd() * 3), spawn)
          : spawn();
        handle.then(undefined, () => undefined);
        handles[r]!.push(handle as unknown as Task);
        if (unstarted) startNow(handle);
      };

      for (let step = 0; step < 120; step++) {
        const action = rnd();
        if (action < 0.35) {
          const r = rnd() < 0.5 ? 0 : 1;
          const count =
            rnd() < 0.15
              ? 200 + Math.floor(rnd() * 400)
              : 1 + Math.floor(rnd() * 8);
          for (let i = 0; i < count; i++) spawnOn(r, body(r, 0), rnd() < 0.3);
        } else if (action < 0.5) {
          for (
            let i = 0, n = Math.floor(rnd() * 6);
            i < n && gates.length > 0;
            i++
          )
            gates.splice(Math.floor(rnd() * gates.length), 1)[0]!();
        } else if (action < 0.6) {
          const r = rnd() < 0.5 ? 0 : 1;
          pick(handles[r]!)?.abort();
        } else if (action < 0.75) {
          await Promise.resolve();
        } else if (action < 0.9) {
          await new Promise((resolve) => setImmediate(resolve));
        } else {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        check(`step ${step}`);
      }
      // Let everything end: the gates released, every task finished, nothing listed.
      for (
        let turn = 0;
        turn < 200 &&
        handles.some((hs) => hs.some((task) => task.state !== FINISHED));
        turn++
      ) {
        for (const gate of gates.splice(0)) gate();
        await new Promise((resolve) => setImmediate(resolve));
        check(`drain ${turn}`);
      }
      // shutdown() with work in every part of the runtime: queued, started this turn, parked.
      const r = 0;
      for (let i = 0; i < 300; i++) spawnOn(r, body(r, 0), rnd() < 0.3);
      await Promise.resolve();
      await Promise.resolve();
      check('before shutdown');
      await Promise.all(runtimes.map((runtime) => runtime.shutdown({ timeout: 1000 })));
      for (const gate of gates.splice(0)) gate();
      await new Promise((resolve) => setImmediate(resolve));
      check('after shutdown');
      expect(problems).toEqual([]);
      expect(
        handles
          .flat()
          .filter((task) => task.state !== FINISHED)
          .map((task) => task.id)
      ).toEqual([]);
      for (const runtime of runtimes)
        expect(runtime.metrics().aliveTasks).toBe(0);
    }, 60_000);
  }
});

describe('the run queue lets finished tasks go', () => {
  it.each([
    [7, 600],
    [256, 700],
    [100_000, 1000],
  ])(
    'event interval %i, %i tasks: none is held once the turns they ran in have ended',
    async (interval, count) => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const runtime = Builder.currentThread()
        .name(`release-${interval}`)
        .eventInterval(interval)
        .build();
      const refs: WeakRef<object>[] = [];
      let finished = 0;
      // One long-running task keeps a started-and-swept entry before them; the others finish at once.
      let release!: () => void;
      const long = runtime.spawn(
        () => new Promise<void>((resolve) => (release = resolve))
      );
      for (let i = 0; i < count; i++)
        refs.push(new WeakRef(runtime.spawn(() => void finished++)));
      for (let turn = 0; turn < 1000 && finished < count; turn++)
        await new Promise((resolve) => setImmediate(resolve));
      expect(finished).toBe(count);
      let held = refs.length;
      for (let round = 0; round < 5 && held > 0; round++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        gc();
        held = refs.filter((ref) => ref.deref() !== undefined).length;
      }
      expect(held).toBe(0);
      expect(runtime.dump().tasks.map((task) => task.id)).toEqual([long.id]);
      release();
      await long;
      await runtime.shutdown();
    }
  );
});

describe('dump() and shutdown() inside a task the drain runs', () => {
  const context = new AsyncLocalStorage<string>();

  it('dump in the last queued task resets the queue mid-drain; spawns after it keep their contexts', async () => {
    const runtime = Builder.currentThread().build();
    const seen: (string | undefined)[] = [];
    const dumps: number[][] = [];
    // The task is the queue's only entry: the sweep its first dump() makes empties the queue.
    const first = context.run('a', () =>
      runtime.spawn(() => {
        dumps.push(runtime.dump().tasks.map((t) => t.id));
        runtime.spawn(() => void seen.push(context.getStore()));
        context.run('b', () => runtime.spawn(() => void seen.push(context.getStore())));
        runtime.spawn(() => void seen.push(context.getStore()));
        dumps.push(runtime.dump().tasks.map((t) => t.id));
      }),
    );
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(dumps.map((d) => d.length)).toEqual([1, 4]);
    await runtime.shutdown();
  });

  it('shutdown inside a task mid-drain aborts the queued ones after it and ends', async () => {
    const runtime = Builder.currentThread().build();
    const handles: JoinHandle<unknown>[] = [runtime.spawn(() => park<void>('t', () => undefined).promise)];
    handles.push(runtime.spawn(() => void runtime.shutdown()));
    for (let i = 0; i < 5; i++) handles.push(runtime.spawn(() => 1));
    const results = await Promise.allSettled(handles.map((h) => Promise.resolve(h)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(runtime.metrics().aliveTasks).toBe(0);
  });
});
