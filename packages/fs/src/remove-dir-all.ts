import { rm, rmdir } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Removes the directory at `path` and everything in it, without following symbolic links
 * (`rm -r`; Tokio's `fs::remove_dir_all`).
 *
 * **Cancellation:** not cancel safe: on abort it rejects with `Cancelled`, but the removal
 * runs on in the background to completion (Node's recursive `rm` cannot be stopped), so
 * the tree may be partly or wholly gone afterwards. Calling it again finishes the job.
 *
 * **Errors:** {@link FsError}: `ENOENT` if `path` does not exist, `ENOTDIR` if it is not a
 * directory, `EACCES`/`EPERM`, …; TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await removeDirAll('build');
 * ```
 */
export function removeDirAll(path: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const target = checkPath(path, 'removeDirAll: path');
    checkOptions(options, 'removeDirAll: options');
    return op<void>('fs.removeDirAll', 'rm', target, options, (cb) =>
      rmdir(target, (error) => {
        // Fast path for an empty directory; otherwise the recursive walk.
        if (error === null) cb(null);
        else if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') rm(target, { recursive: true, force: false }, cb);
        else cb(error);
      }),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}
