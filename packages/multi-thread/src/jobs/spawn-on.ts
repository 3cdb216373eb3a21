import { JobError } from './job-error.js';
import type { JobHandle } from './job-handle.js';
import type { JobTarget, SpawnOnOptions } from './types.js';
import { workerJobsClient } from './worker.js';

/**
 * Spawns a job described as data — `module`'s export `exportName`, called with a
 * {@link JobContext} and `args` — onto a worker of the current multi-thread runtime, and
 * returns a {@link JobHandle} for its result (see `JobContext`).
 *
 * `target` is a worker index (the job is pinned: only that worker runs it, nobody steals it)
 * or `'any'`: from inside a worker the job goes onto that worker's local queue, where an idle
 * worker may steal it (half of the queue at a time); from the main thread
 * (`runtime.spawnOn`) onto the global injector. A worker runs the export inside a task of its
 * runtime, one job start per event-loop turn, importing each module once. `module` is a `URL`,
 * a `file:`/`data:` URL string or an absolute path; `args` and the result are structured-cloned
 * (channel ends from this package are transferred). Jobs from one spawner on one queue start
 * in FIFO order; across workers there is no order.
 *
 * **Cancellation:** `handle.abort()` or `options.signal`: a queued job is removed (it never
 * runs, even if a thief already holds its slot); a running job's task is aborted on its worker.
 * Exactly once: a job runs on at most one worker, whatever the races.
 *
 * **Errors:** thrown at once: `RangeError` for a target that is not `'any'` or a worker index,
 * `TypeError` for a relative path, an empty export name or non-array args, `JobError`
 * `ERR_RT_JOB_NO_WORKER` when called outside a worker (use `runtime.spawnOn` on the main
 * thread). The handle rejects with `JobError`: `ERR_RT_JOB_PANICKED` (the export threw or is
 * missing, or a value could not be cloned), `ERR_RT_JOB_CANCELLED`, `ERR_RT_JOB_WORKER_CRASHED`,
 * `ERR_RT_JOB_TOO_LARGE` (arguments above 32 KiB serialized), `ERR_RT_JOB_SHUTDOWN`.
 *
 * **Back-pressure:** at most 4096 jobs are queued or running per runtime (their arguments
 * share an 8 MiB arena); past that `spawnOn` still returns at once and the job waits in the
 * spawning thread, in FIFO order, until a slot frees up.
 *
 * **Example**
 * ```ts
 * // jobs.mjs: export function fib(job, n) { return n < 2 ? n : fib(job, n - 1) + fib(job, n - 2); }
 * const handles = [30, 31, 32].map((n) => spawnOn<number>('any', new URL('./jobs.mjs', import.meta.url), 'fib', [n]));
 * console.log(await Promise.all(handles));
 * ```
 */
export function spawnOn<T = unknown>(target: JobTarget, module: URL | string, exportName: string, args?: readonly unknown[], options?: SpawnOnOptions): JobHandle<T> {
  const client = workerJobsClient();
  if (client === undefined) {
    throw new JobError('ERR_RT_JOB_NO_WORKER', 0, 'spawnOn: not inside a worker of a multi-thread runtime (on the main thread, use runtime.spawnOn)');
  }
  return client.spawnOn<T>(target, module, exportName, args, options);
}
