// The Node timer's turn fires a backlog of due ticks one tick per microtask: the callbacks of
// an earlier tick run before a later tick fires (as Node runs the microtasks after each
// setTimeout callback), so a callback can still dispose of a timer due a millisecond later.
// `advance` on a paused clock still fires everything due before it returns.
import { performance } from 'node:perf_hooks';
import { Builder, Cancelled } from '@rt/scheduler';
import { advance, sleep } from '@rt/time';

/** Blocks the thread (so that several ticks are due when the Node timer finally runs). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/**
 * Waits until `done()` or about a second has passed (then the test's assertion fails): for the
 * driver's turn that fires the backlog, however late it comes. Not one `await sleep(20)`: a
 * Sleep awaited after its deadline completes at once (documented), so a process descheduled
 * for 20 ms between creating that Sleep and awaiting it (CI, load 10) resumed before the
 * driver's Node timer had run at all, and found nothing fired.
 */
async function untilDone(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await sleep(10);
}

describe('firing a backlog of due ticks', () => {
  it('runs the callbacks of one tick before the next tick fires (a later timer can still be disposed of)', async () => {
    const runtime = Builder.currentThread().build();
    try {
      const order = await runtime.run(async () => {
        const order: string[] = [];
        // Deadlines far enough ahead that the callbacks are registered before either is due
        // even on a loaded machine (a Sleep awaited after its deadline completes at once: a
        // 5 ms deadline once passed while the process was descheduled during this setup).
        const first = sleep(100);
        const later = sleep(101);
        void first.then(() => {
          order.push('first');
          later[Symbol.dispose]();
        });
        void later.then(
          () => order.push('later fired'),
          (error: unknown) => order.push(error instanceof Cancelled ? 'later cancelled' : `later: ${String(error)}`),
        );
        busyWait(130); // both are due before the driver's Node timer runs
        await untilDone(() => order.length >= 2); // both outcomes recorded, in whatever order
        return order;
      });
      expect(order).toEqual(['first', 'later cancelled']);
    } finally {
      await runtime.shutdown();
    }
  });

  it('fires a backlog of 300 timers over 30 ticks in deadline order, insertion order at equal deadlines', async () => {
    const runtime = Builder.currentThread().build();
    try {
      await runtime.run(async () => {
        const fired: number[] = [];
        // Awaited as created, 200 ms ahead at least: none is already due when awaited (that
        // one would complete at once, out of deadline order, and rightly so; at 10 ms ahead a
        // loaded machine that preempted this loop made that happen).
        const sleeps = Array.from({ length: 300 }, (_, i) => {
          const delay = sleep(200 + ((i * 7) % 30));
          void delay.then(() => fired.push(i));
          return delay;
        });
        busyWait(250); // every one is due before the driver's Node timer runs: ~30 ticks of backlog
        await untilDone(() => fired.length === sleeps.length);
        const expected = sleeps.map((_, i) => i).sort((a, b) => sleeps[a]!.deadline.compare(sleeps[b]!.deadline) || a - b);
        expect(fired).toEqual(expected);
      });
    } finally {
      await runtime.shutdown();
    }
  });

  it('advance() on a paused clock still fires every due timer before it returns', async () => {
    const runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    try {
      await runtime.run(async () => {
        const fired: number[] = [];
        for (let i = 1; i <= 50; i++) void sleep(i).then(() => fired.push(i));
        await advance(50);
        expect(fired).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });
    } finally {
      await runtime.shutdown();
    }
  });
});
