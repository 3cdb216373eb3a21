// @rt/multi-thread: rt on every core (Tokio's `rt-multi-thread`), built the way that is
// honest in Node: closures cannot move between threads, so the runtime is N worker threads,
// each a complete current-thread rt runtime (its own epoll reactor, its own timer wheel),
// that run the same entry module and exchange work only as data. The main thread supervises.
//
// Which piece to reach for:
// - `Builder.multiThread().workerThreads(n)…build()` → `MultiThreadRuntime`: `run(entry,
//   exportName, args)` runs the export in every worker with `{ index, count, signal }`;
//   `metrics()`, `dump()`, `shutdown()`; crashes reported, then shut down or replaced
//   (`onWorkerCrash`). `main(entry, { flavor: 'multi_thread' })` of @rt/macros wraps it with
//   signal handling and an exit code. `currentWorker()` tells code which worker it runs in.
// - `SharedListener`: one listening address served by every worker (SO_REUSEPORT, or a
//   main-thread accept loop handing accepted fds to the least-loaded worker).
// - `spawnOn(worker | 'any', module, export, args)`: a job described as data onto a
//   worker's queue or the global injector; idle workers steal half of a busy one's queue.
//   Returns a `JobHandle` (await it, `abort()` it).
// - `shared.mpsc`, `shared.oneshot`, `shared.watch`, `shared.Semaphore`, `shared.Notify`:
//   channels and synchronisation in shared memory whose ends move between workers (inside
//   job or entry args, or with `transfer()`), with @rt/sync's API, backpressure and cancel
//   safety but not its semantics in every respect (no FIFO across threads, values are
//   structured-cloned; the README's table lists the differences). The old top-level names
//   (`mpsc`, `Semaphore`, …) are deprecated aliases of the same objects.
//
//     // main.js
//     await using runtime = Builder.multiThread().workerThreads(2).build();
//     const indices = await runtime.run(new URL('./worker.js', import.meta.url), 'main');
//     // worker.js — run by every worker
//     export async function main({ index, signal }) { return index; }
//
// Cancellation: `runtime.shutdown()` aborts every worker's entry `signal` and tasks; they
// unwind through their `finally` blocks, sockets close, and every thread ends by itself.
export {
  Builder,
  MultiThreadBuilder,
  MultiThreadRuntime,
  MultiThreadDump,
  WorkerCrashed,
  currentWorker,
} from './runtime/index.js';
export type { WorkerDump, MultiThreadMetrics, WorkerMetrics, WorkerStart } from './runtime/index.js';
export type { MultiThreadConfig, WorkerContext } from './internal/contract.js';
export { spawnOn, JobError, JobHandle } from './jobs/index.js';
export type { JobErrorCode, JobTarget, SpawnOnOptions, JobContext, JobsClient } from './jobs/index.js';
export { SharedListener } from './listener/index.js';
export type { SharedListenerMode, SharedListenerOptions } from './listener/index.js';
export {
  shared,
  encodeTransferables,
  decodeTransferables,
  TRANSFER_TAG,
} from './channels/index.js';
// Deprecated aliases of `shared.*`, kept for one release (see channels/index.ts).
export { mpsc, oneshot, watch, Semaphore, SemaphorePermit, Notify, Notified } from './channels/index.js';
export type {
  TransferDescriptor,
  ChannelOptions,
  EndDescriptor,
  OneshotDescriptor,
  OneshotOptions,
  WatchDescriptor,
  WatchOptions,
  NotifyDescriptor,
  SemaphoreDescriptor,
} from './channels/index.js';
