import type { JobHandle } from './job-handle.js';

/** Where `spawnOn` puts a job: a worker index (pinned: only that worker runs it) or `'any'`. */
export type JobTarget = number | 'any';

/**
 * Options of `spawnOn`.
 *
 * **Cancellation:** `signal` aborting is the same as `handle.abort(signal.reason)`.
 *
 * **Errors:** none of their own.
 *
 * **Example**
 * ```ts
 * spawnOn('any', url, 'work', [], { signal: AbortSignal.timeout(1000) });
 * ```
 */
export interface SpawnOnOptions {
  readonly signal?: AbortSignal;
}

/**
 * What a job's export receives as its first argument (the `spawnOn` args follow).
 *
 * **Cancellation:** `signal` aborts when the job is aborted or its worker shuts down.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * export async function fetchAll(job, url) { return (await fetch(url, { signal: job.signal })).status; }
 * ```
 */
export interface JobContext {
  /** Aborts when the job is aborted. */
  readonly signal: AbortSignal;
  /** The job's id (the handle's `id`). */
  readonly id: number;
  /** The index of the worker running the job. */
  readonly worker: number;
}

/**
 * Spawns jobs described as data (the jobs service's client, on the main thread or in a worker).
 *
 * **Cancellation:** see `JobHandle`.
 *
 * **Errors:** see `spawnOn`.
 *
 * **Example**
 * ```ts
 * runtime.spawnOn('any', url, 'work', [1]);
 * ```
 */
export interface JobsClient {
  spawnOn<T = unknown>(target: JobTarget, module: URL | string, exportName: string, args?: readonly unknown[], options?: SpawnOnOptions): JobHandle<T>;
}
