import { link as nodeLink } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Creates a new hard link `link` to the existing file `original` (`link(2)`; Tokio's
 * `fs::hard_link`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the link may still be created.
 *
 * **Errors:** {@link FsError} with `syscall` `'link'`, `path` and `dest`: `ENOENT`,
 * `EEXIST`, `EXDEV`, `EPERM` for a directory, …; TypeError for a bad path; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await hardLink('data.bin', 'data-snapshot.bin');
 * ```
 */
export function hardLink(original: PathLike, link: PathLike, options?: WaitOptions): Promise<void> {
  try {
    const source = checkPath(original, 'hardLink: original');
    const target = checkPath(link, 'hardLink: link');
    checkOptions(options, 'hardLink: options');
    return op<void>('fs.hardLink', 'link', source, options, (cb) => nodeLink(source, target, cb));
  } catch (error) {
    return Promise.reject(error);
  }
}
