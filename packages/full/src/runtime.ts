// The `runtime` namespace of @rt/full, as Tokio's `tokio::runtime`.
export { Builder, Handle, Runtime, RuntimeDump } from '@rt/scheduler';
export type { RuntimeConfig, RuntimeMetrics, TaskDump } from '@rt/scheduler';
