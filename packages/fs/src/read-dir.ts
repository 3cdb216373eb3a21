import { lstat, opendir } from 'node:fs';
import type { Dir, Dirent, Stats } from 'node:fs';
import { join } from 'node:path';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { StreamClosed } from '@rt/io';
import { FileType } from './file-type.js';
import { Metadata } from './metadata.js';
import { toFsError } from './internal/errors.js';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * One entry of a directory listing from {@link readDir} (Tokio's `fs::DirEntry`).
 *
 * **Cancellation:** `fileType` and `metadata` are cancel safe (they only read).
 *
 * **Errors:** see the methods.
 *
 * **Example**
 * ```ts
 * for await (const entry of await readDir('src')) console.log(entry.path);
 * ```
 */
export class DirEntry {
  /** The entry's file name, without its directory (never `.` or `..`). */
  readonly name: string;
  /** The directory path given to `readDir` joined with `name`. */
  readonly path: string;
  readonly #dirent: Dirent;

  /** @internal Built by {@link ReadDir}. */
  constructor(directory: string, dirent: Dirent) {
    this.name = dirent.name;
    this.path = join(directory, dirent.name);
    this.#dirent = dirent;
  }

  /**
   * The type of the entry, not following symbolic links (Tokio's `DirEntry::file_type`).
   * Comes from the directory listing itself on file systems that report it (no syscall);
   * otherwise costs one `lstat`.
   *
   * **Cancellation:** cancel safe (it only reads).
   *
   * **Errors:** {@link FsError} of the `lstat` (`ENOENT` if the entry was removed
   * meanwhile); `Cancelled`.
   *
   * **Example**
   * ```ts
   * if ((await entry.fileType()).isDir()) await walk(entry.path);
   * ```
   */
  async fileType(options?: WaitOptions): Promise<FileType> {
    const d = this.#dirent;
    if (d.isFile() || d.isDirectory() || d.isSymbolicLink() || d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice()) {
      const y = coop();
      if (y !== undefined) await y;
      throwIfCancelled(options);
      return new FileType(d);
    }
    return (await this.metadata(options)).fileType();
  }

  /**
   * The metadata of the entry, not following symbolic links (`lstat`; Tokio's
   * `DirEntry::metadata`).
   *
   * **Cancellation:** cancel safe (it only reads).
   *
   * **Errors:** {@link FsError} with `syscall` `'lstat'`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * total += (await entry.metadata()).len;
   * ```
   */
  async metadata(options?: WaitOptions): Promise<Metadata> {
    const path = this.path;
    const stats = await op<Stats>('DirEntry.metadata', 'lstat', path, options, (cb) => lstat(path, cb));
    return new Metadata(stats);
  }
}

type Pending = { error: unknown; entry: Dirent | null };

/**
 * An open directory listing (Tokio's `fs::ReadDir`): pull entries with `nextEntry()` or
 * `for await`. Entries come in no particular order, without `.` and `..`.
 *
 * Node reads the directory in batches of up to 128 entries per threadpool request. The
 * directory handle is closed at the end of the listing, by `close()`, by `await using`,
 * or when a `for await` loop exits early (`break`, `throw`). Concurrent `nextEntry` calls
 * each get a different entry.
 *
 * **Cancellation:** `nextEntry` is cancel safe: an entry whose read completes after the
 * abort is kept and returned by the next call.
 *
 * **Errors:** {@link FsError} of the directory read (`syscall` `'scandir'`);
 * `StreamClosed` after `close()`; `Cancelled`.
 *
 * **Example**
 * ```ts
 * await using dir = await readDir('.');
 * for (let entry; (entry = await dir.nextEntry()) !== null; ) console.log(entry.name);
 * ```
 */
export class ReadDir implements AsyncIterable<DirEntry> {
  readonly #path: string;
  readonly #dir: Dir;
  #closed: Promise<void> | undefined = undefined;
  #done = false;
  #reading = false;
  readonly #results: Pending[] = [];
  readonly #waiters: Waiter<void>[] = [];
  readonly #onRead: (error: Error | null, entry: Dirent | null) => void;

  /** @internal Built by {@link readDir}. */
  constructor(path: string, dir: Dir) {
    this.#path = path;
    this.#dir = dir;
    this.#onRead = (error, entry) => {
      this.#reading = false;
      this.#results.push({ error, entry });
      this.#wakeAll();
    };
  }

  /**
   * Resolves with the next entry, or `null` at the end of the listing (Tokio's
   * `next_entry`); the handle is closed when the end is reached.
   *
   * **Cancellation:** cancel safe: nothing is lost on abort.
   *
   * **Errors:** {@link FsError}; `StreamClosed` after `close()`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const first = await dir.nextEntry();
   * ```
   */
  async nextEntry(options?: WaitOptions): Promise<DirEntry | null> {
    for (;;) {
      if (this.#done) {
        throwIfCancelled(options);
        return null;
      }
      if (this.#closed !== undefined) throw new StreamClosed(`directory listing of '${this.#path}' is closed`);
      const result = this.#results.shift();
      if (result !== undefined) {
        if (result.error !== null && result.error !== undefined) throw toFsError(result.error, 'scandir', this.#path);
        if (result.entry === null) {
          this.#done = true;
          await this.close();
          return null;
        }
        return new DirEntry(this.#path, result.entry);
      }
      if (!this.#reading) {
        throwIfCancelled(options);
        this.#reading = true;
        this.#dir.read(this.#onRead);
      }
      const { waiter, promise } = park<void>('ReadDir.nextEntry', (w) => this.#unpark(w), options);
      this.#waiters.push(waiter);
      await promise;
    }
  }

  /**
   * Closes the directory handle; idempotent. A later `nextEntry` fails with
   * `StreamClosed` (or resolves `null` if the listing had ended); calls waiting in
   * `nextEntry` reject with it.
   *
   * **Cancellation:** not cancellable (it takes no `signal`, so disposal works in an
   * aborted task); Node closes the handle after a directory read in flight.
   *
   * **Errors:** {@link FsError} of `closedir`, which should not happen.
   *
   * **Example**
   * ```ts
   * await dir.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve, reject) => {
      this.#dir.close((error) => (error === null || error === undefined ? resolve() : reject(toFsError(error, 'closedir', this.#path))));
    });
    this.#wakeAll();
    return this.#closed;
  }

  /** Same as {@link ReadDir.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Iterates the remaining entries; leaving the loop early closes the handle. */
  async *[Symbol.asyncIterator](): AsyncIterator<DirEntry> {
    try {
      for (let entry; (entry = await this.nextEntry()) !== null; ) yield entry;
    } finally {
      await this.close();
    }
  }

  #unpark(waiter: Waiter<void>): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }

  #wakeAll(): void {
    const wake = this.#waiters.splice(0);
    for (const waiter of wake) waiter.wake(undefined);
  }
}

/**
 * Opens the directory at `path` for listing (Tokio's `fs::read_dir`).
 *
 * **Cancellation:** cancel safe: on abort it rejects with `Cancelled`; a handle opened
 * after the abort is closed (nothing leaks).
 *
 * **Errors:** {@link FsError} with `syscall` `'opendir'` (`ENOENT`, `ENOTDIR` for a file,
 * `EACCES`, …); TypeError for a bad `path`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * for await (const entry of await readDir('.')) {
 *   console.log(entry.name, (await entry.fileType()).isDir() ? 'dir' : 'file');
 * }
 * ```
 */
export function readDir(path: PathLike, options?: WaitOptions): Promise<ReadDir> {
  try {
    const target = checkPath(path, 'readDir: path');
    checkOptions(options, 'readDir: options');
    return op<Dir>(
      'fs.readDir',
      'opendir',
      target,
      options,
      (cb) => opendir(target, { bufferSize: 128 }, cb),
      (dir) => dir.close(noop),
    ).then((dir) => new ReadDir(target, dir));
  } catch (error) {
    return Promise.reject(error);
  }
}

function noop(): void {}
