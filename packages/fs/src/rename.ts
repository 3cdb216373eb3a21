import { rename as nodeRename } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Renames `from` to `to`, replacing `to` if it exists, atomically on one file system
 * (`rename(2)`; Tokio's `fs::rename`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the rename may still complete
 * (it is atomic: it either happened or not).
 *
 * **Errors:** {@link FsError} with `syscall` `'rename'`, `path` and `dest`: `ENOENT`,
 * `EXDEV` across file systems, `EISDIR`/`ENOTDIR`/`ENOTEMPTY` for mismatched types, …;
 * TypeError for a bad path; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await writeFile('config.json.tmp', text);
 * await rename('config.json.tmp', 'config.json'); // atomic replace
 * ```
 */
export function rename(from: PathLike, to: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const source = checkPath(from, 'rename: from');
    const target = checkPath(to, 'rename: to');
    checkOptions(options, 'rename: options');
    return op<void>('fs.rename', 'rename', source, options, (cb) => nodeRename(source, target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
