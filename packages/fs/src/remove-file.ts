import { unlink } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Removes the file (or symbolic link) at `path` (`unlink(2)`; Tokio's `fs::remove_file`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the `unlink` may still complete.
 *
 * **Errors:** {@link FsError} with `syscall` `'unlink'`: `ENOENT`, `EISDIR` for a
 * directory, `EACCES`/`EPERM`, …; TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await removeFile('stale.lock');
 * ```
 */
export function removeFile(path: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const target = checkPath(path, 'removeFile: path');
    checkOptions(options, 'removeFile: options');
    return op<void>('fs.removeFile', 'unlink', target, options, (cb) => unlink(target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
