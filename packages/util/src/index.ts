// @rt/util: the toolkit most services need on top of the runtime (Tokio's tokio-util and
// tokio-stream for rt).
//
// Which piece to pick:
// - Shut down cleanly: a `CancellationToken` tree says "stop" (`cancel()`, `cancelled()`,
//   `signal` for any `{ signal }` API, `childToken()`, `dropGuard()`), a `TaskTracker`
//   waits for the work in flight (`spawn`, `track`, `close`, `wait`).
export { CancellationToken, DropGuard } from './cancellation-token.js';
export { TaskTracker } from './task-tracker.js';
