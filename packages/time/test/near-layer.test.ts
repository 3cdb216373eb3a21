// Timers due within 4,096 ms (NEAR) sit in the driver's near layer, later ones in the wheel; the
// driver merges the two. These tests pin the merge: deadline order, and insertion order at
// equal deadlines even when one entry went to the wheel and a later one to the near layer.
import { Builder } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import fc from 'fast-check';
import { Instant, Sleep, advance, sleep } from '@rt/time';
import { NEAR } from '../src/internal/near.js';

function pendingTimers(runtime: Runtime): number {
  return Number(runtime.metrics().drivers['rt.time']?.['pendingTimers'] ?? 0);
}

describe('near layer and wheel together', () => {
  it('fires equal deadlines in insertion order across the layers (wheel entry first)', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const order = await runtime.run(async () => {
      const fired: string[] = [];
      void sleep(2_000).then(() => fired.push('far, inserted first')); // beyond the horizon: wheel
      await advance(1_500);
      void sleep(500).then(() => fired.push('near, same deadline')); // within it: near layer
      void sleep(499).then(() => fired.push('near, one ms earlier'));
      expect(pendingTimers(runtime)).toBe(3);
      await advance(600);
      await settle();
      return fired;
    });
    expect(order).toEqual(['near, one ms earlier', 'far, inserted first', 'near, same deadline']);
    expect(pendingTimers(runtime)).toBe(0);
    await runtime.shutdown();
  });

  it('fires equal deadlines in insertion order across the layers at the 4,096 ms horizon', async () => {
    // The first test's numbers predate the wider horizon (its 2,000 ms sleep now stays in the
    // near layer); these put the first sleep beyond NEAR ticks, in the wheel.
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const order = await runtime.run(async () => {
      const fired: string[] = [];
      void sleep(NEAR + 1_000).then(() => fired.push('far, inserted first')); // beyond the horizon: wheel
      void sleep(NEAR - 1).then(() => fired.push('near, the last bucket'));
      await advance(1_500);
      void sleep(NEAR - 500).then(() => fired.push('near, same deadline')); // within it: near layer
      void sleep(NEAR - 501).then(() => fired.push('near, one ms earlier'));
      expect(pendingTimers(runtime)).toBe(4);
      await advance(NEAR);
      await settle();
      return fired;
    });
    expect(order).toEqual(['near, the last bucket', 'near, one ms earlier', 'far, inserted first', 'near, same deadline']);
    expect(pendingTimers(runtime)).toBe(0);
    await runtime.shutdown();
  });

  it('fires any schedule of sleeps made over time in (deadline, insertion) order, never early', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_500 })),
            ms: fc.oneof(fc.integer({ min: 1, max: 2_200 }), fc.constantFrom(63, 64, 1_023, 1_024, 1_025, 4_096)),
            cancel: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (specs) => {
          const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
          try {
            await runtime.run(async () => {
              const start = Instant.now();
              const fired: { index: number; at: number }[] = [];
              const deadlines: number[] = [];
              const sleeps: Sleep[] = [];
              for (const [index, { gap, ms }] of specs.entries()) {
                if (gap > 0) await advance(gap);
                deadlines.push(start.elapsed() + ms);
                const delay = sleep(ms);
                sleeps.push(delay);
                delay.then(
                  () => fired.push({ index, at: start.elapsed() }),
                  () => undefined,
                );
              }
              // Dispose of the chosen ones that have not fired yet.
              const cancelled = new Set<number>();
              specs.forEach(({ cancel }, index) => {
                if (cancel && !fired.some((f) => f.index === index)) {
                  sleeps[index]?.[Symbol.dispose]();
                  cancelled.add(index);
                }
              });
              await advance(10_000);
              await settle();
              const expected = specs
                .map((_, index) => index)
                .filter((index) => !cancelled.has(index))
                .sort((a, b) => (deadlines[a] ?? 0) - (deadlines[b] ?? 0) || a - b);
              expect(fired.map(({ index }) => index)).toEqual(expected);
              for (const { index, at } of fired) expect(at).toBeGreaterThanOrEqual(deadlines[index] ?? 0);
              expect(pendingTimers(runtime)).toBe(0);
            });
          } finally {
            await runtime.shutdown();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
