import { RtError } from '@rt/scheduler';

/**
 * The rejection of awaiting a {@link JobHandle} whose job did not return a value.
 *
 * `isCancelled()`: the job was aborted (`handle.abort()`, the spawner's signal, or the runtime
 * shut down) before it returned. `isPanic()`: the export threw (the thrown value, re-created
 * from its name, message, stack and code, is `cause`), the export was missing or not a
 * function, an argument or the result could not be cloned, or the worker running it crashed
 * (`code` `ERR_RT_JOB_WORKER_CRASHED`, `worker` names it). Other codes: `ERR_RT_JOB_TOO_LARGE` (serialized arguments
 * above the per-job limit: pass a channel instead), `ERR_RT_JOB_SHUTDOWN` (the runtime is
 * shutting down), `ERR_RT_JOB_NO_WORKER` (`spawnOn` outside a worker).
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none. Codes: `ERR_RT_JOB_CANCELLED`, `ERR_RT_JOB_PANICKED`,
 * `ERR_RT_JOB_WORKER_CRASHED`, `ERR_RT_JOB_TOO_LARGE`,
 * `ERR_RT_JOB_SHUTDOWN`, `ERR_RT_JOB_NO_WORKER`.
 *
 * **Example**
 * ```ts
 * try { await spawnOn('any', url, 'work', [1]); } catch (error) {
 *   if (error instanceof JobError && error.isPanic()) console.log(error.cause);
 * }
 * ```
 */
export class JobError extends RtError {
  /** The job's id. */
  readonly jobId: number;
  /** The worker the job ran (or was to run) on, when known. */
  readonly worker: number | undefined;

  constructor(code: JobErrorCode, jobId: number, message: string, options?: { cause?: unknown; worker?: number }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = jobId;
    this.worker = options?.worker;
  }

  /** True when the job was aborted (or the runtime shut down) before returning a value. */
  isCancelled(): boolean {
    return this.code === 'ERR_RT_JOB_CANCELLED' || this.code === 'ERR_RT_JOB_SHUTDOWN';
  }

  /** True when the job failed: it threw, could not run, or its worker crashed. */
  isPanic(): boolean {
    return this.code === 'ERR_RT_JOB_PANICKED' || this.code === 'ERR_RT_JOB_WORKER_CRASHED';
  }
}
Object.defineProperty(JobError.prototype, 'name', { value: 'JobError', writable: true, configurable: true });

/** The codes a {@link JobError} carries. */
export type JobErrorCode =
  | 'ERR_RT_JOB_CANCELLED'
  | 'ERR_RT_JOB_PANICKED'
  | 'ERR_RT_JOB_WORKER_CRASHED'
  | 'ERR_RT_JOB_TOO_LARGE'
  | 'ERR_RT_JOB_SHUTDOWN'
  | 'ERR_RT_JOB_NO_WORKER';
