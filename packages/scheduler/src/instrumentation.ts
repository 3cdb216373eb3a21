/**
 * One live task of an instrumented runtime, as `Handle.taskStats()` reports it: what
 * `dump()` says plus the accounting of `Builder.instrument()`.
 *
 * A poll is one synchronous segment of the task's code (its first call, then each promise
 * continuation after an `await`); `busyMs` is their total time, `scheduledMs` the time the
 * task spent ready to run (spawned, or woken by an rt primitive) before its next segment.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const t of handle.taskStats()) console.log(t.name, t.busyMs.toFixed(1), t.polls, t.wakes);
 * ```
 */
export interface TaskStats {
  readonly id: number;
  readonly name: string | undefined;
  readonly kind: 'task' | 'blocking';
  readonly state: 'scheduled' | 'running' | 'waiting' | 'idle' | 'blocking';
  /** Labels of the rt primitives the task is parked on, most recent first. */
  readonly waitingOn: readonly string[];
  readonly ageMs: number;
  /** `file:line:column` of the spawn call. */
  readonly location: string | undefined;
  readonly busyMs: number;
  readonly polls: number;
  readonly wakes: number;
  /** The task that woke it last (undefined: woken from outside any task). */
  readonly lastWakerId: number | undefined;
  readonly scheduledMs: number;
  /** The longest segment so far. */
  readonly maxPollMs: number;
  readonly cancelRequested: boolean;
}

/**
 * A warning of the blocking detector (`Handle.warnings()`, and the message of the
 * `rt:warning` diagnostics channel): a task segment ran at least `thresholdMs` without
 * yielding. Reported once per spawn location (once per task name when none is known).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * diagnostics_channel.subscribe('rt:warning', (w) => console.error((w as RtWarning).message));
 * ```
 */
export interface RtBlockingWarning {
  readonly kind: 'blocking';
  /** The runtime's name. */
  readonly runtime: string;
  /** The task's id and name. */
  readonly id: number;
  readonly name: string | undefined;
  /** Where the task was spawned. */
  readonly location: string | undefined;
  readonly durationMs: number;
  readonly thresholdMs: number;
  /** One line for humans, e.g. `task 7 "parser" blocked the event loop for 81.2 ms (threshold 50 ms), spawned at …`. */
  readonly message: string;
  /** `Date.now()` when it was reported. */
  readonly at: number;
}

/**
 * A lost wake: a task is parked on a primitive that nothing can wake any more, because every
 * handle that could (the senders of an `@rt/sync` oneshot or mpsc channel) was
 * garbage-collected without being closed. Found when the garbage collector frees the last
 * such handle, so it comes some time after the handle was dropped; reported once per parked
 * operation.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for (const w of handle.warnings()) if (w.kind === 'lost-wake') console.error(w.label, w.message);
 * ```
 */
export interface RtLostWakeWarning {
  readonly kind: 'lost-wake';
  readonly runtime: string;
  readonly id: number;
  readonly name: string | undefined;
  readonly location: string | undefined;
  /** What the task is parked on (`'oneshot.Receiver.recv'`, `'mpsc.Receiver.recv'`, …). */
  readonly label: string;
  /** One line for humans, e.g. `task 9 "consumer" waits on mpsc.Receiver.recv but every sender was garbage-collected without close(): nothing can wake it`. */
  readonly message: string;
  readonly at: number;
}

/** A warning of `Handle.warnings()` and the `rt:warning` channel: `kind` tells which. */
export type RtWarning = RtBlockingWarning | RtLostWakeWarning;

/**
 * One latency distribution of an instrumented runtime, in milliseconds (all 0 while `count`
 * is 0). Percentiles come from Node's HDR histogram (3 significant figures).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { p99 } = runtime.metrics().histograms!.pollMs;
 * ```
 */
export interface LatencyHistogram {
  /** Samples recorded. */
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Median. */
  readonly p50: number;
  /** 99th percentile. */
  readonly p99: number;
}

/**
 * `metrics().histograms` of a runtime built with `Builder.instrument()` (undefined otherwise),
 * counted since the runtime was built.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const h = runtime.metrics().histograms;
 * if (h) console.log(`poll p99 ${h.pollMs.p99} ms, loop delay p99 ${h.eventLoopDelayMs.p99} ms`);
 * ```
 */
export interface RuntimeHistograms {
  /** Duration of each task segment (poll): the same samples as `TaskStats.busyMs` sums. */
  readonly pollMs: LatencyHistogram;
  /** From a task becoming ready (spawned, or woken by an rt primitive) to its next segment starting. */
  readonly scheduleDelayMs: LatencyHistogram;
  /**
   * Event-loop delay (`perf_hooks.monitorEventLoopDelay`, sampled every 10 ms): how late a
   * timer fired beyond its 10 ms interval, i.e. how long the loop was busy. Counts the
   * whole thread, not only this runtime's tasks.
   */
  readonly eventLoopDelayMs: LatencyHistogram;
}
