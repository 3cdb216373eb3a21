import { readFile as nodeReadFile } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * Reads the whole file at `path` into one `Buffer` (Tokio's `fs::read`).
 *
 * Runs as Node's `fs.readFile` on libuv's threadpool: one `open`, one `fstat` to size the
 * result, then reads of up to 512 KiB straight into it, and `close`.
 *
 * **Cancellation:** cancel safe (it only reads): on abort it rejects with `Cancelled`,
 * stops between two reads and closes the file; nothing leaks.
 *
 * **Errors:** {@link FsError} (`ENOENT`, `EACCES`, `EISDIR`, …, `syscall` `'open'` or
 * `'read'`, `path`); RangeError from Node for a file over 2 GiB; TypeError for a bad
 * `path`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const bytes = await readFile('image.png');
 * ```
 */
export function readFile(path: PathLike, options?: WaitOptions): Promise<Buffer> {
  try {
    const target = checkPath(path, 'readFile: path');
    checkOptions(options, 'readFile: options');
    const controller = new AbortController();
    return op<Buffer>(
      'fs.readFile',
      'read',
      target,
      options,
      (cb) => nodeReadFile(target, { signal: controller.signal }, cb),
      undefined,
      () => controller.abort(),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Reads the whole file at `path` and decodes it as UTF-8 (Tokio's `fs::read_to_string`).
 *
 * **Cancellation:** cancel safe, as {@link readFile}.
 *
 * **Errors:** as {@link readFile}, plus `TypeError` (`ERR_ENCODING_INVALID_ENCODED_DATA`)
 * when the bytes are not valid UTF-8.
 *
 * **Example**
 * ```ts
 * const config = JSON.parse(await readToString('config.json'));
 * ```
 */
export async function readToString(path: PathLike, options?: WaitOptions): Promise<string> {
  const bytes = await readFile(path, options);
  return decoder.decode(bytes);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
