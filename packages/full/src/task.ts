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
// Jobs described as data, run on a worker of the multi-thread runtime (@rt/multi-thread).
export { JobError, JobHandle, spawnOn } from '@rt/multi-thread';
export type { JobTarget, SpawnOnOptions } from '@rt/multi-thread';
