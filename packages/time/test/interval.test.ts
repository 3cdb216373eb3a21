import { Builder, Cancelled, RuntimeShutdown } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { Instant, Interval, MissedTickBehavior, advance, interval, intervalAt } from '@rt/time';

function paused(autoAdvance = true): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(autoAdvance).build();
}

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

/** Offsets (ms from `start`) of the next `count` ticks. */
async function ticks(ticker: Interval, start: Instant, count: number): Promise<number[]> {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push((await ticker.tick()).durationSince(start));
  return offsets;
}

describe('Interval', () => {
  it('ticks at once, then every period, returning the scheduled instants', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      const ticker = interval(100);
      expect(ticker).toBeInstanceOf(Interval);
      expect(ticker.period).toBe(100);
      expect(await ticks(ticker, start, 4)).toEqual([0, 100, 200, 300]);
      expect(start.elapsed()).toBe(300);
    });
    await runtime.shutdown();
  });

  it('intervalAt starts at the given instant', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      const ticker = intervalAt(start.add(1_000), 10);
      expect(await ticks(ticker, start, 3)).toEqual([1_000, 1_010, 1_020]);
    });
    await runtime.shutdown();
  });

  describe('missed ticks', () => {
    async function afterStall(behavior: MissedTickBehavior | undefined): Promise<number[]> {
      const runtime = paused();
      try {
        return await runtime.run(async () => {
          const start = Instant.now();
          const ticker = interval(100);
          if (behavior !== undefined) ticker.missedTickBehavior = behavior;
          await ticker.tick(); // 0
          await advance(350); // the consumer was busy: ticks at 100, 200, 300 were missed
          return ticks(ticker, start, 4);
        });
      } finally {
        await runtime.shutdown();
      }
    }

    it('Burst (the default) fires the missed ticks at once and keeps the schedule', async () => {
      expect(await afterStall(undefined)).toEqual([100, 200, 300, 400]);
    });

    it('Delay restarts the schedule one period after the late tick', async () => {
      expect(await afterStall(MissedTickBehavior.Delay)).toEqual([100, 450, 550, 650]);
    });

    it('Skip drops the missed ticks and stays on the original grid', async () => {
      expect(await afterStall(MissedTickBehavior.Skip)).toEqual([100, 400, 500, 600]);
    });

    it('counts a tick as missed only when more than 5 ms late', async () => {
      const runtime = paused();
      await runtime.run(async () => {
        const start = Instant.now();
        const ticker = interval(100);
        ticker.missedTickBehavior = MissedTickBehavior.Delay;
        await ticker.tick();
        await advance(105);
        expect(await ticks(ticker, start, 2)).toEqual([100, 200]);
      });
      await runtime.shutdown();
    });

    it('rejects an unknown behavior with a TypeError', () => {
      const ticker = interval(10);
      expect(() => {
        ticker.missedTickBehavior = 'sometimes' as MissedTickBehavior;
      }).toThrow(TypeError);
      ticker[Symbol.dispose]();
    });
  });

  describe('reset', () => {
    it('reset() restarts one period from now', async () => {
      const runtime = paused();
      await runtime.run(async () => {
        const start = Instant.now();
        const ticker = interval(100);
        await ticker.tick();
        await advance(30);
        ticker.reset();
        expect(await ticks(ticker, start, 2)).toEqual([130, 230]);
      });
      await runtime.shutdown();
    });

    it('resetImmediately(), resetAfter() and resetAt() move the next tick', async () => {
      const runtime = paused();
      await runtime.run(async () => {
        const start = Instant.now();
        const ticker = interval(100);
        await ticker.tick();
        ticker.resetImmediately();
        expect(await ticks(ticker, start, 2)).toEqual([0, 100]);
        ticker.resetAfter(10);
        expect(await ticks(ticker, start, 2)).toEqual([110, 210]);
        ticker.resetAt(start.add(1_000));
        expect(await ticks(ticker, start, 1)).toEqual([1_000]);
        expect(() => ticker.resetAfter(-1)).toThrow(RangeError);
        expect(() => ticker.resetAt(1 as unknown as Instant)).toThrow(TypeError);
      });
      await runtime.shutdown();
    });

    it('moves a pending tick', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const start = Instant.now();
        const ticker = interval(1_000);
        await ticker.tick();
        const next = track(ticker.tick());
        await settle();
        ticker.resetAfter(5);
        await advance(5);
        expect(next.value?.durationSince(start)).toBe(5);
      });
      await runtime.shutdown();
    });
  });

  describe('cancellation', () => {
    it('an aborted tick consumes no tick', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const start = Instant.now();
        const ticker = interval(100);
        await ticker.tick();
        const controller = new AbortController();
        const aborted = track(ticker.tick({ signal: controller.signal }));
        await settle();
        controller.abort();
        await settle();
        expect(aborted.error).toBeInstanceOf(Cancelled);
        expect(pendingTimers(runtime)).toBe(0);
        await advance(100);
        expect((await ticker.tick()).durationSince(start)).toBe(100);
      });
      await runtime.shutdown();
    });

    it('rejects a second concurrent tick with a TypeError', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const ticker = interval(100);
        await ticker.tick();
        const first = track(ticker.tick());
        await expect(ticker.tick()).rejects.toThrow(TypeError);
        await advance(100);
        expect(first.isResolved()).toBe(true);
      });
      await runtime.shutdown();
    });

    it('disposal rejects a pending tick with Cancelled and removes the timer', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const ticker = interval(100);
        await ticker.tick();
        const pending = track(ticker.tick());
        await settle();
        expect(pendingTimers(runtime)).toBe(1);
        ticker[Symbol.dispose]();
        await settle();
        expect(pending.error).toBeInstanceOf(Cancelled);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('a pending tick rejects with RuntimeShutdown when the runtime shuts down', async () => {
      const runtime = paused(false);
      let pending: ReturnType<typeof track> | undefined;
      runtime.spawn(async () => {
        const ticker = interval(100);
        await ticker.tick();
        pending = track(ticker.tick());
      });
      await settle(2);
      await runtime.shutdown();
      await settle();
      expect(pending?.error).toBeInstanceOf(RuntimeShutdown);
    });
  });

  it('is async-iterable, and leaving the loop leaves it usable', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      const ticker = interval(50);
      const seen: number[] = [];
      for await (const at of ticker) {
        seen.push(at.durationSince(start));
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([0, 50, 100]);
      expect((await ticker.tick()).durationSince(start)).toBe(150);
    });
    await runtime.shutdown();
  });

  describe('bad input', () => {
    it.each([0, -5, Number.NaN, Infinity])('rejects the period %p with a RangeError naming it', (period) => {
      expect(() => interval(period)).toThrow(RangeError);
      expect(() => interval(period)).toThrow(String(period));
      expect(() => intervalAt(Instant.now(), period)).toThrow(RangeError);
    });

    it('rejects a start that is not an Instant with a TypeError', () => {
      expect(() => intervalAt(0 as unknown as Instant, 10)).toThrow(TypeError);
    });
  });
});
