// @rt/scheduler: the runtime core of rt — tasks you can spawn, join, abort and inspect, on a
// runtime that never lets a busy task starve timers and I/O.
//
// Which piece to reach for:
// - `spawn(fn)` runs `fn` as a task on the current runtime (a default one is created on first
//   use) and returns a `JoinHandle`: await it for the value, `abort()` it to cancel.
// - `JoinSet` owns a group of tasks: join them as they finish, abort the rest on disposal.
// - `spawnBlocking(moduleUrl, exportName, args)` runs CPU-bound work on worker threads.
// - `yieldNow()`, `TaskLocal`, `taskId()`, `currentTask().signal` for code inside tasks.
// - `Builder.currentThread()…build()` makes an explicit `Runtime` (`run`, `shutdown`,
//   `metrics`, `dump`); `Handle.current()` reaches the current one.
// - For authors of rt primitives: `park` (a cancel-safe wait), `coop` (the cooperative budget),
//   `throwIfCancelled`, the error classes, and `Handle.extension` for per-runtime drivers.
//
//     const handle = spawn(async () => 6 * 7);
//     console.log(await handle); // 42
//
// Cancellation: aborting a task makes its current or next rt await point reject with
// `Cancelled`, so its `finally` blocks and `using` disposals run.

export { RtError, Cancelled, RuntimeShutdown, JoinError, isCancelled } from './errors.js';
export { park, throwIfCancelled } from './park.js';
export type { Waiter, WaitOptions } from './park.js';
export { coop, coopOrCancelled, unconstrained } from './coop.js';
export { Handle } from './handle.js';
export type { SpawnOptions, SpawnBlockingOptions } from './handle.js';
export { Builder } from './builder.js';
export type { RuntimeConfig } from './builder.js';
export { Runtime } from './runtime.js';
export type { RuntimeMetrics } from './runtime-metrics.js';
export { RuntimeDump } from './runtime-dump.js';
export type { TaskDump } from './runtime-dump.js';
export { JoinHandle } from './join-handle.js';
export { AbortHandle } from './abort-handle.js';
export { JoinSet } from './join-set.js';
export { spawn } from './spawn.js';
export { spawnBlocking } from './spawn-blocking.js';
export { yieldNow } from './yield-now.js';
export { TaskLocal } from './task-local.js';
export { currentTask, tryCurrentTask, taskId } from './current-task.js';
export type { CurrentTask } from './current-task.js';
export type { TaskStats, RtWarning, RtBlockingWarning, RtLostWakeWarning, LatencyHistogram, RuntimeHistograms } from './instrumentation.js';
export { diagnosticsChannels } from './diagnostics.js';
