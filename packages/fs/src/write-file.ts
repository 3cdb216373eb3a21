import { writeFile as nodeWriteFile } from 'node:fs';
import { checkMode, checkOptions, checkPath, type PathLike } from './internal/validate.js';
import { op } from './internal/op.js';

/**
 * Options of {@link writeFile}.
 *
 * **Cancellation:** `signal` cancels the write (see {@link writeFile}).
 *
 * **Errors:** RangeError for a bad `mode`, TypeError for a non-boolean flag.
 *
 * **Example**
 * ```ts
 * await writeFile('secret', key, { mode: 0o600 });
 * ```
 */
export interface WriteFileOptions {
  signal?: AbortSignal;
  /** Permission bits if the file is created (default `0o666`, minus the umask). */
  mode?: number;
  /** Append to the file instead of replacing its contents (default false). */
  append?: boolean;
  /** Fail with `EEXIST` if the file exists (default false). */
  createNew?: boolean;
}

/**
 * Writes `data` (bytes, or a string as UTF-8) as the entire contents of the file at
 * `path`, creating it if missing and truncating it first (Tokio's `fs::write`).
 *
 * Runs as Node's `fs.writeFile` on libuv's threadpool: `open`, then writes of the whole
 * remaining buffer until done, then `close`. It is not atomic: to replace a file
 * atomically, write a temporary file and {@link rename} it.
 *
 * **Cancellation:** not cancel safe — a cancelled write may still complete, as in Tokio:
 * on abort it rejects with `Cancelled` at once, and the file is then in one of these
 * states: untouched (the abort came before `open`), created/truncated and empty, partly
 * written (Node stops between two `write` calls), or completely written (the last write
 * was already under way). The file descriptor is always closed.
 *
 * **Errors:** {@link FsError} (`ENOENT` for a missing parent directory, `EISDIR`,
 * `EACCES`, `EEXIST` with `createNew`, `ENOSPC`, …); TypeError for a bad `path` or
 * `data`; RangeError for a bad `mode`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeFile('hello.txt', 'hello, world\n');
 * ```
 */
export function writeFile(path: PathLike, data: Uint8Array | string, options?: WriteFileOptions): Promise<void> {
  try {
    const target = checkPath(path, 'writeFile: path');
    checkOptions(options, 'writeFile: options');
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`writeFile: data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`);
    }
    const mode = options?.mode === undefined ? 0o666 : checkMode(options.mode, 'writeFile: options.mode');
    const append = flag(options?.append, 'append');
    const createNew = flag(options?.createNew, 'createNew');
    const flags = (append ? 'a' : 'w') + (createNew ? 'x' : '');
    const controller = new AbortController();
    const wait = options?.signal === undefined ? undefined : { signal: options.signal };
    return op<void>(
      'fs.writeFile',
      'write',
      target,
      wait,
      (cb) => nodeWriteFile(target, data, { mode, flag: flags, signal: controller.signal }, cb),
      undefined,
      () => controller.abort(),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`writeFile: options.${name} must be a boolean, got ${String(value)}`);
  return value;
}
