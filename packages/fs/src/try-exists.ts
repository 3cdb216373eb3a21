import type { WaitOptions } from '@rt/scheduler';
import { FsError } from './fs-error.js';
import { metadata } from './metadata.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Resolves `true` if an entry exists at `path` (following symbolic links), `false` if it
 * does not (`ENOENT`, including a broken link), and rejects when the answer is unknown,
 * e.g. `EACCES` on a parent (Tokio's `fs::try_exists`).
 *
 * **Cancellation:** cancel safe (it only reads).
 *
 * **Errors:** {@link FsError} other than `ENOENT` (`EACCES`, `ELOOP`, …; `ENOTDIR` when a
 * parent is a file); TypeError for a bad `path`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * if (!(await tryExists('cache'))) await createDir('cache');
 * ```
 */
export async function tryExists(path: PathLike, options?: WaitOptions): Promise<boolean> {
  checkPath(path, 'tryExists: path');
  checkOptions(options, 'tryExists: options');
  try {
    await metadata(path, options);
    return true;
  } catch (error) {
    if (error instanceof FsError && error.code === 'ENOENT') return false;
    throw error;
  }
}
