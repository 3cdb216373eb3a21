import { copyFile, stat } from 'node:fs';
import type { Stats } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Copies the contents and permission bits of the file `from` to `to`, replacing `to`, and
 * resolves with the number of bytes copied (Tokio's `fs::copy`).
 *
 * Runs as one libuv `copyfile` (the kernel copies: `copy_file_range`/`sendfile`, or a
 * reflink where the file system supports it), plus one `stat` for the length.
 *
 * **Cancellation:** not cancel safe — on abort it rejects with `Cancelled`, but the copy
 * runs on to completion in the background: `to` may be missing, partly written or
 * complete afterwards.
 *
 * **Errors:** {@link FsError} with `path`/`dest`: `ENOENT`, `EISDIR`, `EACCES`, `ENOSPC`,
 * …; TypeError for a bad path; `Cancelled`.
 *
 * **Example**
 * ```ts
 * const bytes = await copy('a.bin', 'backup/a.bin');
 * ```
 */
export async function copy(from: PathLike, to: PathLike, options?: WaitOptions): Promise<number> {
  const source = checkPath(from, 'copy: from');
  const target = checkPath(to, 'copy: to');
  checkOptions(options, 'copy: options');
  await op<void>('fs.copy', 'copyfile', source, options, (cb) => copyFile(source, target, cb));
  const stats = await op<Stats>('fs.copy', 'stat', target, options, (cb) => stat(target, cb));
  return stats.size;
}
