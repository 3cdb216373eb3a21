import { Builder, RuntimeShutdown, spawn } from '@rt/scheduler';

describe('spawn', () => {
  it('starts tasks on a later microtask, in spawn order', async () => {
    const order: string[] = [];
    const a = spawn(() => order.push('a'));
    const b = spawn(() => order.push('b'));
    order.push('spawner');
    await Promise.all([a, b]);
    expect(order).toEqual(['spawner', 'a', 'b']);
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
