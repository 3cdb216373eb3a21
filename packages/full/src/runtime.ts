// The `runtime` namespace of @rt/full, as Tokio's `tokio::runtime`: `Builder.currentThread()`
// and `Builder.multiThread()` (the builder of @rt/multi-thread, which hands out the
// scheduler's builder for the current-thread flavor).
export { Builder, MultiThreadBuilder, MultiThreadDump, MultiThreadRuntime, WorkerCrashed, currentWorker } from '@rt/multi-thread';
export type { MultiThreadConfig, MultiThreadMetrics, WorkerDump, WorkerMetrics, WorkerStart } from '@rt/multi-thread';
export { Handle, Runtime, RuntimeDump } from '@rt/scheduler';
export type { RuntimeConfig, RuntimeMetrics, TaskDump } from '@rt/scheduler';
