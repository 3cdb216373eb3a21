import { Handle } from './handle.js';
import { throwIfCancelled, type WaitOptions } from './park.js';
import { frameStore } from './internal/context.js';

/**
 * Yields: lets every other ready task run before the caller continues (Tokio's
 * `task::yield_now`).
 *
 * The caller resumes after the other tasks that are ready now have had a turn (the runtime's
 * yield queue is flushed on a later microtask). After `eventInterval` such rounds in one
 * event-loop turn the next round waits for the next macrotask, so timers and I/O run too.
 *
 * **Cancellation:** a cancellation point: rejects with `Cancelled` if the task is (or gets,
 * while yielding) aborted, or `options.signal` is aborted.
 *
 * **Errors:** `Cancelled`; TypeError for malformed options.
 *
 * **Example**
 * ```ts
 * for (const item of bigArray) { process(item); await yieldNow(); }
 * ```
 */
export function yieldNow(options?: WaitOptions): Promise<void> {
  const task = frameStore()?.task;
  let signal: AbortSignal | undefined;
  if (options !== undefined || (task !== undefined && task.cancelRequested)) {
    try {
      throwIfCancelled(options);
    } catch (error) {
      return Promise.reject(error);
    }
    signal = options?.signal;
  }
  const core = task !== undefined ? task.core : Handle.coreOf(Handle.current());
  return new Promise<void>((resolve, reject) => core.yieldNow(task, signal, resolve, reject));
}
