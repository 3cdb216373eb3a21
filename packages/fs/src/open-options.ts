import { constants } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { File } from './file.js';
import { checkMode, checkOptions, checkPath, checkSize, type PathLike } from './internal/validate.js';

/**
 * A builder for opening a file with exactly the access and creation rules you want
 * (Tokio's `fs::OpenOptions`): `new OpenOptions().write(true).createNew(true).open(path)`.
 *
 * Every setter returns the builder. Access: `read`, `write`, `append` (writes always go to
 * the end; implies write access). Creation: `create` (create if missing), `createNew`
 * (create, fail with `EEXIST` if it exists; wins over `create` and `truncate`), `truncate`
 * (empty an existing file; needs `write`). `mode` sets the permission bits of a newly
 * created file (default `0o666`, minus the umask). `bufferSize` sets the size of the
 * `File`'s read-ahead and write-behind buffers (default 1 MiB).
 *
 * **Cancellation:** see {@link OpenOptions.open}.
 *
 * **Errors:** setters throw TypeError for a non-boolean flag, RangeError for a bad `mode`
 * or `bufferSize`; `open` rejects as documented there.
 *
 * **Example**
 * ```ts
 * await using log = await new OpenOptions().append(true).create(true).open('app.log');
 * await writeAll(log, Buffer.from('started\n'));
 * ```
 */
export class OpenOptions {
  #read = false;
  #write = false;
  #append = false;
  #truncate = false;
  #create = false;
  #createNew = false;
  #mode = 0o666;
  #bufferSize = 1024 * 1024;

  /** Opens for reading. */
  read(read: boolean): this {
    this.#read = flag(read, 'read');
    return this;
  }

  /** Opens for writing. */
  write(write: boolean): this {
    this.#write = flag(write, 'write');
    return this;
  }

  /** Opens for appending: every write goes to the current end of the file (`O_APPEND`). */
  append(append: boolean): this {
    this.#append = flag(append, 'append');
    return this;
  }

  /** Truncates an existing file to length 0 on open (`O_TRUNC`); needs write access. */
  truncate(truncate: boolean): this {
    this.#truncate = flag(truncate, 'truncate');
    return this;
  }

  /** Creates the file if it does not exist (`O_CREAT`); needs write or append access. */
  create(create: boolean): this {
    this.#create = flag(create, 'create');
    return this;
  }

  /** Creates the file, failing with `EEXIST` if it exists (`O_CREAT | O_EXCL`). */
  createNew(createNew: boolean): this {
    this.#createNew = flag(createNew, 'createNew');
    return this;
  }

  /** Permission bits for a newly created file (default `0o666`; the umask applies). */
  mode(mode: number): this {
    this.#mode = checkMode(mode, 'OpenOptions.mode: mode');
    return this;
  }

  /** Size in bytes of the file's read-ahead and write-behind buffers (default 1 MiB, at least 1). */
  bufferSize(size: number): this {
    this.#bufferSize = checkSize(size, 'OpenOptions.bufferSize: size', 1);
    return this;
  }

  /**
   * Opens the file at `path` with these options, resolving with a {@link File}.
   *
   * **Cancellation:** cancel safe: on abort the promise rejects with `Cancelled`. The
   * `open(2)` call cannot be interrupted; if it still succeeds, the descriptor is closed at
   * once (nothing leaks) — but a file it created (`create`, `createNew`) or emptied
   * (`truncate`) stays created or emptied.
   *
   * **Errors:** RangeError (at once) for a combination the OS would reject: no access mode,
   * `truncate` without `write`, `create`/`createNew` without `write` or `append`, `truncate`
   * with `append`. {@link FsError} with `syscall` `'open'`: `ENOENT`, `EEXIST`
   * (`createNew`), `EACCES`, `EISDIR` (a directory opened for writing), …; TypeError for a
   * bad `path`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const file = await new OpenOptions().read(true).write(true).open('data.bin');
   * ```
   */
  open(path: PathLike, options?: WaitOptions): Promise<File> {
    try {
      const target = checkPath(path, 'OpenOptions.open: path');
      checkOptions(options, 'OpenOptions.open: options');
      return File.openWith(target, this.#flags(), this.#mode, this.#bufferSize, this.#append, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #flags(): number {
    const writable = this.#write || this.#append;
    if (!this.#read && !writable) {
      throw new RangeError('OpenOptions.open: set at least one of read, write or append');
    }
    if (this.#truncate && !this.#write) throw new RangeError('OpenOptions.open: truncate needs write(true)');
    if (this.#truncate && this.#append) throw new RangeError('OpenOptions.open: truncate and append cannot be combined');
    if ((this.#create || this.#createNew) && !writable) {
      throw new RangeError('OpenOptions.open: create and createNew need write(true) or append(true)');
    }
    let flags = this.#read && writable ? constants.O_RDWR : writable ? constants.O_WRONLY : constants.O_RDONLY;
    if (this.#append) flags |= constants.O_APPEND;
    if (this.#createNew) flags |= constants.O_CREAT | constants.O_EXCL;
    else {
      if (this.#create) flags |= constants.O_CREAT;
      if (this.#truncate) flags |= constants.O_TRUNC;
    }
    return flags;
  }
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`OpenOptions.${name}: expected a boolean, got ${String(value)}`);
  return value;
}
