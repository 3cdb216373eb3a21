import { realpath } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Resolves `path` to an absolute path with every symbolic link, `.` and `..` resolved
 * (`realpath(3)`; Tokio's `fs::canonicalize`).
 *
 * **Cancellation:** cancel safe (it only reads).
 *
 * **Errors:** {@link FsError} with `syscall` `'realpath'`: `ENOENT` if any component is
 * missing, `ELOOP`, `EACCES`, …; TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * const absolute = await canonicalize('./node_modules/.bin/../jest');
 * ```
 */
export function canonicalize(path: PathLike, options?: WaitOptions): Promise<string> {
  try {
    const target = checkPath(path, 'canonicalize: path');
    checkOptions(options, 'canonicalize: options');
    return op<string>('fs.canonicalize', 'realpath', target, options, (cb) => realpath.native(target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
