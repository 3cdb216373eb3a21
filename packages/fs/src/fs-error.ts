import { RtError } from '@rt/scheduler';

/** errno name → stable rt code, grouped as Tokio's `io::ErrorKind` groups them. */
const kinds: Readonly<Record<string, string>> = {
  ENOENT: 'ERR_RT_NOT_FOUND',
  EACCES: 'ERR_RT_PERMISSION_DENIED',
  EPERM: 'ERR_RT_PERMISSION_DENIED',
  EROFS: 'ERR_RT_READ_ONLY_FILESYSTEM',
  EEXIST: 'ERR_RT_ALREADY_EXISTS',
  EISDIR: 'ERR_RT_IS_A_DIRECTORY',
  ENOTDIR: 'ERR_RT_NOT_A_DIRECTORY',
  ENOTEMPTY: 'ERR_RT_DIRECTORY_NOT_EMPTY',
  EXDEV: 'ERR_RT_CROSSES_DEVICES',
  EINVAL: 'ERR_RT_INVALID_INPUT',
  ENAMETOOLONG: 'ERR_RT_INVALID_FILENAME',
  ELOOP: 'ERR_RT_FILESYSTEM_LOOP',
  ENOSPC: 'ERR_RT_STORAGE_FULL',
  EFBIG: 'ERR_RT_FILE_TOO_LARGE',
  EMFILE: 'ERR_RT_TOO_MANY_OPEN_FILES',
  ENFILE: 'ERR_RT_TOO_MANY_OPEN_FILES',
  EBADF: 'ERR_RT_BAD_FILE_DESCRIPTOR',
  ESPIPE: 'ERR_RT_NOT_SEEKABLE',
  EBUSY: 'ERR_RT_RESOURCE_BUSY',
  ETXTBSY: 'ERR_RT_EXECUTABLE_FILE_BUSY',
  EPIPE: 'ERR_RT_BROKEN_PIPE',
};

/**
 * An error the operating system reported for a file-system operation, with the errno name
 * Node uses (`errno`: `'ENOENT'`, `'EACCES'`, `'EISDIR'`, …), the call that failed
 * (`syscall`: `'open'`, `'read'`, `'rename'`, …), the `path` it was given and, for two-path
 * calls (`rename`, `copy`, `hardLink`), the `dest`.
 *
 * `code` is a stable rt code grouping errnos as Tokio's `io::ErrorKind` does:
 * `ERR_RT_NOT_FOUND` (`ENOENT`), `ERR_RT_PERMISSION_DENIED` (`EACCES`, `EPERM`),
 * `ERR_RT_ALREADY_EXISTS` (`EEXIST`), `ERR_RT_IS_A_DIRECTORY` (`EISDIR`),
 * `ERR_RT_NOT_A_DIRECTORY` (`ENOTDIR`), `ERR_RT_DIRECTORY_NOT_EMPTY` (`ENOTEMPTY`),
 * `ERR_RT_READ_ONLY_FILESYSTEM` (`EROFS`), `ERR_RT_CROSSES_DEVICES` (`EXDEV`),
 * `ERR_RT_INVALID_INPUT` (`EINVAL`), `ERR_RT_INVALID_FILENAME` (`ENAMETOOLONG`),
 * `ERR_RT_FILESYSTEM_LOOP` (`ELOOP`), `ERR_RT_STORAGE_FULL` (`ENOSPC`),
 * `ERR_RT_FILE_TOO_LARGE` (`EFBIG`), `ERR_RT_TOO_MANY_OPEN_FILES` (`EMFILE`, `ENFILE`),
 * `ERR_RT_BAD_FILE_DESCRIPTOR` (`EBADF`), `ERR_RT_NOT_SEEKABLE` (`ESPIPE`),
 * `ERR_RT_RESOURCE_BUSY` (`EBUSY`), `ERR_RT_EXECUTABLE_FILE_BUSY` (`ETXTBSY`),
 * `ERR_RT_BROKEN_PIPE` (`EPIPE`), or `ERR_RT_OS_ERROR` for any other errno. The Node error
 * it was made from, if any, is its `cause`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await File.open('/no/such/file'); }
 * catch (error) {
 *   if (error instanceof FsError && error.errno === 'ENOENT') console.log('missing:', error.path);
 *   else throw error;
 * }
 * ```
 */
export class FsError extends RtError {
  /** The OS error name, as Node spells it: `'ENOENT'`, `'EACCES'`, `'EISDIR'`, … */
  readonly errno: string;
  /** The call that failed: `'open'`, `'read'`, `'write'`, `'rename'`, `'lseek'`, … */
  readonly syscall: string;
  /** The path the call was given, if it took one. */
  readonly path: string | undefined;
  /** The second path of a two-path call (`rename`, `copyfile`, `link`), if any. */
  readonly dest: string | undefined;

  constructor(
    errno: string,
    syscall: string,
    path?: string,
    dest?: string,
    message?: string,
    options?: ErrorOptions,
  ) {
    const where = path === undefined ? '' : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
    super(kinds[errno] ?? 'ERR_RT_OS_ERROR', message ?? `${errno}: ${syscall}${where}`, options);
    this.name = 'FsError';
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
    this.dest = dest;
  }
}
