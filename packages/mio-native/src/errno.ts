// The one errno table of rt: negative errno numbers by name (as the `sys` wrappers return
// them), their Node-style names, and Tokio's grouping of them into `io::ErrorKind`s. Pure
// JavaScript: it works where the addon is not available.
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { constants: osConstants } = process.getBuiltinModule('node:os');
const { getSystemErrorMap, getSystemErrorName } = process.getBuiltinModule('node:util');

type ErrnoName = keyof typeof osConstants.errno;

/**
 * The platform's errno numbers by name, NEGATIVE as the `sys` wrappers return them and as
 * Node's `error.errno` holds them: `errno.EAGAIN === -11`, `errno.ECONNREFUSED === -111`
 * on Linux. Built from `os.constants.errno`, so every name the platform defines is here.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { errno, sys } from '@rt/mio-native';
 * if (sys.read(fd, buffer) === errno.EAGAIN) await registration.readiness(Interest.READABLE);
 * ```
 */
export const errno: Readonly<Record<ErrnoName, number>> = Object.freeze(
  Object.fromEntries(Object.entries(osConstants.errno).map(([name, value]) => [name, -value])) as Record<ErrnoName, number>,
);

/**
 * Returns the Node-style name of a negative errno returned by a syscall wrapper
 * (`-11` → `'EAGAIN'`, `-104` → `'ECONNRESET'`).
 *
 * Names come from libuv, exactly as Node's own errors spell them; an errno libuv does not
 * know is named `'Unknown system error -N'`.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** throws `RangeError` when `errno` is not a negative integer.
 *
 * **Example**
 * ```ts
 * import { errnoName } from '@rt/mio-native';
 * errnoName(-111); // 'ECONNREFUSED'
 * ```
 */
export function errnoName(errno: number): string {
  if (!Number.isInteger(errno) || errno >= 0) {
    throw new RangeError(`errnoName: expected a negative errno, got ${String(errno)}`);
  }
  return getSystemErrorName(errno);
}

let byName: Map<string, number> | null = null;

/**
 * Returns the negative errno Node gives an error named `name` (`'ECONNREFUSED'` → `-111`,
 * `'EAI_AGAIN'` → libuv's `-3001`, `'ENOTFOUND'` (a failed DNS lookup) → `-3008`), or
 * `undefined` for a name that is not an errno.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { errnoOf } from '@rt/mio-native';
 * errnoOf('ENOENT'); // -2
 * ```
 */
export function errnoOf(name: string): number | undefined {
  if (byName === null) {
    byName = new Map();
    for (const [value, [uvName]] of getSystemErrorMap()) byName.set(uvName, value);
    for (const [uvName, value] of Object.entries(errno)) if (!byName.has(uvName)) byName.set(uvName, value);
    // Node reports getaddrinfo's EAI_NONAME as ENOTFOUND, keeping libuv's number.
    const noName = byName.get('EAI_NONAME');
    if (noName !== undefined) byName.set('ENOTFOUND', noName);
  }
  return byName.get(name);
}

/**
 * Tokio's (Rust's `std::io::ErrorKind`) grouping of OS errors, as a string: what
 * `kind` says on every rt error that came from the operating system.
 */
export type ErrorKind =
  | 'NotFound'
  | 'PermissionDenied'
  | 'ConnectionRefused'
  | 'ConnectionReset'
  | 'HostUnreachable'
  | 'NetworkUnreachable'
  | 'ConnectionAborted'
  | 'NotConnected'
  | 'AddrInUse'
  | 'AddrNotAvailable'
  | 'NetworkDown'
  | 'BrokenPipe'
  | 'AlreadyExists'
  | 'WouldBlock'
  | 'NotADirectory'
  | 'IsADirectory'
  | 'DirectoryNotEmpty'
  | 'ReadOnlyFilesystem'
  | 'FilesystemLoop'
  | 'StaleNetworkFileHandle'
  | 'InvalidInput'
  | 'InvalidData'
  | 'TimedOut'
  | 'WriteZero'
  | 'StorageFull'
  | 'NotSeekable'
  | 'FilesystemQuotaExceeded'
  | 'FileTooLarge'
  | 'ResourceBusy'
  | 'ExecutableFileBusy'
  | 'Deadlock'
  | 'CrossesDevices'
  | 'TooManyLinks'
  | 'InvalidFilename'
  | 'ArgumentListTooLong'
  | 'Interrupted'
  | 'Unsupported'
  | 'UnexpectedEof'
  | 'OutOfMemory'
  | 'Other'
  | 'Uncategorized';

// Rust's `sys::unix::decode_error_kind`, name for name.
const kinds: Readonly<Record<string, ErrorKind>> = {
  E2BIG: 'ArgumentListTooLong',
  EADDRINUSE: 'AddrInUse',
  EADDRNOTAVAIL: 'AddrNotAvailable',
  EBUSY: 'ResourceBusy',
  ECONNABORTED: 'ConnectionAborted',
  ECONNREFUSED: 'ConnectionRefused',
  ECONNRESET: 'ConnectionReset',
  EDEADLK: 'Deadlock',
  EDQUOT: 'FilesystemQuotaExceeded',
  EEXIST: 'AlreadyExists',
  EFBIG: 'FileTooLarge',
  EHOSTUNREACH: 'HostUnreachable',
  EINTR: 'Interrupted',
  EINVAL: 'InvalidInput',
  EISDIR: 'IsADirectory',
  ELOOP: 'FilesystemLoop',
  ENOENT: 'NotFound',
  ENOMEM: 'OutOfMemory',
  ENOSPC: 'StorageFull',
  ENOSYS: 'Unsupported',
  ENOTSUP: 'Unsupported',
  EMLINK: 'TooManyLinks',
  ENAMETOOLONG: 'InvalidFilename',
  ENETDOWN: 'NetworkDown',
  ENETUNREACH: 'NetworkUnreachable',
  ENOTCONN: 'NotConnected',
  ENOTDIR: 'NotADirectory',
  ENOTEMPTY: 'DirectoryNotEmpty',
  EPIPE: 'BrokenPipe',
  EROFS: 'ReadOnlyFilesystem',
  ESPIPE: 'NotSeekable',
  ESTALE: 'StaleNetworkFileHandle',
  ETIMEDOUT: 'TimedOut',
  ETXTBSY: 'ExecutableFileBusy',
  EXDEV: 'CrossesDevices',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EAGAIN: 'WouldBlock',
  EWOULDBLOCK: 'WouldBlock',
};

/**
 * Returns Tokio's `ErrorKind` for an errno name or negative errno, as Rust's standard
 * library groups them: `'ECONNREFUSED'` → `'ConnectionRefused'`, `'EACCES'`/`'EPERM'` →
 * `'PermissionDenied'`, `'EAGAIN'` → `'WouldBlock'`, … and `'Uncategorized'` for an errno
 * Rust does not group (`EMFILE`, `ENOTFOUND`, …).
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { errorKind } from '@rt/mio-native';
 * errorKind('ENOENT'); // 'NotFound'
 * errorKind(-104); // 'ConnectionReset'
 * ```
 */
export function errorKind(error: string | number): ErrorKind {
  const name = typeof error === 'number' ? (Number.isInteger(error) && error < 0 ? getSystemErrorName(error) : '') : error;
  return kinds[name] ?? 'Uncategorized';
}

/** The fields Node's system errors have and rt's OS errors share, plus Tokio's `kind`. */
export interface SystemErrorFields {
  /** The errno name, e.g. `'ECONNRESET'`, as Node's `error.code`. */
  readonly code: string;
  /** The negative errno, e.g. `-104`, as Node's `error.errno` (undefined for a name that is no errno). */
  readonly errno: number | undefined;
  /** Tokio's grouping, e.g. `'ConnectionReset'`. */
  readonly kind: ErrorKind;
}

/**
 * Returns `code`, `errno` and `kind` for an errno given by name or negative number: the
 * fields every rt error from the operating system carries (beside `syscall`, and
 * `address`/`port`/`path` where Node sets them).
 *
 * **Cancellation:** not applicable. **Errors:** `RangeError` for a number that is not a
 * negative integer.
 *
 * **Example**
 * ```ts
 * import { systemErrorFields } from '@rt/mio-native';
 * systemErrorFields(-111); // { code: 'ECONNREFUSED', errno: -111, kind: 'ConnectionRefused' }
 * ```
 */
export function systemErrorFields(error: string | number): SystemErrorFields {
  const code = typeof error === 'number' ? errnoName(error) : error;
  return { code, errno: typeof error === 'number' ? error : errnoOf(error), kind: errorKind(code) };
}
