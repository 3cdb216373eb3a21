// The `task` namespace of @rt/full, as Tokio's `tokio::task`.
export {
  AbortHandle,
  JoinError,
  JoinHandle,
  JoinSet,
  TaskLocal,
  currentTask,
  spawn,
  spawnBlocking,
  taskId,
  tryCurrentTask,
  unconstrained,
  yieldNow,
} from '@rt/scheduler';
export type { CurrentTask, SpawnBlockingOptions, SpawnOptions } from '@rt/scheduler';
