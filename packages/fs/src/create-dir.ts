import { run } from './internal/mkdir.js';
import type { PathLike } from './internal/validate.js';

/**
 * Options of {@link createDir} and {@link createDirAll}.
 *
 * **Cancellation:** `signal` cancels the call.
 *
 * **Errors:** RangeError for a bad `mode`.
 *
 * **Example**
 * ```ts
 * await createDir('private', { mode: 0o700 });
 * ```
 */
export interface CreateDirOptions {
  signal?: AbortSignal;
  /** Permission bits of the new directories (default `0o777`, minus the umask). */
  mode?: number;
}

/**
 * Creates one new, empty directory at `path` (`mkdir(2)`; Tokio's `fs::create_dir`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the `mkdir` may still complete,
 * so the directory may exist afterwards.
 *
 * **Errors:** {@link FsError} with `syscall` `'mkdir'`: `EEXIST` if anything is already at
 * `path`, `ENOENT` for a missing parent, `EACCES`, …; TypeError/RangeError for bad
 * arguments; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await createDir('out');
 * ```
 */
export function createDir(path: PathLike, options?: CreateDirOptions): Promise<void> {
  return run('createDir', path, options, false);
}
