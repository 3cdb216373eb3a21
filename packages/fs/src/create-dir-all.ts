import type { PathLike } from './internal/validate.js';
import type { CreateDirOptions } from './create-dir.js';
import { run } from './internal/mkdir.js';

/**
 * Creates the directory at `path` and every missing parent; succeeds if it already exists
 * as a directory (`mkdir -p`; Tokio's `fs::create_dir_all`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; directory creation continues in
 * the background, so any prefix of the missing directories may exist afterwards. Calling
 * it again finishes the job.
 *
 * **Errors:** {@link FsError} with `syscall` `'mkdir'`: `EEXIST`/`ENOTDIR` when a file is in
 * the way, `EACCES`, …; TypeError/RangeError for bad arguments; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await createDirAll('out/assets/img');
 * ```
 */
export function createDirAll(path: PathLike, options?: CreateDirOptions): Promise<void> {
  return run('createDirAll', path, options, true);
}
