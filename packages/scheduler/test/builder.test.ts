import { Builder, Runtime } from '@rt/scheduler';

describe('Builder', () => {
  it('builds a current-thread runtime with Tokio-like defaults', async () => {
    const runtime = Builder.currentThread().build();
    expect(runtime).toBeInstanceOf(Runtime);
    expect(runtime.handle.config).toMatchObject({
      name: 'rt',
      enableIo: false,
      enableTime: false,
      startPaused: false,
      autoAdvance: true,
      threadKeepAlive: 10_000,
      eventInterval: 61,
      unhandledError: 'log',
      captureSpawnLocations: false,
      instrument: false,
      blockingThreshold: 50,
      instrumentLocations: true,
      console: undefined,
    });
    expect(runtime.handle.config.maxBlockingThreads).toBeGreaterThanOrEqual(4);
    await runtime.shutdown();
  });

  it('records every setting', async () => {
    const runtime = Builder.currentThread()
      .enableIo()
      .enableTime()
      .name('configured')
      .maxBlockingThreads(3)
      .threadKeepAlive(250)
      .eventInterval(7)
      .unhandledError('shutdown')
      .startPaused()
      .autoAdvance(false)
      .captureSpawnLocations()
      .build();
    expect(runtime.handle.config).toEqual({
      name: 'configured',
      enableIo: true,
      enableTime: true,
      startPaused: true,
      autoAdvance: false,
      maxBlockingThreads: 3,
      threadKeepAlive: 250,
      eventInterval: 7,
      unhandledError: 'shutdown',
      captureSpawnLocations: true,
      instrument: false,
      blockingThreshold: 50,
      instrumentLocations: true,
      console: undefined,
    });
    await runtime.shutdown();
  });

  it('enableAll enables I/O and time', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    expect(runtime.metrics()).toMatchObject({ ioEnabled: true, timeEnabled: true });
    await runtime.shutdown();
  });

  it('gives each built runtime its own copy of the configuration', async () => {
    const builder = Builder.currentThread().name('first');
    const first = builder.build();
    const second = builder.name('second').build();
    expect([first.handle.config.name, second.handle.config.name]).toEqual(['first', 'second']);
    await Promise.all([first.shutdown(), second.shutdown()]);
  });

  it('rejects bad values at once, naming them', () => {
    const builder = Builder.currentThread();
    expect(() => builder.maxBlockingThreads(0)).toThrow(/maxBlockingThreads: expected an integer ≥ 1, got 0/);
    expect(() => builder.maxBlockingThreads(1.5)).toThrow(RangeError);
    expect(() => builder.eventInterval(-1)).toThrow(RangeError);
    expect(() => builder.threadKeepAlive(Number.NaN)).toThrow(RangeError);
    expect(() => builder.threadKeepAlive(Infinity)).toThrow(RangeError);
    expect(() => builder.name('')).toThrow(TypeError);
    expect(() => builder.unhandledError('panic' as never)).toThrow(/got "panic"/);
    expect(() => builder.startPaused('yes' as never)).toThrow(TypeError);
  });
});
