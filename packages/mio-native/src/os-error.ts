import { getSystemErrorName } from 'node:util';

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

/**
 * An operating-system error from one syscall, shaped like Node's own system errors.
 *
 * `code` is the errno name (`'ECONNREFUSED'`), `errno` the negative errno (as in Node),
 * `syscall` the call that failed (`'connect'`). The raw wrappers of `sys` return negative
 * errnos instead of throwing; {@link OsError.check} turns one into a throw where that is
 * wanted.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** not applicable (this is the error).
 *
 * **Example**
 * ```ts
 * import { OsError, sys, constants } from '@rt/mio-native';
 * const fd = OsError.check(sys.socket(constants.AF_INET, constants.SOCK_STREAM), 'socket');
 * sys.close(fd);
 * ```
 */
export class OsError extends Error {
  /** The errno name, e.g. `'EADDRINUSE'`. */
  readonly code: string;
  /** The negative errno, e.g. `-98`. */
  readonly errno: number;
  /** The syscall that failed, e.g. `'bind'`. */
  readonly syscall: string;

  constructor(errno: number, syscall: string, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall} ${code}${detail ? ` ${detail}` : ''}`);
    this.name = 'OsError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }

  /**
   * Returns `result` when it is not negative, otherwise throws the matching OsError.
   *
   * **Errors:** `OsError` for a negative `result`.
   */
  static check(result: number, syscall: string, detail?: string): number {
    if (result < 0) throw new OsError(result, syscall, detail);
    return result;
  }
}
