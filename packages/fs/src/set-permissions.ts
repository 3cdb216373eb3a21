import { chmod } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkMode, checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Sets the permission bits of the entry at `path`, following symbolic links (`chmod(2)`;
 * Tokio's `fs::set_permissions`). `mode` is the new `0o7777` bits, e.g. `0o644`; read the
 * current ones from `(await metadata(path)).permissions`.
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the change may still happen.
 *
 * **Errors:** {@link FsError} with `syscall` `'chmod'`: `ENOENT`, `EPERM` (not the owner),
 * `EROFS`, …; RangeError for a `mode` outside `0`–`0o7777`; TypeError for a bad `path`;
 * `Cancelled`.
 *
 * **Example**
 * ```ts
 * await setPermissions('deploy.sh', 0o755);
 * ```
 */
export function setPermissions(path: PathLike, mode: number, options?: WaitOptions): Promise<void> {
  try {
    const target = checkPath(path, 'setPermissions: path');
    const bits = checkMode(mode, 'setPermissions: mode');
    checkOptions(options, 'setPermissions: options');
    return op<void>('fs.setPermissions', 'chmod', target, options, (cb) => chmod(target, bits, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
