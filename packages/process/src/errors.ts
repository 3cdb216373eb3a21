// The errors of @rt/process: a base class with a stable code, and the spawn failure that
// carries the OS errno name (ENOENT, EACCES, …).
import { systemErrorFields } from '@rt/mio-native';
import type { ErrorKind } from '@rt/mio-native';
import { RtError } from '@rt/scheduler';

/**
 * The base class of the errors of `@rt/process`. Its own conditions have a stable `code`
 * (`ERR_RT_…`); an error the operating system reported (a failed spawn or kill) has
 * Node's fields instead: `code` the errno name (`'ENOENT'`, `'EPERM'`), `errno` the
 * negative number, `syscall` (`'spawn'`, `'kill'`), and Tokio's `kind` (`'NotFound'`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * try { new Command('no-such-program').spawn(); } catch (error) {
 *   if (error instanceof ProcessError) console.log(error.code);
 * }
 * ```
 */
export class ProcessError extends RtError {
  /** The negative errno of an OS error (`-2`), undefined for rt's own conditions. */
  readonly errno?: number | undefined;
  /** The call that failed, for an OS error. */
  readonly syscall?: string;
  /** Tokio's grouping of an OS error (`'NotFound'`), `'Other'` for rt's own conditions. */
  readonly kind: ErrorKind;

  /**
   * @param code an `ERR_RT_…` code, or the errno name of an OS error (then `syscall` is set).
   */
  constructor(code: string, message: string, options?: ErrorOptions & { readonly syscall?: string }) {
    const syscall = options?.syscall;
    const system = syscall === undefined ? undefined : systemErrorFields(code);
    super(code, message, options);
    this.kind = system?.kind ?? 'Other';
    if (system !== undefined && syscall !== undefined) {
      this.errno = system.errno;
      this.syscall = syscall;
    }
  }
}
Object.defineProperty(ProcessError.prototype, 'name', { value: 'ProcessError', writable: true, configurable: true });

const descriptions: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EAGAIN: 'resource temporarily unavailable',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ENOTDIR: 'not a directory',
  E2BIG: 'argument list too long',
  ENOMEM: 'out of memory',
};

/**
 * Thrown by `Command.spawn()` (and rejected by `output()`/`status()`) when the operating
 * system could not start the program, shaped as Node's own spawn errors: `code` is the
 * errno name (`'ENOENT'` when the program or the working directory does not exist,
 * `'EACCES'` when it is not executable, `'EAGAIN'`, `'EMFILE'`, …), `errno` the negative
 * number, `syscall` `'spawn'`, `path` the program as given, `spawnargs` its arguments, and
 * `kind` Tokio's grouping (`'NotFound'`, `'PermissionDenied'`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * try { new Command('no-such-program').spawn(); } catch (error) {
 *   if (error instanceof SpawnError && error.code === 'ENOENT') console.log('not installed');
 * }
 * ```
 */
export class SpawnError extends ProcessError {
  /** The program that failed to start, as Node's `path`. */
  readonly path: string;
  /** The arguments it was given, as Node's `spawnargs`. */
  readonly spawnargs: readonly string[];

  constructor(program: string, errno: string, detail?: string, options?: ErrorOptions & { readonly args?: readonly string[] }) {
    super(
      errno,
      `spawn ${JSON.stringify(program)} failed: ${errno} (${descriptions[errno] ?? 'error'})${detail === undefined ? '' : `: ${detail}`}`,
      { ...options, syscall: 'spawn' },
    );
    this.path = program;
    this.spawnargs = options?.args ?? [];
  }

  /** The program that failed to start (the same as `path`). */
  get program(): string {
    return this.path;
  }
}
Object.defineProperty(SpawnError.prototype, 'name', { value: 'SpawnError', writable: true, configurable: true });
