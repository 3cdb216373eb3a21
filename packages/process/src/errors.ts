// The errors of @rt/process: a base class with a stable code, and the spawn failure that
// carries the OS errno name (ENOENT, EACCES, …).
import { RtError } from '@rt/scheduler';

/**
 * The base class of the errors of `@rt/process`, with a stable `code` (`ERR_RT_…`).
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
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
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
 * system could not start the program: `errno` is its name (`'ENOENT'` when the program or
 * the working directory does not exist, `'EACCES'` when it is not executable, `'EAGAIN'`,
 * `'EMFILE'`, …), `syscall` is `'spawn'`, `program` the program as given.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none. Code `ERR_RT_SPAWN`.
 *
 * **Example**
 * ```ts
 * try { new Command('no-such-program').spawn(); } catch (error) {
 *   if (error instanceof SpawnError && error.errno === 'ENOENT') console.log('not installed');
 * }
 * ```
 */
export class SpawnError extends ProcessError {
  /** The errno name, e.g. `'ENOENT'`. */
  readonly errno: string;
  /** Always `'spawn'`. */
  readonly syscall = 'spawn';
  /** The program that failed to start. */
  readonly program: string;

  constructor(program: string, errno: string, detail?: string, options?: ErrorOptions) {
    super(
      'ERR_RT_SPAWN',
      `spawn ${JSON.stringify(program)} failed: ${errno} (${descriptions[errno] ?? 'error'})${detail === undefined ? '' : `: ${detail}`}`,
      options,
    );
    this.errno = errno;
    this.program = program;
  }
}
Object.defineProperty(SpawnError.prototype, 'name', { value: 'SpawnError', writable: true, configurable: true });
