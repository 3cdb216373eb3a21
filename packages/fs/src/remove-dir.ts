import { rmdir } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Removes the empty directory at `path` (`rmdir(2)`; Tokio's `fs::remove_dir`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the `rmdir` may still complete.
 *
 * **Errors:** {@link FsError} with `syscall` `'rmdir'`: `ENOTEMPTY`, `ENOENT`, `ENOTDIR`,
 * …; TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await removeDir('empty');
 * ```
 */
export function removeDir(path: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const target = checkPath(path, 'removeDir: path');
    checkOptions(options, 'removeDir: options');
    return op<void>('fs.removeDir', 'rmdir', target, options, (cb) => rmdir(target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
