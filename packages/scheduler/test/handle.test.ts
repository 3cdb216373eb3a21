import { Builder, Handle, RuntimeShutdown, spawn } from '@rt/scheduler';

describe('Handle', () => {
  it('is the default runtime outside any task, and tryCurrent() is undefined there', () => {
    expect(Handle.tryCurrent()).toBeUndefined();
    const handle = Handle.current();
    expect(handle.config.name).toBe('default');
    expect(Handle.current()).toBe(handle);
  });

  it('is the runtime of the current task inside it', async () => {
    const runtime = Builder.currentThread().name('inner').build();
    const seen = await runtime.run(async () => [Handle.current(), Handle.tryCurrent()]);
    expect(seen).toEqual([runtime.handle, runtime.handle]);
    await runtime.shutdown();
  });

  it('exposes the recorded config, including the settings for @rt/time', async () => {
    const runtime = Builder.currentThread().enableAll().startPaused().autoAdvance(false).build();
    expect(runtime.handle.config).toMatchObject({ enableIo: true, enableTime: true, startPaused: true, autoAdvance: false });
    expect(Object.isFrozen(runtime.handle.config)).toBe(true);
    await runtime.shutdown();
  });

  it('creates an extension once per runtime and shuts it down with the runtime, in reverse order', async () => {
    const runtime = Builder.currentThread().build();
    const order: string[] = [];
    const first = Symbol('first');
    const second = Symbol('second');
    let created = 0;
    const make = (name: string) => (handle: Handle) => {
      created++;
      expect(handle).toBe(runtime.handle);
      return { name, shutdown: () => order.push(name), metrics: () => ({ ticks: 1 }) };
    };
    const a = runtime.handle.extension(first, make('first'));
    expect(runtime.handle.extension(first, make('again'))).toBe(a);
    runtime.handle.extension(second, make('second'));
    expect(created).toBe(2);
    expect(runtime.metrics().drivers).toEqual({ first: { ticks: 1 }, second: { ticks: 1 } });
    await runtime.shutdown();
    expect(order).toEqual(['second', 'first']);
    expect(() => runtime.handle.extension(Symbol('late'), make('late'))).toThrow(RuntimeShutdown);
  });

  it('counts external work until each end function is called, once', async () => {
    const runtime = Builder.currentThread().build();
    const end1 = runtime.handle.beginExternalWork();
    const end2 = runtime.handle.beginExternalWork();
    expect(runtime.handle.pendingExternalWork).toBe(2);
    end1();
    end1();
    expect(runtime.handle.pendingExternalWork).toBe(1);
    end2();
    expect(runtime.handle.pendingExternalWork).toBe(0);
    await runtime.shutdown();
  });

  it('spawns onto its own runtime', async () => {
    const runtime = Builder.currentThread().name('target').build();
    const handle = runtime.handle.spawn(async () => Handle.current().config.name);
    expect(await handle).toBe('target');
    expect(await spawn(async () => Handle.current().config.name)).toBe('default');
    await runtime.shutdown();
  });

  it('rejects a non-symbol extension key with a TypeError', async () => {
    const runtime = Builder.currentThread().build();
    expect(() => runtime.handle.extension('key' as never, () => ({}))).toThrow(TypeError);
    await runtime.shutdown();
  });
});
