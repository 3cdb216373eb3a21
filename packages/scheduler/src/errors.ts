/**
 * The base class of every error rt throws: an `Error` with a stable, machine-readable `code`
 * (`ERR_RT_…`).
 *
 * Match on `code` (or on the subclass) rather than on `message`, which may change.
 *
 * **Cancellation:** not applicable (a value, not an operation).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * try { await handle; } catch (error) {
 *   if (error instanceof RtError) console.log(error.code);
 * }
 * ```
 */
export class RtError extends Error {
  /** The stable code of this error, e.g. `ERR_RT_CANCELLED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
Object.defineProperty(RtError.prototype, 'name', { value: 'RtError', writable: true, configurable: true });

/**
 * Thrown by an rt await point (a lock, a receive, a sleep, `yieldNow()`…) when the task it
 * runs in was aborted or the `signal` passed to the operation aborted.
 *
 * `cause` is the abort reason (`signal.reason`, or the reason given to `abort()`).
 * Letting it propagate out of a task ends the task as cancelled (`JoinError.isCancelled()`).
 *
 * **Cancellation:** this *is* the cancellation; catching it and carrying on is allowed but
 * the task stays aborted, so its next rt await point throws again.
 *
 * **Errors:** none. Code `ERR_RT_CANCELLED`.
 *
 * **Example**
 * ```ts
 * try { await mutex.lock({ signal }); } catch (error) {
 *   if (isCancelled(error)) return; // gave up waiting
 *   throw error;
 * }
 * ```
 */
export class Cancelled extends RtError {
  constructor(message = 'the operation was cancelled', options?: ErrorOptions) {
    super('ERR_RT_CANCELLED', message, options);
  }
}
Object.defineProperty(Cancelled.prototype, 'name', { value: 'Cancelled', writable: true, configurable: true });

/**
 * Thrown when work is submitted to a runtime that has shut down (`spawn` after
 * `runtime.shutdown()`), and used as the abort reason of the tasks a shutdown aborts.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none. Code `ERR_RT_SHUTDOWN`.
 *
 * **Example**
 * ```ts
 * await runtime.shutdown();
 * runtime.spawn(work); // throws RuntimeShutdown
 * ```
 */
export class RuntimeShutdown extends RtError {
  constructor(message = 'the runtime has shut down', options?: ErrorOptions) {
    super('ERR_RT_SHUTDOWN', message, options);
  }
}
Object.defineProperty(RuntimeShutdown.prototype, 'name', { value: 'RuntimeShutdown', writable: true, configurable: true });

/**
 * Tells whether `error` means "cancelled": a {@link Cancelled}, or any error whose `code` is
 * `ERR_RT_CANCELLED` (other packages, such as the reactor, may have their own class).
 *
 * A {@link JoinError} is *not* a cancellation of the task that awaits it: use
 * `joinError.isCancelled()` to ask whether the joined task was cancelled.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** never throws.
 *
 * **Example**
 * ```ts
 * try { await rx.recv(); } catch (error) { if (!isCancelled(error)) throw error; }
 * ```
 */
export function isCancelled(error: unknown): boolean {
  return (
    error instanceof Cancelled ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_RT_CANCELLED')
  );
}

/**
 * The rejection of awaiting a {@link JoinHandle} whose task did not return a value: it was
 * cancelled (`isCancelled()`) or it threw (`isPanic()`, the thrown value in `cause`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none. Code `ERR_RT_TASK_CANCELLED` or `ERR_RT_TASK_PANICKED`.
 *
 * **Example**
 * ```ts
 * const handle = spawn(async () => { throw new Error('boom'); });
 * try { await handle; } catch (error) {
 *   if (error instanceof JoinError && error.isPanic()) console.log(error.cause); // Error: boom
 * }
 * ```
 */
export class JoinError extends RtError {
  /** The id of the task that failed. */
  readonly taskId: number;
  readonly #panic: boolean;

  constructor(kind: 'cancelled' | 'panic', taskId: number, cause: unknown, taskName?: string) {
    const who = `task ${taskId}${taskName === undefined ? '' : ` (${taskName})`}`;
    const message =
      kind === 'cancelled'
        ? `${who} was cancelled`
        : `${who} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(kind === 'cancelled' ? 'ERR_RT_TASK_CANCELLED' : 'ERR_RT_TASK_PANICKED', message, { cause });
    this.taskId = taskId;
    this.#panic = kind === 'panic';
  }

  /** True when the task was aborted (or let a `Cancelled` escape) before returning a value. */
  isCancelled(): boolean {
    return !this.#panic;
  }

  /** True when the task threw; the thrown value is `cause`. */
  isPanic(): boolean {
    return this.#panic;
  }
}
Object.defineProperty(JoinError.prototype, 'name', { value: 'JoinError', writable: true, configurable: true });
