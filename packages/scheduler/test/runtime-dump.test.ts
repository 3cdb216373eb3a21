import { join } from 'node:path';
import { Builder, JoinError, park, yieldNow } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { preciseNow } from '../src/internal/context.js';

describe('RuntimeDump', () => {
  it('lists every live task with id, name, state, age and what it waits on', async () => {
    const runtime = Builder.currentThread().name('dumped').captureSpawnLocations().build();
    let release!: () => void;
    const external = new Promise<void>((resolve) => (release = resolve));
    const waiting = runtime.spawn(() => park<void>('Mutex.lock', () => undefined).promise, { name: 'locker' });
    const idle = runtime.spawn(() => external, { name: 'fetcher' });
    await settle();
    const scheduled = runtime.spawn(() => 1);
    const blocking = runtime.spawnBlocking(join(__dirname, 'fixtures', 'blocking.mjs'), 'add', [1, 2]);
    const dump = runtime.dump();
    expect(dump.runtime).toBe('dumped');
    const byId = new Map(dump.tasks.map((task) => [task.id, task]));
    expect(byId.get(waiting.id)).toMatchObject({ name: 'locker', kind: 'task', state: 'waiting', waitingOn: ['Mutex.lock'], cancelRequested: false });
    expect(byId.get(idle.id)).toMatchObject({ name: 'fetcher', state: 'idle', waitingOn: [] });
    expect(byId.get(scheduled.id)).toMatchObject({ state: 'scheduled' });
    expect(byId.get(blocking.id)).toMatchObject({ kind: 'blocking', state: 'blocking' });
    for (const task of dump.tasks) {
      expect(task.ageMs).toBeGreaterThanOrEqual(0);
      expect(task.spawnedAt).toContain('runtime-dump.test.ts');
    }
    const text = String(dump);
    expect(text).toContain('runtime "dumped": 4 live task(s)');
    expect(text).toContain(`task ${waiting.id} "locker" waiting on Mutex.lock`);
    release();
    waiting.abort();
    await Promise.allSettled([waiting, idle, scheduled, blocking]);
    expect(runtime.dump().tasks).toEqual([]);
    await runtime.shutdown();
  });

  it("counts a runtime's first task's age whatever the clock reads at its spawn (set back by exactly 2^30 ms since rt loaded too)", async () => {
    // The clock reads Date.now() - (Date.now() when rt loaded); the spawn-time table once began
    // with that -2^30 as its "no reading yet", so a first spawn at that reading made no entry.
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    try {
      const origin = now - preciseNow();
      now = origin - 2 ** 30;
      await new Promise((resolve) => setImmediate(resolve)); // a new turn: the clock is read again
      const runtime = Builder.currentThread().build();
      let release!: () => void;
      const task = runtime.spawn(() => new Promise<void>((resolve) => (release = resolve)));
      now += 5;
      await new Promise((resolve) => setImmediate(resolve));
      expect(runtime.dump().tasks.find((t) => t.id === task.id)?.ageMs).toBe(5);
      expect(runtime.handle.taskStats().find((t) => t.id === task.id)?.ageMs).toBe(5);
      release();
      await task;
      await runtime.shutdown();
    } finally {
      Date.now = realNow;
    }
  });

  it("counts each task's age from its own spawn, also once the runtime has spawned at more than a thousand clock readings since", async () => {
    // The spawn times are kept in a table of (first id, clock reading) entries, one per reading of
    // rt's coarse clock (once per turn) at which tasks were spawned, pruned of the entries no live
    // task needs once it passes 1,024. The clock reads Date.now(): here a stand-in that moves by
    // 1 ms per turn of this test, so the ages are exact.
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    const runtime = Builder.currentThread().build();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const oldest = runtime.spawn(() => held);
      let middle: typeof oldest | undefined;
      for (let i = 1; i <= 1_200; i++) {
        await new Promise((resolve) => setImmediate(resolve)); // a new turn: the clock is read again
        now++;
        runtime.spawn(() => undefined); // a short task at each reading: an entry each
        if (i === 600) middle = runtime.spawn(() => held);
      }
      await new Promise((resolve) => setImmediate(resolve));
      now++;
      const youngest = runtime.spawn(() => held);
      await settle();
      const ages = new Map(runtime.dump().tasks.map((task) => [task.id, task.ageMs]));
      expect(ages.size).toBe(3);
      expect(ages.get(oldest.id)).toBe(1_201);
      expect(ages.get(middle!.id)).toBe(601);
      expect(ages.get(youngest.id)).toBe(0);
      release();
      await Promise.all([oldest, middle, youngest]);
    } finally {
      Date.now = realNow;
      await runtime.shutdown();
    }
  });

  it('keeps both the name and the spawn location of a task and of a blocking task, and the name alone without locations', async () => {
    const located = Builder.currentThread().captureSpawnLocations().build();
    const plain = Builder.currentThread().build();
    for (const runtime of [located, plain]) {
      const task = runtime.spawn(() => park<void>('test.wait', () => undefined).promise, { name: 'named task' });
      const blocking = runtime.spawnBlocking(join(__dirname, 'fixtures', 'blocking.mjs'), 'add', [1, 2], { name: 'named blocking' });
      await settle();
      const byId = new Map(runtime.dump().tasks.map((t) => [t.id, t]));
      const where = runtime === located ? expect.stringContaining('runtime-dump.test.ts') : undefined;
      expect(byId.get(task.id)).toMatchObject({ name: 'named task', kind: 'task', spawnedAt: where });
      expect(byId.get(blocking.id)).toMatchObject({ name: 'named blocking', kind: 'blocking', spawnedAt: where });
      expect(task.name).toBe('named task');
      expect(blocking.name).toBe('named blocking');
      task.abort();
      expect(await blocking).toBe(3);
      await Promise.allSettled([task]);
      await runtime.shutdown();
    }
  });

  it('shows the task calling dump() as running, and no spawn location unless asked', async () => {
    const runtime = Builder.currentThread().build();
    const entry = await runtime.run(async () => {
      await yieldNow();
      return runtime.dump().tasks[0];
    });
    expect(entry).toMatchObject({ name: 'main', state: 'running', spawnedAt: undefined });
    await runtime.shutdown();
  });

  it('lists tasks in spawn order wherever the runtime keeps them: queued, started in this turn, running since an earlier turn; finished ones nowhere', async () => {
    // A task the run queue started joins the live list only at the end of its turn, if it is still
    // running then (issue 16): dump(), metrics() and shutdown() must see it before that too.
    const runtime = Builder.currentThread().build();
    let turnEnded = false;
    setImmediate(() => (turnEnded = true));
    const releases: (() => void)[] = [];
    const gated = (): Promise<void> => new Promise<void>((resolve) => releases.push(resolve));
    const first = runtime.spawn(gated, { name: 'first' });
    const quick = runtime.spawn(async () => 1);
    expect(runtime.dump().tasks.map((task) => [task.id, task.state])).toEqual([
      [first.id, 'scheduled'],
      [quick.id, 'scheduled'],
    ]);
    expect(await quick).toBe(1);
    const second = runtime.spawn(gated, { name: 'second' });
    expect(turnEnded).toBe(false);
    // `first` started in this turn and runs on; `quick` has finished; `second` is queued.
    expect(runtime.dump().tasks.map((task) => [task.id, task.state])).toEqual([
      [first.id, 'idle'],
      [second.id, 'scheduled'],
    ]);
    expect(runtime.metrics().aliveTasks).toBe(2);
    await settle();
    expect(turnEnded).toBe(true);
    expect(runtime.dump().tasks.map((task) => [task.id, task.name, task.state])).toEqual([
      [first.id, 'first', 'idle'],
      [second.id, 'second', 'idle'],
    ]);
    for (const release of releases) release();
    await Promise.all([first, second]);
    expect(runtime.dump().tasks).toEqual([]);
    expect(runtime.metrics().aliveTasks).toBe(0);
    // shutdown() aborts a task started in the same turn, before the turn's end.
    const parked = runtime.spawn(() => park<void>('test.parked', () => undefined).promise);
    await runtime.spawn(async () => undefined);
    expect(runtime.dump().tasks).toMatchObject([{ id: parked.id, state: 'waiting', waitingOn: ['test.parked'] }]);
    await runtime.shutdown();
    const error = (await parked.then(
      () => undefined,
      (reason: unknown) => reason,
    )) as JoinError;
    expect(error).toBeInstanceOf(JoinError);
    expect(error.isCancelled()).toBe(true);
    expect(runtime.metrics().aliveTasks).toBe(0);
  });

  it('marks an aborted task that has not finished unwinding', async () => {
    const runtime = Builder.currentThread().build();
    let release!: () => void;
    const external = new Promise<void>((resolve) => (release = resolve));
    const handle = runtime.spawn(() => external);
    await settle();
    handle.abort();
    expect(runtime.dump().tasks[0]).toMatchObject({ id: handle.id, cancelRequested: true });
    release();
    await handle;
    await runtime.shutdown();
  });
});
