import { Handle, type SpawnOptions } from './handle.js';
import type { JoinHandle } from './join-handle.js';

/**
 * Spawns `fn` as a new task on the current runtime (the current task's, else the default
 * runtime, created on first use) and returns its {@link JoinHandle}.
 *
 * The task starts on a later microtask, in FIFO order with other spawned tasks, with a fresh
 * async context: it does not inherit task locals, and aborting the spawner does not abort it
 * (use a `JoinSet` for that). If nobody awaits the handle and the task throws, the error is
 * reported according to the runtime's `unhandledError` setting (default: one report on stderr).
 *
 * **Cancellation:** `handle.abort()` makes the task's current or next rt await point reject
 * with `Cancelled`; a task aborted before it started never runs.
 *
 * **Errors:** TypeError if `fn` is not a function; `RuntimeShutdown` if the runtime has shut down.
 *
 * **Example**
 * ```ts
 * const handle = spawn(async () => 'hello', { name: 'greeter' });
 * console.log(await handle); // 'hello'
 * ```
 */
export function spawn<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
  return Handle.current().spawn(fn, options);
}
