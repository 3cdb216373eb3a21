import { Builder, RuntimeShutdown } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { ClockStateError, Instant, advance, interval, pause, resume, sleep, timeout } from '@rt/time';

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

/** Lets real time pass (to show that something does NOT happen meanwhile). */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A blocking job that waits, on its worker thread, until the test flips a shared flag.
const blockingModule = 'data:text/javascript,' + encodeURIComponent(
  'export function waitForFlag(shared) { const flag = new Int32Array(shared); while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000); return "released"; }',
);

describe('pause', () => {
  it('freezes Instant.now() on the current runtime', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      pause();
      const at = Instant.now();
      await settle(2);
      expect(Instant.now().equals(at)).toBe(true);
      resume();
    });
    await runtime.shutdown();
  });

  it('throws ClockStateError when the clock is already paused', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    await runtime.run(() => {
      expect(() => pause()).toThrow(ClockStateError);
      try {
        pause();
      } catch (error) {
        expect((error as ClockStateError).code).toBe('ERR_RT_CLOCK_STATE');
      }
    });
    await runtime.shutdown();
  });

  it('throws RuntimeShutdown after its runtime shut down', async () => {
    const runtime = Builder.currentThread().build();
    let thrown: unknown;
    runtime.spawn(() => {
      void runtime.shutdown();
      try {
        pause();
      } catch (error) {
        thrown = error;
      }
    });
    await settle(2);
    expect(thrown).toBeInstanceOf(RuntimeShutdown);
  });
});

describe('resume', () => {
  it('continues from the advanced reading, never backwards', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    await runtime.run(async () => {
      const start = Instant.now();
      await advance(1_000);
      resume();
      expect(Instant.now().durationSince(start)).toBeGreaterThanOrEqual(1_000);
      expect(() => resume()).toThrow(ClockStateError);
    });
    await runtime.shutdown();
  });

  it('arms real timers again for sleeps started while paused', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const start = Instant.now();
      const tracked = track(sleep(5));
      await settle();
      expect(tracked.isPending()).toBe(true);
      resume();
      await tracked.promise;
      expect(start.elapsed()).toBeGreaterThanOrEqual(5);
    });
    await runtime.shutdown();
  });
});

describe('advance', () => {
  it('fires every timer that became due, in deadline order, in one jump', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const woke: number[] = [];
      const sleeps = [300, 100, 200, 400].map((ms) => sleep(ms).then(() => woke.push(ms)));
      await advance(300);
      expect(woke).toEqual([100, 200, 300]);
      await advance(100);
      await Promise.all(sleeps);
      expect(woke).toEqual([100, 200, 300, 400]);
    });
    await runtime.shutdown();
  });

  it('rejects with ClockStateError on a running clock and RangeError on a bad duration', async () => {
    const runtime = Builder.currentThread().build();
    await runtime.run(async () => {
      await expect(advance(10)).rejects.toBeInstanceOf(ClockStateError);
      pause();
      await expect(advance(-1)).rejects.toThrow(RangeError);
      await expect(advance(Number.NaN)).rejects.toThrow(/NaN/);
      resume();
    });
    await runtime.shutdown();
  });
});

describe('auto-advance', () => {
  it('jumps to the next timer when every task is idle', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    const elapsed = await runtime.run(async () => {
      const start = Instant.now();
      await sleep(10);
      await sleep(20);
      await Promise.all([sleep(5), sleep(1_000)]);
      return start.elapsed();
    });
    expect(elapsed).toBe(1_030);
    expect(pendingTimers(runtime)).toBe(0);
    await runtime.shutdown();
  });

  it('makes interval and timeout tests instant', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    const result = await runtime.run(async () => {
      const start = Instant.now();
      const ticker = interval(60_000);
      for (let i = 0; i < 5; i++) await ticker.tick();
      const timedOut = await timeout(1_000, sleep(5_000)).catch((error: unknown) => error);
      return { elapsed: start.elapsed(), timedOut };
    });
    expect(result.elapsed).toBe(4 * 60_000 + 1_000);
    expect((result.timedOut as Error).name).toBe('Elapsed');
    await runtime.shutdown();
  });

  it('can be switched off with Builder.autoAdvance(false)', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    await runtime.run(async () => {
      const tracked = track(sleep(10));
      await settle(5);
      await realDelay(5);
      expect(tracked.isPending()).toBe(true);
      await advance(10);
      expect(tracked.isResolved()).toBe(true);
    });
    await runtime.shutdown();
  });

  it('does not advance while external work the runtime tracks is in flight', async () => {
    const runtime = Builder.currentThread().startPaused().build();
    await runtime.run(async () => {
      const end = runtime.handle.beginExternalWork();
      const tracked = track(sleep(10));
      await settle(5);
      await realDelay(10);
      expect(tracked.isPending()).toBe(true);
      end();
      await tracked.promise;
    });
    await runtime.shutdown();
  });

  it('does not advance while a spawnBlocking job runs', async () => {
    const runtime = Builder.currentThread().startPaused().maxBlockingThreads(1).build();
    await runtime.run(async () => {
      const shared = new SharedArrayBuffer(4);
      const flag = new Int32Array(shared);
      const job = runtime.spawnBlocking<string>(blockingModule, 'waitForFlag', [shared]);
      const start = Instant.now();
      const tracked = track(sleep(60_000));
      await settle(5);
      await realDelay(20);
      expect(tracked.isPending()).toBe(true);
      expect(start.elapsed()).toBe(0);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      expect(await job).toBe('released');
      await tracked.promise;
      expect(start.elapsed()).toBe(60_000);
    });
    await runtime.shutdown();
  });
});
