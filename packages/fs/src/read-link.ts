import { readlink } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Reads the target stored in the symbolic link at `path`, without resolving it
 * (`readlink(2)`; Tokio's `fs::read_link`).
 *
 * **Cancellation:** cancel safe (it only reads).
 *
 * **Errors:** {@link FsError} with `syscall` `'readlink'`: `EINVAL` if `path` is not a
 * symbolic link, `ENOENT`, …; TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * console.log(await readLink('current')); // 'releases/v2'
 * ```
 */
export function readLink(path: PathLike, options?: WaitOptions): Promise<string> {
  try {
    const target = checkPath(path, 'readLink: path');
    checkOptions(options, 'readLink: options');
    return op<string>('fs.readLink', 'readlink', target, options, (cb) => readlink(target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
