import { mkdir } from 'node:fs';
import { op } from './internal/op.js';
import { checkMode, checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Options of {@link createDir} and {@link createDirAll}.
 *
 * **Cancellation:** `signal` cancels the call.
 *
 * **Errors:** RangeError for a bad `mode`.
 *
 * **Example**
 * ```ts
 * await createDir('private', { mode: 0o700 });
 * ```
 */
export interface CreateDirOptions {
  signal?: AbortSignal;
  /** Permission bits of the new directories (default `0o777`, minus the umask). */
  mode?: number;
}

function run(name: string, path: PathLike, options: CreateDirOptions | undefined, recursive: boolean): Promise<void> {
  try {
    const target = checkPath(path, `${name}: path`);
    checkOptions(options, `${name}: options`);
    const mode = options?.mode === undefined ? 0o777 : checkMode(options.mode, `${name}: options.mode`);
    const wait = options?.signal === undefined ? undefined : { signal: options.signal };
    return op<unknown>(`fs.${name}`, 'mkdir', target, wait, (cb) => mkdir(target, { recursive, mode }, cb)).then(noop);
  } catch (error) {
    return Promise.reject(error);
  }
}

function noop(): void {}

/**
 * Creates one new, empty directory at `path` (`mkdir(2)`; Tokio's `fs::create_dir`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; the `mkdir` may still complete,
 * so the directory may exist afterwards.
 *
 * **Errors:** {@link FsError} with `syscall` `'mkdir'`: `EEXIST` if anything is already at
 * `path`, `ENOENT` for a missing parent, `EACCES`, …; TypeError/RangeError for bad
 * arguments; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await createDir('out');
 * ```
 */
export function createDir(path: PathLike, options?: CreateDirOptions): Promise<void> {
  return run('createDir', path, options, false);
}

/**
 * Creates the directory at `path` and every missing parent; succeeds if it already exists
 * as a directory (`mkdir -p`; Tokio's `fs::create_dir_all`).
 *
 * **Cancellation:** on abort it rejects with `Cancelled`; directory creation continues in
 * the background, so any prefix of the missing directories may exist afterwards. Calling
 * it again finishes the job.
 *
 * **Errors:** {@link FsError} with `syscall` `'mkdir'`: `EEXIST`/`ENOTDIR` when a file is in
 * the way, `EACCES`, …; TypeError/RangeError for bad arguments; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await createDirAll('out/assets/img');
 * ```
 */
export function createDirAll(path: PathLike, options?: CreateDirOptions): Promise<void> {
  return run('createDirAll', path, options, true);
}
