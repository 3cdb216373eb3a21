import type { RtWarning, RuntimeHistograms, TaskStats } from '@rt/scheduler';

/**
 * One worker's figures in {@link MultiThreadMetrics}: its index, whether it is alive, how busy
 * its event loop was, how many times it was replaced, and each service's per-worker figures
 * (jobs run and stolen, queue depth, connections accepted…) merged in by name.
 *
 * `busyRatio` is the share of time the worker's event loop spent running JavaScript (Node's
 * event-loop utilization, 0 … 1) since the previous `metrics()` call (since the worker started,
 * on the first call): a worker near 1 is saturated.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const w of runtime.metrics().workers) console.log(w.index, w.alive, w.busyRatio.toFixed(2), w.restarts);
 * ```
 */
export interface WorkerMetrics {
  readonly index: number;
  /** The worker thread is running (started, not stopped or crashed). */
  readonly alive: boolean;
  /** Event-loop utilization since the previous `metrics()` call, 0 … 1. */
  readonly busyRatio: number;
  /** Times a crashed worker with this index was replaced by a fresh one. */
  readonly restarts: number;
  /** Service figures (`jobsRun`, `jobsStolen`, `connectionsAccepted`, …). */
  readonly [figure: string]: number | boolean;
}

/**
 * What `MultiThreadRuntime.metrics()` returns: a plain snapshot, taken synchronously from
 * counters the workers keep in shared memory (no round trip to the workers).
 *
 * Besides the fields below it holds each service's runtime-wide figures (`totals()`), merged
 * in by name (e.g. the jobs waiting in the global injector).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { workerThreads, aliveWorkers, restarts, workers } = runtime.metrics();
 * ```
 */
export interface MultiThreadMetrics {
  /** The runtime's name. */
  readonly name: string;
  /** The configured number of workers. */
  readonly workerThreads: number;
  /** Workers currently running. */
  readonly aliveWorkers: number;
  /** Replacements of crashed workers, over all indices. */
  readonly restarts: number;
  /** One entry per worker index. */
  readonly workers: readonly WorkerMetrics[];
  /**
   * Per worker index, its runtime's histograms (poll time, schedule delay, event-loop delay,
   * as `metrics().histograms` of @rt/scheduler), refreshed by the worker every 100 ms;
   * undefined for a worker that is not instrumented (`MultiThreadBuilder.instrument()`) or
   * has not published yet.
   */
  readonly histograms: readonly (RuntimeHistograms | undefined)[];
  /** Service totals, by name. */
  readonly [figure: string]: unknown;
}

/**
 * One worker's accounting, from `MultiThreadRuntime.workerStats()`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const busiest = (await runtime.workerStats()).flatMap((w) => w.tasks).sort((a, b) => b.busyMs - a.busyMs)[0];
 * ```
 */
export interface WorkerStats {
  readonly index: number;
  /** The worker's runtime name (`${name}-worker-${index}`). */
  readonly runtime: string;
  readonly instrumented: boolean;
  /** Its live tasks (counters 0 when not instrumented). */
  readonly tasks: readonly TaskStats[];
  /** Its blocking detector's and lost-wake warnings (the last 100). */
  readonly warnings: readonly RtWarning[];
  /** Its histograms, undefined when not instrumented. */
  readonly histograms: RuntimeHistograms | undefined;
}
