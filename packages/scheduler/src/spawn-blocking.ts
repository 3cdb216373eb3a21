import { Handle, type SpawnBlockingOptions } from './handle.js';
import type { JoinHandle } from './join-handle.js';

/**
 * Runs `module[exportName](...args)` on the current runtime's blocking pool of worker threads
 * and returns a {@link JoinHandle} for its (awaited) return value.
 *
 * Closures cannot cross threads, so the work is named by module and export: `moduleUrl` is a
 * `URL`, a `file:`/`data:`/`node:` URL string, or an absolute path. `args` and the result are
 * structured-cloned (`options.transferList` transfers instead). Threads are created lazily up
 * to `maxBlockingThreads`; more jobs queue in FIFO order; an idle thread exits after
 * `threadKeepAlive` ms and never keeps the process alive. Runtime shutdown terminates the pool.
 *
 * **Cancellation:** `abort()` on the handle removes a queued job (it ends cancelled); a job
 * already running on a thread cannot be interrupted and still delivers its result (as Tokio).
 *
 * **Errors:** TypeError at once when given a function, a relative path, a bad export name or
 * non-array args. An error thrown by the job rejects the handle with a `JoinError` (`isPanic()`)
 * whose `cause` carries the original name, message, stack and code; so does an export that is
 * not a function, an argument or result that cannot be cloned, or a thread that dies.
 *
 * **Example**
 * ```ts
 * // hash.mjs: export function sha256(text) { return createHash('sha256').update(text).digest('hex'); }
 * const digest = await spawnBlocking<string>(new URL('./hash.mjs', import.meta.url), 'sha256', ['abc']);
 * ```
 */
export function spawnBlocking<T = unknown>(
  moduleUrl: string | URL,
  exportName: string,
  args?: readonly unknown[],
  options?: SpawnBlockingOptions,
): JoinHandle<Awaited<T>> {
  return Handle.current().spawnBlocking<T>(moduleUrl, exportName, args, options);
}
