import { Builder, Cancelled, JoinError, RuntimeShutdown, isCancelled } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Elapsed, Instant, advance, sleep, timeout, timeoutAt } from '@rt/time';

function paused(autoAdvance = true): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(autoAdvance).build();
}

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

/** A promise that never settles (keeps nothing alive). */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

describe('timeout', () => {
  it('resolves with the result of work that completes in time and removes its timer', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      expect(await timeout(100, Promise.resolve(42))).toBe(42);
      expect(await timeout(100, sleep(50).then(() => 'slow but in time'))).toBe('slow but in time');
      expect(pendingTimers(runtime)).toBe(0);
    });
    await runtime.shutdown();
  });

  it('lets ready work win even with a zero duration', async () => {
    expect(await timeout(0, Promise.resolve('ready'))).toBe('ready');
    expect(await timeout(0, () => 'sync result')).toBe('sync result');
  });

  it('rejects with Elapsed at the deadline when the work is slower', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      const error = await timeout(100, sleep(1_000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Elapsed);
      expect((error as Elapsed).code).toBe('ERR_RT_ELAPSED');
      expect((error as Elapsed).message).toMatch(/100 ms/);
      expect(start.elapsed()).toBe(100);
    });
    await runtime.shutdown();
  });

  it('rejects with Elapsed when the deadline has passed and the work is pending', async () => {
    const runtime = paused(false);
    await runtime.run(async () => {
      await expect(timeout(0, never())).rejects.toBeInstanceOf(Elapsed);
      await expect(timeoutAt(Instant.now().sub(5), never())).rejects.toBeInstanceOf(Elapsed);
    });
    await runtime.shutdown();
  });

  it('aborts the signal of work given as a function, with the Elapsed error as reason', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      let seen: AbortSignal | undefined;
      const error = await timeout(10, (signal) => {
        seen = signal;
        return never();
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Elapsed);
      expect(seen?.aborted).toBe(true);
      expect(seen?.reason).toBe(error);
    });
    await runtime.shutdown();
  });

  it('does not abort the signal when the work wins', async () => {
    let seen: AbortSignal | undefined;
    await timeout(1_000, async (signal) => {
      seen = signal;
      return 1;
    });
    expect(seen?.aborted).toBe(false);
  });

  it('rejects with the error of work that fails first', async () => {
    const boom = new Error('boom');
    await expect(timeout(1_000, Promise.reject(boom))).rejects.toBe(boom);
    await expect(timeout(1_000, () => {
      throw boom;
    })).rejects.toBe(boom);
  });

  it('ignores the outcome of work that lost, without an unhandled rejection', async () => {
    const runtime = paused(false);
    await runtime.run(async () => {
      let fail!: (error: Error) => void;
      const work = new Promise<never>((_, reject) => {
        fail = reject;
      });
      const tracked = track(timeout(10, work));
      await advance(10);
      expect(tracked.error).toBeInstanceOf(Elapsed);
      fail(new Error('too late'));
      await settle();
      expect(tracked.error).toBeInstanceOf(Elapsed);
    });
    await runtime.shutdown();
  });

  describe('cancellation', () => {
    it('rejects with Cancelled, removes its timer and aborts the work when the signal aborts', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const controller = new AbortController();
        let inner: AbortSignal | undefined;
        const tracked = track(timeout(1_000, (signal) => {
          inner = signal;
          return never();
        }, { signal: controller.signal }));
        await settle();
        expect(pendingTimers(runtime)).toBe(1);
        controller.abort();
        await settle();
        expect(tracked.error).toBeInstanceOf(Cancelled);
        expect(inner?.aborted).toBe(true);
        expect(isCancelled(inner?.reason)).toBe(true);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('rejects at once, and aborts the work, when already cancelled', async () => {
      let inner: AbortSignal | undefined;
      await expect(timeout(10, (signal) => {
        inner = signal;
        return never();
      }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
      expect(inner?.aborted).toBe(true);
    });

    it('removes its timer when the awaiting task is aborted', async () => {
      const runtime = paused(false);
      const task = runtime.spawn(() => timeout(60_000, never()));
      await settle(2);
      expect(pendingTimers(runtime)).toBe(1);
      task.abort();
      const error = await Promise.resolve(task).catch((e: unknown) => e);
      expect((error as JoinError).isCancelled()).toBe(true);
      expect(pendingTimers(runtime)).toBe(0);
      await runtime.shutdown();
    });

    it('delivers the result when the abort comes after the work completed in the same tick', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const controller = new AbortController();
        let finish!: (value: string) => void;
        const work = new Promise<string>((resolve) => {
          finish = resolve;
        });
        const tracked = track(timeout(1_000, work, { signal: controller.signal }));
        await settle();
        finish('done');
        await Promise.resolve(); // the work's reaction runs, waking the waiter
        controller.abort();
        await settle();
        expect(tracked.value).toBe('done');
      });
      await runtime.shutdown();
    });
  });

  describe('bad input', () => {
    it.each([-1, Number.NaN, Infinity])('rejects the duration %p with a RangeError naming it', async (ms) => {
      await expect(timeout(ms, Promise.resolve(1))).rejects.toThrow(RangeError);
      await expect(timeout(ms, Promise.resolve(1))).rejects.toThrow(String(ms));
    });

    it('rejects work that is neither a promise nor a function with a TypeError', async () => {
      await expect(timeout(10, 5 as unknown as Promise<number>)).rejects.toThrow(TypeError);
      await expect(timeoutAt(5 as unknown as Instant, Promise.resolve(1))).rejects.toThrow(TypeError);
    });
  });

  it('rejects a pending timeout with RuntimeShutdown when its runtime shuts down', async () => {
    const runtime = paused(false);
    let tracked: ReturnType<typeof track> | undefined;
    runtime.spawn(() => {
      tracked = track(timeout(1_000, never()));
    });
    await settle();
    await runtime.shutdown();
    await settle();
    expect(tracked?.error).toBeInstanceOf(RuntimeShutdown);
  });
});

describe('timeoutAt', () => {
  it('shares one deadline between several operations', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      const deadline = start.add(100);
      expect(await timeoutAt(deadline, sleep(60).then(() => 'first'))).toBe('first');
      await expect(timeoutAt(deadline, sleep(60))).rejects.toBeInstanceOf(Elapsed);
      expect(start.elapsed()).toBe(100);
    });
    await runtime.shutdown();
  });
});
