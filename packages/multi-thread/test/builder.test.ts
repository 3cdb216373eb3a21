import { availableParallelism } from 'node:os';
import { Builder, MultiThreadBuilder, MultiThreadRuntime } from '@rt/multi-thread';
import { Builder as CurrentThreadBuilder, Runtime } from '@rt/scheduler';

describe('Builder', () => {
  it('currentThread() is the scheduler’s current-thread builder', async () => {
    const builder = Builder.currentThread();
    expect(builder).toBeInstanceOf(CurrentThreadBuilder);
    const runtime = builder.name('single').build();
    expect(runtime).toBeInstanceOf(Runtime);
    await expect(runtime.run(() => 42)).resolves.toBe(42);
    await runtime.shutdown();
  });

  it('multiThread() is a MultiThreadBuilder with Tokio’s defaults', () => {
    const builder = Builder.multiThread();
    expect(builder).toBeInstanceOf(MultiThreadBuilder);
    expect(builder.config).toEqual({
      name: 'rt',
      workerThreads: availableParallelism(),
      onWorkerCrash: 'shutdown',
      maxRestarts: 5,
      localQueueCapacity: 256,
      globalQueueInterval: 61,
      unhandledError: 'log',
      eventInterval: 61,
      shutdownTimeout: 1000,
    });
  });
});

describe('MultiThreadBuilder', () => {
  it('records every setting and builds a runtime with it, starting no thread', async () => {
    const runtime = Builder.multiThread()
      .workerThreads(3)
      .name('server')
      .onWorkerCrash('replace')
      .maxRestarts(9)
      .localQueueCapacity(512)
      .globalQueueInterval(31)
      .unhandledError('shutdown')
      .eventInterval(128)
      .shutdownTimeout(250)
      .build();
    expect(runtime).toBeInstanceOf(MultiThreadRuntime);
    expect(runtime.config).toEqual({
      name: 'server',
      workerThreads: 3,
      onWorkerCrash: 'replace',
      maxRestarts: 9,
      localQueueCapacity: 512,
      globalQueueInterval: 31,
      unhandledError: 'shutdown',
      eventInterval: 128,
      shutdownTimeout: 250,
    });
    expect(Object.isFrozen(runtime.config)).toBe(true);
    expect(runtime.metrics().aliveWorkers).toBe(0);
    await runtime.shutdown();
  });

  it('builds again with a copy of the configuration', async () => {
    const builder = Builder.multiThread().workerThreads(2);
    const first = builder.build();
    builder.workerThreads(4);
    const second = builder.build();
    expect(first.config.workerThreads).toBe(2);
    expect(second.config.workerThreads).toBe(4);
    await Promise.all([first.shutdown(), second.shutdown()]);
  });

  it('rejects a value of the wrong type with a TypeError naming it', () => {
    const builder = Builder.multiThread();
    expect(() => builder.workerThreads('2' as never)).toThrow(new TypeError('MultiThreadBuilder.workerThreads: expected an integer, got "2"'));
    expect(() => builder.name('')).toThrow(TypeError);
    expect(() => builder.name(7 as never)).toThrow(/got 7/);
    expect(() => builder.onWorkerCrash('restart' as never)).toThrow(/got "restart"/);
    expect(() => builder.unhandledError('panic' as never)).toThrow(TypeError);
    expect(() => builder.localQueueCapacity(null as never)).toThrow(TypeError);
    expect(() => builder.globalQueueInterval(undefined as never)).toThrow(TypeError);
    expect(() => builder.eventInterval({} as never)).toThrow(/\[object Object\]/);
    expect(() => builder.shutdownTimeout('1s' as never)).toThrow(TypeError);
    expect(() => builder.onError('log' as never)).toThrow(TypeError);
  });

  it('rejects a value out of range with a RangeError naming it', () => {
    const builder = Builder.multiThread();
    expect(() => builder.workerThreads(0)).toThrow(new RangeError('MultiThreadBuilder.workerThreads: expected an integer from 1 to 1024, got 0'));
    expect(() => builder.workerThreads(1.5)).toThrow(RangeError);
    expect(() => builder.workerThreads(Number.NaN)).toThrow(RangeError);
    expect(() => builder.localQueueCapacity(100)).toThrow(/power of two, got 100/);
    expect(() => builder.maxRestarts(-1)).toThrow(RangeError);
    expect(() => builder.maxRestarts('3' as never)).toThrow(TypeError);
    expect(() => builder.localQueueCapacity(65_536)).toThrow(RangeError); // the queue's indices are 16-bit
    expect(() => builder.localQueueCapacity(32_768)).not.toThrow();
    expect(() => builder.localQueueCapacity(1)).toThrow(RangeError);
    expect(() => builder.localQueueCapacity(131_072)).toThrow(RangeError);
    expect(() => builder.globalQueueInterval(0)).toThrow(RangeError);
    expect(() => builder.eventInterval(-1)).toThrow(RangeError);
    expect(() => builder.shutdownTimeout(-5)).toThrow(RangeError);
    expect(() => builder.shutdownTimeout(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    // Nothing was recorded by the failed calls.
    expect(builder.config.workerThreads).toBe(availableParallelism());
  });
});
