// @rt/multi-thread: rt on every core. (Guide written when the parts land.)
export { Builder, MultiThreadBuilder, MultiThreadRuntime, currentWorker, WorkerCrashed, MultiThreadDump } from './runtime/index.js';
export type { WorkerDump, MultiThreadMetrics, WorkerMetrics, WorkerStart } from './runtime/index.js';
export type { MultiThreadConfig, WorkerContext } from './internal/contract.js';
