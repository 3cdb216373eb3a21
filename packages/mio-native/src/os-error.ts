import { errnoName, errorKind } from './errno.js';
import type { ErrorKind } from './errno.js';

/**
 * An operating-system error from one syscall, shaped like Node's own system errors.
 *
 * `code` is the errno name (`'ECONNREFUSED'`), `errno` the negative errno (as in Node),
 * `syscall` the call that failed (`'connect'`), `kind` Tokio's grouping
 * (`'ConnectionRefused'`). The raw wrappers of `sys` return negative
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
  /** Tokio's grouping of the errno, e.g. `'AddrInUse'`. */
  readonly kind: ErrorKind;

  constructor(errno: number, syscall: string, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall} ${code}${detail ? ` ${detail}` : ''}`);
    this.name = 'OsError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.kind = errorKind(code);
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
