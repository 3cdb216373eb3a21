import { Builder, Cancelled, JoinError, RuntimeShutdown, isCancelled } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import fc from 'fast-check';
import { Instant, Sleep, advance, interval, sleep, sleepUntil, timeout } from '@rt/time';

function paused(autoAdvance = true): Runtime {
  return Builder.currentThread().startPaused().autoAdvance(autoAdvance).build();
}

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

/** Timers that keep the process alive (ref'd Node timers), e.g. the wheel's one Node timer. */
describe('sleep', () => {
  it('completes no earlier than its deadline on the real clock', async () => {
    const start = Instant.now();
    await sleep(5);
    expect(start.elapsed()).toBeGreaterThanOrEqual(5);
  });

  it('completes a one-hour sleep at once on a paused clock, and Instant shows the hour', async () => {
    const runtime = paused();
    const elapsed = await runtime.run(async () => {
      const start = Instant.now();
      await sleep(3_600_000);
      return start.elapsed();
    });
    expect(elapsed).toBe(3_600_000);
    await runtime.shutdown();
  });

  it('wakes many sleepers in deadline order, equal deadlines in the order they slept', async () => {
    const runtime = paused();
    const order = await runtime.run(async () => {
      const woke: string[] = [];
      const delays = [50, 10, 4096, 10, 64, 63, 4095, 50, 0, 262_144, 10];
      await Promise.all(delays.map(async (ms, index) => {
        await sleep(ms);
        woke.push(`${ms}#${index}`);
      }));
      return woke;
    });
    expect(order).toEqual(['0#8', '10#1', '10#3', '10#10', '50#0', '50#7', '63#5', '64#4', '4095#6', '4096#2', '262144#9']);
    await runtime.shutdown();
  });

  it('accepts fractional durations and rounds the deadline up to the next millisecond', async () => {
    const runtime = paused(false);
    await runtime.run(async () => {
      const start = Instant.now();
      const tracked = track(sleep(1.5));
      await advance(1);
      expect(tracked.isPending()).toBe(true);
      await advance(1);
      expect(tracked.isResolved()).toBe(true);
      expect(start.elapsed()).toBe(2);
    });
    await runtime.shutdown();
  });

  it('exposes its deadline and whether it has elapsed', async () => {
    const runtime = paused(false);
    await runtime.run(async () => {
      const start = Instant.now();
      const delay = sleep(100);
      expect(delay).toBeInstanceOf(Sleep);
      expect(delay.deadline.durationSince(start)).toBe(100);
      expect(delay.isElapsed).toBe(false);
      await advance(100);
      expect(delay.isElapsed).toBe(true);
      await delay; // already elapsed: completes at once
    });
    await runtime.shutdown();
  });

  it('sleepUntil completes at the instant, and at once for a past instant', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const start = Instant.now();
      await sleepUntil(start.add(250));
      expect(start.elapsed()).toBe(250);
      await sleepUntil(start);
      expect(start.elapsed()).toBe(250);
    });
    await runtime.shutdown();
  });

  it('shares one wait between several awaiters', async () => {
    const runtime = paused();
    await runtime.run(async () => {
      const delay = sleep(10);
      await Promise.all([delay, delay, delay]);
      expect(pendingTimers(runtime)).toBe(0);
    });
    await runtime.shutdown();
  });

  it('fires any mix of sleeps in stable deadline order, never early, and leaks no aborted entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 300_000 })), abort: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 10 }),
        async (specs, steps) => {
          const runtime = paused(false);
          try {
            await runtime.run(async () => {
              const start = Instant.now();
              const fired: { index: number; at: number }[] = [];
              const controllers = specs.map(() => new AbortController());
              const waits = specs.map(({ ms }, index) =>
                track(sleep(ms, { signal: (controllers[index] as AbortController).signal }).then(() => fired.push({ index, at: start.elapsed() }))),
              );
              await settle();
              specs.forEach(({ abort }, index) => {
                if (abort) controllers[index]?.abort();
              });
              for (const step of [...steps, 400_000]) await advance(step);
              const expected = specs
                .map(({ ms, abort }, index) => ({ ms, abort, index }))
                .filter(({ abort, ms }) => !abort || ms === 0)
                .sort((a, b) => a.ms - b.ms || a.index - b.index)
                .map(({ index }) => index);
              expect(fired.map(({ index }) => index)).toEqual(expected);
              for (const { index, at } of fired) expect(at).toBeGreaterThanOrEqual(specs[index]?.ms ?? 0);
              specs.forEach(({ abort, ms }, index) => {
                if (abort && ms > 0) expect(isCancelled(waits[index]?.error)).toBe(true);
              });
              expect(pendingTimers(runtime)).toBe(0);
            });
          } finally {
            await runtime.shutdown();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  describe('reset', () => {
    it('moves a pending wait earlier', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const start = Instant.now();
        const delay = sleep(1_000);
        const tracked = track(delay);
        await settle();
        delay.reset(start.add(10));
        await advance(10);
        expect(tracked.isResolved()).toBe(true);
      });
      await runtime.shutdown();
    });

    it('moves a pending wait later', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const start = Instant.now();
        const delay = sleep(10);
        const tracked = track(delay);
        await settle();
        delay.reset(start.add(500));
        await advance(10);
        expect(tracked.isPending()).toBe(true);
        await advance(489);
        expect(tracked.isPending()).toBe(true);
        await advance(1);
        expect(tracked.isResolved()).toBe(true);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('completes a pending wait at once when reset to the past', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const start = Instant.now();
        const delay = sleep(1_000);
        const tracked = track(delay);
        await settle();
        delay.reset(start);
        await settle();
        expect(tracked.isResolved()).toBe(true);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('rejects a deadline that is not an Instant', () => {
      const delay = sleep(1);
      expect(() => delay.reset(5 as unknown as Instant)).toThrow(TypeError);
      delay[Symbol.dispose]();
    });
  });

  describe('cancellation', () => {
    it('rejects with Cancelled and removes its timer when the signal aborts', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const controller = new AbortController();
        const tracked = track(sleep(1_000, { signal: controller.signal }));
        await settle();
        expect(pendingTimers(runtime)).toBe(1);
        controller.abort(new Error('stop'));
        await settle();
        expect(tracked.error).toBeInstanceOf(Cancelled);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('rejects at once when the signal is already aborted', async () => {
      await expect(sleep(10, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    });

    it('leaves no timer in the wheel when awaited with a signal that is already aborted', async () => {
      // Regression (tools/reliability): the entry stayed in the wheel until its deadline
      // (an hour here), holding the wheel's Node timer, when park() refused the wait.
      const runtime = paused(false);
      await runtime.run(async () => {
        const signal = AbortSignal.abort();
        const waits = [track(sleep(3_600_000, { signal })), track(sleep(0, { signal })), track(sleepUntil(Instant.now(), { signal }))];
        await settle();
        expect(waits.every((wait) => isCancelled(wait.error))).toBe(true);
        expect(pendingTimers(runtime)).toBe(0);
        const controller = new AbortController();
        const delay = sleep(3_600_000, { signal: controller.signal });
        controller.abort(); // before anything awaits the Sleep
        await expect(Promise.resolve(delay)).rejects.toBeInstanceOf(Cancelled);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('removes its timer when the task sleeping is aborted', async () => {
      const runtime = paused(false);
      const task = runtime.spawn(async () => {
        await sleep(60_000);
        return 'woke';
      });
      await settle(2);
      expect(pendingTimers(runtime)).toBe(1);
      task.abort();
      const error = await Promise.resolve(task).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JoinError);
      expect((error as JoinError).isCancelled()).toBe(true);
      expect(pendingTimers(runtime)).toBe(0);
      await runtime.shutdown();
    });

    it('leaves no cancelled entries behind after many aborted sleeps', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const controller = new AbortController();
        const waits = Array.from({ length: 1_000 }, (_, index) => track(sleep(1 + index * 97, { signal: controller.signal })));
        await settle();
        expect(pendingTimers(runtime)).toBe(1_000);
        controller.abort();
        await settle();
        expect(waits.every((wait) => isCancelled(wait.error))).toBe(true);
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });

    it('can be awaited again after an aborted wait, keeping its deadline', async () => {
      const runtime = paused(false);
      const start = await runtime.run(() => Instant.now());
      // Wrapped: returning the Sleep itself would make run() await it.
      const { delay } = await runtime.run(() => ({ delay: sleep(100) }));
      const first = runtime.spawn(async () => {
        await delay;
      });
      await settle(2);
      first.abort();
      await Promise.resolve(first).catch(() => undefined);
      expect(pendingTimers(runtime)).toBe(0);
      await runtime.run(async () => {
        const second = track(delay);
        await settle();
        expect(pendingTimers(runtime)).toBe(1);
        await advance(100);
        expect(second.isResolved()).toBe(true);
        expect(start.elapsed()).toBe(100);
      });
      await runtime.shutdown();
    });

    it('delivers the wake-up when the abort comes in the same tick after it', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const controller = new AbortController();
        const tracked = track(sleep(10, { signal: controller.signal }));
        await settle();
        void advance(10); // the jump and the wake-up happen synchronously
        controller.abort();
        await settle();
        expect(tracked.isResolved()).toBe(true);
      });
      await runtime.shutdown();
    });

    it('is cancelled by disposal: the timer goes and a pending wait rejects', async () => {
      const runtime = paused(false);
      await runtime.run(async () => {
        const delay = sleep(1_000);
        const tracked = track(delay);
        await settle();
        delay[Symbol.dispose]();
        await settle();
        expect(tracked.error).toBeInstanceOf(Cancelled);
        expect(pendingTimers(runtime)).toBe(0);
        await expect(delay).rejects.toBeInstanceOf(Cancelled);
        expect(() => delay.reset(Instant.now())).toThrow(TypeError);
        {
          using scoped = sleep(50);
          expect(pendingTimers(runtime)).toBe(1);
          void scoped;
        }
        expect(pendingTimers(runtime)).toBe(0);
      });
      await runtime.shutdown();
    });
  });

  describe('bad input', () => {
    it.each([-1, Number.NaN, Infinity, -Infinity])('rejects the duration %p with a RangeError naming it', (ms) => {
      expect(() => sleep(ms)).toThrow(RangeError);
      expect(() => sleep(ms)).toThrow(String(ms));
    });

    it('rejects a non-number duration and bad options with a TypeError', () => {
      expect(() => sleep('10' as unknown as number)).toThrow(TypeError);
      expect(() => sleep(1, { signal: 'no' as unknown as AbortSignal })).toThrow(TypeError);
      expect(() => sleepUntil(10 as unknown as Instant)).toThrow(TypeError);
    });
  });

  describe('runtime shutdown', () => {
    it('rejects a pending sleep with RuntimeShutdown', async () => {
      const runtime = paused(false);
      let delay: Sleep | undefined;
      runtime.spawn(() => {
        delay = sleep(1_000);
      });
      await settle();
      const tracked = track(delay as Sleep);
      await settle();
      await runtime.shutdown();
      await settle();
      expect(tracked.error).toBeInstanceOf(RuntimeShutdown);
      await expect(delay as Sleep).rejects.toBeInstanceOf(RuntimeShutdown);
    });
  });

  describe('after shutdown', () => {
    it('a sleep, timeout or interval started on a shut-down runtime rejects with RuntimeShutdown', async () => {
      const runtime = paused(false);
      const results: ReturnType<typeof track>[] = [];
      runtime.spawn(() => {
        void runtime.shutdown();
        results.push(track(sleep(10)), track(timeout(10, Promise.resolve(1))), track(interval(10).tick()));
      });
      await settle(2);
      expect(results).toHaveLength(3);
      for (const result of results) expect(result.error).toBeInstanceOf(RuntimeShutdown);
    });

    it('the shut-down driver (made at its first need, then kept) refuses every later runtime\'s timers too', async () => {
      for (let round = 0; round < 2; round++) {
        const runtime = paused(false);
        const results: ReturnType<typeof track>[] = [];
        runtime.spawn(() => {
          void runtime.shutdown();
          results.push(track(sleep(5)), track(timeout(5, Promise.resolve(1))));
        });
        await settle(2);
        expect(results.map((r) => r.error instanceof RuntimeShutdown)).toEqual([true, true]);
      }
    });
  });

  describe('keeping the process alive', () => {
    it('holds one ref\'d Node timer only while a sleep is awaited', async () => {
      // The driver's own flag, not a count of every Timeout in the process: the test runner's
      // timers come and go meanwhile (a global count flaked under load).
      const runtime = Builder.currentThread().build();
      const refed = (): unknown => runtime.metrics().drivers['rt.time']?.['nodeTimerRefed'];
      let idle: Sleep | undefined;
      const done = runtime.run(async () => {
        idle = sleep(60_000); // nobody awaits it
        expect(refed()).toBe(false);
        const a = sleep(20);
        const b = sleep(30);
        const waiting = Promise.all([a, b]);
        await settle();
        expect(refed()).toBe(true);
        await waiting;
      });
      await settle();
      expect(refed()).toBe(true);
      await done;
      await settle(); // the Node timer is unref'd on the turn after the last wait ends
      expect(refed()).toBe(false);
      expect(runtime.metrics().drivers['rt.time']?.['pendingTimers']).toBe(1); // idle is still registered, unref'd
      idle?.[Symbol.dispose]();
      await runtime.shutdown();
    });
  });
});
