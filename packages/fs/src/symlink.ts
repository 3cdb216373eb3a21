import { symlink as nodeSymlink } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Creates a symbolic link at `link` whose target is `original` (`symlink(2)`; Tokio's
 * `fs::symlink`). `original` is stored as given: a relative target is resolved against the
 * link's directory when the link is followed, and it need not exist.
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the link may still be created.
 *
 * **Errors:** {@link FsError} with `syscall` `'symlink'`, `path` and `dest`: `EEXIST`,
 * `ENOENT` for a missing parent of `link`, `EACCES`, …; TypeError for a bad path;
 * `Cancelled`.
 *
 * **Example**
 * ```ts
 * await symlink('releases/v2', 'current');
 * ```
 */
export function symlink(original: PathLike, link: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const target = checkPath(original, 'symlink: original');
    const path = checkPath(link, 'symlink: link');
    checkOptions(options, 'symlink: options');
    return op<void>('fs.symlink', 'symlink', target, options, (cb) => nodeSymlink(target, path, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
