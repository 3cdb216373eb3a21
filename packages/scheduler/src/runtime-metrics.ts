import type { RuntimeHistograms } from './instrumentation.js';

/**
 * What `runtime.metrics()` / `Handle.current().metrics()` report: a plain snapshot object.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { aliveTasks, forcedYields, blockingQueueDepth } = runtime.metrics();
 * ```
 */
export interface RuntimeMetrics {
  /** The runtime's name (`Builder.name`, `'default'` for the default runtime). */
  readonly name: string;
  /** Tasks (and blocking jobs) spawned and not yet finished. */
  readonly aliveTasks: number;
  /** Tasks (and blocking jobs) ever spawned. */
  readonly spawnedTasks: number;
  /** Times the cooperative budget forced an rt operation to wait for the next macrotask. */
  readonly forcedYields: number;
  /** Tasks that failed with nobody awaiting them yet (candidates for the unhandled-error report). */
  readonly unhandledErrors: number;
  /** Worker threads in the blocking pool. */
  readonly blockingThreads: number;
  readonly blockingThreadsBusy: number;
  readonly blockingThreadsIdle: number;
  /** Blocking jobs waiting for a thread. */
  readonly blockingQueueDepth: number;
  /** See `Handle.pendingExternalWork`. */
  readonly pendingExternalWork: number;
  readonly ioEnabled: boolean;
  readonly timeEnabled: boolean;
  /**
   * Poll time, schedule delay and event-loop delay of an instrumented runtime
   * (`Builder.instrument()`); undefined when the runtime is not instrumented.
   */
  readonly histograms: RuntimeHistograms | undefined;
  /** Each driver extension's own counters (e.g. the I/O driver's), by extension key description. */
  readonly drivers: Readonly<Record<string, Readonly<Record<string, number | string | boolean>>>>;
}
