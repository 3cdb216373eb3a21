/**
 * `test`: a jest test that runs on a fresh rt runtime (Tokio's `#[tokio::test]`).
 */
import { Builder } from '@rt/scheduler';
import { timeout } from '@rt/time';

/** Options of {@link test}. */
export interface TestOptions {
  /** Start with the clock paused: sleeps auto-advance when every task is idle. */
  readonly startPaused?: boolean;
  /** Fail the test if it has not finished after this many ms of *runtime* time. */
  readonly timeout?: number;
  /** jest's own (wall-clock) timeout for the test, in ms. */
  readonly jestTimeout?: number;
}

type JestIt = (name: string, fn: () => Promise<void>, timeout?: number) => void;

/**
 * Registers a jest test that builds a fresh runtime (I/O and time enabled, unhandled task
 * errors shut it down), runs `fn` as its main task, and shuts the runtime down afterwards.
 * The test fails if `fn` throws, if any task spawned on the runtime fails unawaited while the
 * test runs, or if `options.timeout` ms of runtime time pass first (with `startPaused`, that
 * is virtual time: a test that sleeps an hour finishes at once).
 *
 * **Cancellation:** The runtime is shut down after the test; tasks still alive are aborted.
 *
 * **Errors:** `TypeError` outside jest (no global `it`) or for a bad `fn`; `RangeError` for
 * a bad `timeout`.
 *
 * **Example**
 * ```ts
 * test('a sleep of an hour takes no time', async () => {
 *   await sleep(3_600_000);
 * }, { startPaused: true });
 * ```
 */
export function test(name: string, fn: () => unknown, options: TestOptions = {}): void {
  const it = (globalThis as { it?: JestIt }).it;
  if (typeof it !== 'function') throw new TypeError('test: no global `it`: @rt/macros test() runs under jest');
  if (typeof fn !== 'function') throw new TypeError(`test: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const limit = options.timeout;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0)) {
    throw new RangeError(`test: timeout must be a positive number of milliseconds, got ${String(limit)}`);
  }
  it(name, () => runTest(fn, options), options.jestTimeout);
}

async function runTest(fn: () => unknown, options: TestOptions): Promise<void> {
  const builder = Builder.currentThread().enableAll().unhandledError('shutdown').name('test');
  if (options.startPaused) builder.startPaused(true);
  const runtime = builder.build();
  try {
    const limit = options.timeout;
    await runtime.run(limit === undefined ? fn : () => timeout(limit, () => fn()));
  } finally {
    await runtime.shutdown();
  }
}
