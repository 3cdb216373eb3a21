import { systemErrorFields } from '@rt/reactor';
import type { ErrorKind } from '@rt/reactor';
import { RtError } from '@rt/scheduler';

/**
 * An error the operating system reported for a file-system operation, shaped as Node's
 * own `fs` errors so that Node code understands it: `code` is the errno name (`'ENOENT'`,
 * `'EACCES'`, `'EISDIR'`, …), `errno` the negative number (`-2`), `syscall` the call that
 * failed (`'open'`, `'read'`, `'rename'`, …), `path` the path it was given and, for
 * two-path calls (`rename`, `copy`, `hardLink`), `dest`.
 *
 * `kind` groups the errno as Tokio's `io::ErrorKind` does: `'NotFound'` (`ENOENT`),
 * `'PermissionDenied'` (`EACCES`, `EPERM`), `'AlreadyExists'` (`EEXIST`), `'IsADirectory'`,
 * `'NotADirectory'`, `'DirectoryNotEmpty'`, `'ReadOnlyFilesystem'`, `'CrossesDevices'`,
 * `'InvalidInput'` (`EINVAL`), `'InvalidFilename'` (`ENAMETOOLONG`), `'FilesystemLoop'`,
 * `'StorageFull'`, `'FileTooLarge'`, `'NotSeekable'` (`ESPIPE`), `'ResourceBusy'`,
 * `'ExecutableFileBusy'`, `'BrokenPipe'`, … or `'Uncategorized'` (`EMFILE`, `EBADF`). The
 * Node error it was made from, if any, is its `cause`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await File.open('/no/such/file'); }
 * catch (error) {
 *   if (error instanceof FsError && error.code === 'ENOENT') console.log('missing:', error.path);
 *   else throw error;
 * }
 * ```
 */
export class FsError extends RtError {
  /** The negative errno, as Node's `errno`: `-2` for `ENOENT`. */
  readonly errno: number | undefined;
  /** Tokio's grouping of the errno: `'NotFound'`, `'PermissionDenied'`, … */
  readonly kind: ErrorKind;
  /** The call that failed: `'open'`, `'read'`, `'write'`, `'rename'`, `'lseek'`, … */
  readonly syscall: string;
  /** The path the call was given, if it took one. */
  readonly path: string | undefined;
  /** The second path of a two-path call (`rename`, `copyfile`, `link`), if any. */
  readonly dest: string | undefined;

  /** @param errno the errno name (`'ENOENT'`) or negative number (`-2`). */
  constructor(
    errno: string | number,
    syscall: string,
    path?: string,
    dest?: string,
    message?: string,
    options?: ErrorOptions,
  ) {
    const fields = systemErrorFields(errno);
    const where = path === undefined ? '' : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
    super(fields.code, message ?? `${fields.code}: ${syscall}${where}`, options);
    this.name = 'FsError';
    this.errno = fields.errno;
    this.kind = fields.kind;
    this.syscall = syscall;
    this.path = path;
    this.dest = dest;
  }
}
