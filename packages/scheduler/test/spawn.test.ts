import { AsyncLocalStorage } from 'node:async_hooks';
import { Builder, RuntimeShutdown, spawn, tryCurrentTask } from '@rt/scheduler';

describe('spawn', () => {
  it('starts tasks on a later microtask, in spawn order', async () => {
    const order: string[] = [];
    const a = spawn(() => order.push('a'));
    const b = spawn(() => order.push('b'));
    order.push('spawner');
    await Promise.all([a, b]);
    expect(order).toEqual(['spawner', 'a', 'b']);
  });

  it("starts every task in its spawner's async context: runs of spawns in one context, contexts alternating, past the event interval", async () => {
    // A loop of spawns in one context shares one captured context (see captureAsyncContext);
    // a spawn in another context, or back in an earlier one, must not reuse it.
    const storage = new AsyncLocalStorage<string>();
    // Node 20/22 notice an AsyncLocalStorage once per event-loop turn: first use it a turn early.
    storage.run('warm-up', () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const runtime = Builder.currentThread().eventInterval(7).build();
    const seen: [string | undefined, string | undefined, boolean][] = [];
    const expected: (string | undefined)[] = [];
    const spawnIn = (value: string | undefined): void => {
      expected.push(value);
      const index = expected.length - 1;
      runtime.handle.spawn(() => {
        seen[index] = [value, storage.getStore(), tryCurrentTask() !== undefined];
      });
    };
    await runtime.run(async () => {
      storage.run('outer', () => {
        for (let i = 0; i < 20; i++) spawnIn('outer');
        storage.run('inner', () => {
          for (let i = 0; i < 20; i++) spawnIn('inner');
        });
        for (let i = 0; i < 5; i++) spawnIn('outer');
        for (let i = 0; i < 10; i++) storage.run(`one-${i}`, () => spawnIn(`one-${i}`));
        spawnIn('outer');
      });
      spawnIn(undefined);
      storage.run('again', () => spawnIn('again'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    await runtime.shutdown();
    expect(seen).toHaveLength(expected.length);
    for (const [value, store, inTask] of seen) {
      expect(store).toBe(value);
      expect(inTask).toBe(true);
    }
  });

  it('rejects a non-function with a TypeError naming the value', () => {
    expect(() => spawn('nope' as never)).toThrow(/fn must be a function, got "nope"/);
    expect(() => spawn(() => 1, { name: 3 as never })).toThrow(TypeError);
  });

  it('spawns onto the runtime of the current task', async () => {
    const runtime = Builder.currentThread().name('outer').build();
    const name = await runtime.run(async () => {
      const { Handle } = await import('@rt/scheduler');
      return spawn(() => Handle.current().config.name);
    });
    expect(name).toBe('outer');
    await runtime.shutdown();
  });

  it('throws RuntimeShutdown on a runtime that has shut down', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.shutdown();
    expect(() => runtime.spawn(() => 1)).toThrow(RuntimeShutdown);
  });

  it('counts spawned and alive tasks in metrics', async () => {
    const runtime = Builder.currentThread().build();
    const handles = [runtime.spawn(() => 1), runtime.spawn(() => 2)];
    expect(runtime.metrics()).toMatchObject({ spawnedTasks: 2, aliveTasks: 2 });
    await Promise.all(handles);
    expect(runtime.metrics()).toMatchObject({ spawnedTasks: 2, aliveTasks: 0 });
    await runtime.shutdown();
  });
});
