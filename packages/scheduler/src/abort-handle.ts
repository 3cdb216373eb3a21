import { FINISHED, type Task } from './internal/task.js';

/**
 * Aborts a task without owning its result (Tokio's `AbortHandle`); get one from
 * `JoinHandle.abortHandle()` or `JoinSet.spawn()`.
 *
 * **Cancellation:** `abort()` makes the task's current or next rt await point reject with
 * `Cancelled`; see `JoinHandle.abort`.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const abortHandle = spawn(serve).abortHandle();
 * abortHandle.abort();
 * ```
 */
export class AbortHandle {
  readonly #task: Task;

  /** @internal */
  constructor(task: Task) {
    this.#task = task;
  }

  /** The task's id. */
  get id(): number {
    return this.#task.id;
  }

  /** Aborts the task (no effect once it finished). */
  abort(reason?: unknown): void {
    this.#task.abort(reason);
  }

  /** True once the task has finished, whatever the outcome. */
  isFinished(): boolean {
    return this.#task.state === FINISHED;
  }
}
