// The runtime and its supervisor: `Builder.multiThread()` → `MultiThreadRuntime`, and
// `currentWorker()` for code running inside a worker.
export { Builder } from './builder.js';
export { MultiThreadBuilder } from './multi-thread-builder.js';
export { MultiThreadRuntime } from './multi-thread-runtime.js';
export { currentWorker } from './current-worker.js';
export { WorkerCrashed } from './worker-crashed.js';
export { MultiThreadDump } from './multi-thread-dump.js';
export type { WorkerDump } from './multi-thread-dump.js';
export type { MultiThreadMetrics, WorkerMetrics, WorkerStats } from './multi-thread-metrics.js';
export type { WorkerStart } from './worker-start.js';
