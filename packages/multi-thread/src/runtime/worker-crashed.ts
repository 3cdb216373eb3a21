import { RtError } from '@rt/scheduler';

/**
 * A worker thread of a multi-thread runtime crashed: its entry threw, an exception escaped
 * (a throw in a timer callback, an unhandled rejection), or it called `process.exit()`.
 *
 * `workerIndex` is the worker's index (0 … count-1), `cause` what brought it down (the
 * thrown error re-created with its name, message, `code` and stack; or an Error naming the
 * exit code), `exitCode` the thread's exit code when it had exited by the time of the report.
 * A crash is always reported (an `'error'` line on stderr, or the builder's `onError`
 * callback) and counted in `runtime.metrics().workers[i].restarts` when the worker is
 * replaced. With `onWorkerCrash('shutdown')` (the default) `runtime.run()` rejects with it.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none. Code `ERR_RT_WORKER_CRASHED`.
 *
 * **Example**
 * ```ts
 * try {
 *   await runtime.run(new URL('./server.js', import.meta.url));
 * } catch (error) {
 *   if (error instanceof WorkerCrashed) console.error(`worker ${error.workerIndex}:`, error.cause);
 * }
 * ```
 */
export class WorkerCrashed extends RtError {
  /** Index of the worker that crashed (a replacement gets the same index). */
  readonly workerIndex: number;
  /** The runtime's name (`MultiThreadBuilder.name`). */
  readonly runtimeName: string;
  /** The thread's exit code, when it had exited by the time the crash was reported. */
  readonly exitCode: number | undefined;

  constructor(workerIndex: number, runtimeName: string, cause: unknown, exitCode?: number) {
    const reason = typeof (cause as { message?: unknown })?.message === 'string' ? (cause as { message: string }).message : String(cause);
    super('ERR_RT_WORKER_CRASHED', `worker ${workerIndex} of runtime ${JSON.stringify(runtimeName)} crashed: ${reason}`, { cause });
    this.workerIndex = workerIndex;
    this.runtimeName = runtimeName;
    this.exitCode = exitCode;
  }
}
Object.defineProperty(WorkerCrashed.prototype, 'name', { value: 'WorkerCrashed', writable: true, configurable: true });
