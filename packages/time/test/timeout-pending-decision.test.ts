// Review rv36 of pass rc30: the function form of `timeout` whose work parked no rt wait (or whose
// waits have all ended) lets the work's outcome decide until the end of the turn when the caller
// aborts (its own wait returned `settleLater`: out of the task and the signal, unsettled), and the
// timer's `slot` carries the pending decision (-2/-3). These specs check that the decision always
// settles: with the clock paused and no auto-advance (the turn's end is an immediate, not a timer),
// when the task is aborted twice, when the runtime shuts down during the decision, and while the
// wheel fires and cascades other timers.
import { Builder, type Runtime } from '@rt/scheduler';
import { advance, sleep, timeout } from '@rt/time';

/** What a promise came to, as a string (never throws). */
const outcome = (p: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(p).then(
    (v) => `value ${String(v)}`,
    (e: unknown) => `error ${(e as Error).name}`,
  );

/** A work that ignores its signal and parks no rt wait: it never completes. */
const forever = (): Promise<never> => new Promise<never>(() => undefined);

describe('timeout: the function form whose outcome decides after the caller aborts (review rv36)', () => {
  let runtime: Runtime;
  afterEach(async () => {
    await runtime.shutdown();
  });

  it('the clock paused without auto-advance: the caller\'s abort still ends in Cancelled (no time needs to pass)', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    const result = await runtime.run(() => {
      const wait = outcome(timeout(1_000, forever, { signal: controller.signal }));
      controller.abort();
      return wait;
    });
    expect(result).toBe('error Cancelled');
  });

  it('a task aborted twice during the decision: its join settles once, Cancelled', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let seen: string | undefined;
    const task = runtime.spawn(async () => {
      seen = await outcome(timeout(1_000, forever));
      return seen;
    });
    await new Promise((resolve) => setImmediate(resolve));
    task.abort();
    task.abort();
    const joined = await outcome(task);
    // The timeout rejects with Cancelled; the task, which awaits nothing rt after it, returns that.
    expect(seen).toBe('error Cancelled');
    expect(joined).toBe('value error Cancelled');
  });

  it('the runtime shuts down in the same run as the abort: the shutdown completes and the wait settles', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    let wait: Promise<string> | undefined;
    const task = runtime.spawn(async () => {
      wait = outcome(timeout(1_000, forever, { signal: controller.signal }));
      return wait;
    });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await runtime.shutdown();
    expect(await wait!).toBe('error Cancelled');
    expect(await outcome(task)).toBe('value error Cancelled');
  });

  it('the runtime shuts down during the deadline\'s decision: the wait settles (Elapsed)', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    let wait: Promise<string> | undefined;
    runtime.spawn(async () => {
      wait = outcome(timeout(10, forever));
      return wait;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await runtime.run(() => advance(10));
    await runtime.shutdown();
    expect(await wait!).toBe('error Elapsed');
  });

  it('the caller aborts while the deadline\'s decision is pending: Cancelled, once', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    const result = await runtime.run(async () => {
      let aborted = false;
      // The deadline fires at advance(10); the sleep at the same tick aborts the caller in that run.
      const wait = outcome(timeout(10, forever, { signal: controller.signal }));
      const aborter = sleep(10).then(() => {
        controller.abort();
        aborted = true;
      });
      await advance(10);
      await aborter;
      expect(aborted).toBe(true);
      return wait;
    });
    expect(result).toBe('error Cancelled');
  });

  it('decisions pending while the wheel fires and cascades other timers: every timer fires, every wait settles', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const fired: number[] = [];
    const results = await runtime.run(async () => {
      const controllers = [0, 1, 2, 3].map(() => new AbortController());
      // Timeouts across the wheel's levels; sleeps beside them that cascade down as time passes.
      const waits = [5, 70, 5_000, 300_000].map((ms, i) => outcome(timeout(ms, forever, { signal: controllers[i]!.signal })));
      const sleeps = [1, 5, 6, 64, 70, 71, 4_096, 5_000, 5_001, 300_000, 300_001].map((ms) => sleep(ms).then(() => void fired.push(ms)));
      // Two callers abort now (their decision pends to the turn's end while the wheel runs below);
      // the others' deadlines fire as time advances.
      controllers[1]!.abort();
      controllers[3]!.abort();
      await advance(400_000);
      await Promise.all(sleeps);
      return Promise.all(waits);
    });
    expect(results).toEqual(['error Elapsed', 'error Cancelled', 'error Elapsed', 'error Cancelled']);
    expect(fired).toEqual([1, 5, 6, 64, 70, 71, 4_096, 5_000, 5_001, 300_000, 300_001]);
  });

  it('a work that completes with a value after the caller aborts, in the same run: the value wins', async () => {
    runtime = Builder.currentThread().startPaused().autoAdvance(false).build();
    const controller = new AbortController();
    const result = await runtime.run(() => {
      let complete: (v: number) => void = () => undefined;
      const wait = outcome(timeout(1_000, () => new Promise<number>((resolve) => (complete = resolve)), { signal: controller.signal }));
      controller.abort();
      complete(7);
      return wait;
    });
    expect(result).toBe('value 7');
  });
});
