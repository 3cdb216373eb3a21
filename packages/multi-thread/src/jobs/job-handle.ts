import { JobError } from './job-error.js';

/** @internal What a handle needs from the client that spawned it. */
export interface JobHandleOwner {
  abortJob(id: number, reason: unknown): void;
}

/**
 * An owned permission to wait for a job spawned with `spawnOn`: await it for the export's
 * (structured-cloned) result, or abort the job.
 *
 * Awaiting resolves with the value the export returned (awaited, then cloned back), or
 * rejects with a {@link JobError}. A handle may be awaited any number of times. Dropping the
 * handle does not stop the job.
 *
 * **Cancellation:** `abort()` on a job still queued removes it (it never runs, whichever
 * worker would have taken it); on a running job it aborts the job's task on its worker (its
 * `signal` aborts, its next rt await point throws `Cancelled`). Either way the handle rejects
 * with `JobError` `isCancelled()` — unless the job had already finished, in which case its
 * result stands.
 *
 * **Errors:** `JobError` (see there).
 *
 * **Example**
 * ```ts
 * const job = spawnOn<number>('any', new URL('./math.mjs', import.meta.url), 'square', [7]);
 * console.log(job.id, await job); // 49
 * ```
 */
export class JobHandle<T> implements PromiseLike<T> {
  /** The job's id, unique within the runtime. */
  readonly id: number;
  readonly #promise: Promise<T>;
  readonly #owner: JobHandleOwner;
  #settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;

  /** @internal Created by `spawnOn`. */
  constructor(id: number, owner: JobHandleOwner) {
    this.id = id;
    this.#owner = owner;
    this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A failure nobody awaits is not an unhandled rejection of the process: the handle keeps it.
    this.#promise.catch(() => undefined);
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  /** Same as `then(undefined, onrejected)`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#promise.catch(onrejected);
  }

  /** Aborts the job (see the class comment). No effect once it finished. Never waits. */
  abort(reason?: unknown): void {
    if (this.#settled) return;
    this.#owner.abortJob(this.id, reason);
  }

  /** True once the job's result (value or error) has reached this thread. Never waits. */
  isFinished(): boolean {
    return this.#settled;
  }

  /** @internal */
  settle(ok: boolean, value: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (ok) this.#resolve(value as T);
    else this.#reject(value);
  }
}

/** @internal Convenience for a handle that failed before its job was queued. */
export function failedHandle<T>(id: number, owner: JobHandleOwner, error: JobError): JobHandle<T> {
  const handle = new JobHandle<T>(id, owner);
  handle.settle(false, error);
  return handle;
}
