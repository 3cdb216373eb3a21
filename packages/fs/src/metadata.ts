import { lstat, stat } from 'node:fs';
import type { Stats } from 'node:fs';
import type { WaitOptions } from '@rt/scheduler';
import { FileType } from './file-type.js';
import { op } from './internal/op.js';
import { checkOptions, checkPath, type PathLike } from './internal/validate.js';

/**
 * What the OS knows about a file: its type, length, permissions, owner and times
 * (Tokio's `std::fs::Metadata`), from `metadata()`, `symlinkMetadata()`,
 * `File.metadata()` or `DirEntry.metadata()`.
 *
 * A snapshot: it does not change when the file does.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const meta = await metadata('package.json');
 * console.log(meta.isFile(), meta.len, meta.modified.toISOString());
 * ```
 */
export class Metadata {
  /** The raw Node `fs.Stats` this snapshot was made from. */
  readonly stats: Stats;

  /** @internal Built by the functions of @rt/fs. */
  constructor(stats: Stats) {
    this.stats = stats;
  }

  /** The type of the entry. */
  fileType(): FileType {
    return new FileType(this.stats);
  }

  /** True for a regular file. */
  isFile(): boolean {
    return this.stats.isFile();
  }

  /** True for a directory. */
  isDir(): boolean {
    return this.stats.isDirectory();
  }

  /** True for a symbolic link (only from `symlinkMetadata`, which does not follow links). */
  isSymlink(): boolean {
    return this.stats.isSymbolicLink();
  }

  /** The size in bytes. */
  get len(): number {
    return this.stats.size;
  }

  /** The permission bits (`mode & 0o7777`), e.g. `0o644`. */
  get permissions(): number {
    return this.stats.mode & 0o7777;
  }

  /** Whether no write permission bit is set (Tokio's `permissions().readonly()`). */
  get readonly(): boolean {
    return (this.stats.mode & 0o222) === 0;
  }

  /** The full `st_mode`: type and permission bits. */
  get mode(): number {
    return this.stats.mode;
  }

  /** The owner's user id. */
  get uid(): number {
    return this.stats.uid;
  }

  /** The owner's group id. */
  get gid(): number {
    return this.stats.gid;
  }

  /** The inode number. */
  get ino(): number {
    return this.stats.ino;
  }

  /** The id of the device holding the file. */
  get dev(): number {
    return this.stats.dev;
  }

  /** The number of hard links. */
  get nlink(): number {
    return this.stats.nlink;
  }

  /** Last modification time. */
  get modified(): Date {
    return this.stats.mtime;
  }

  /** Last access time. */
  get accessed(): Date {
    return this.stats.atime;
  }

  /** Creation (birth) time, where the file system records it. */
  get created(): Date {
    return this.stats.birthtime;
  }
}

/**
 * Queries the metadata of the entry at `path`, following symbolic links (`stat(2)`; Tokio's
 * `fs::metadata`).
 *
 * **Cancellation:** cancel safe: it only reads. On abort the promise rejects with
 * `Cancelled`; the `stat` call finishes in the background and its result is dropped.
 *
 * **Errors:** {@link FsError} (`ENOENT`, `EACCES`, `ENOTDIR`, `ELOOP`, …) with `syscall`
 * `'stat'` and `path`; TypeError for a bad `path`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * if ((await metadata('/etc')).isDir()) console.log('a directory');
 * ```
 */
export function metadata(path: PathLike, options?: WaitOptions): Promise<Metadata> {
  try {
    const target = checkPath(path, 'metadata: path');
    checkOptions(options, 'metadata: options');
    return op<Stats>('fs.metadata', 'stat', target, options, (cb) => stat(target, cb)).then(wrap);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Queries the metadata of the entry at `path` without following a final symbolic link
 * (`lstat(2)`; Tokio's `fs::symlink_metadata`): for a link, `isSymlink()` is true.
 *
 * **Cancellation:** cancel safe, as {@link metadata}.
 *
 * **Errors:** {@link FsError} with `syscall` `'lstat'`; TypeError for a bad `path`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * if ((await symlinkMetadata('current')).isSymlink()) console.log('a link');
 * ```
 */
export function symlinkMetadata(path: PathLike, options?: WaitOptions): Promise<Metadata> {
  try {
    const target = checkPath(path, 'symlinkMetadata: path');
    checkOptions(options, 'symlinkMetadata: options');
    return op<Stats>('fs.symlinkMetadata', 'lstat', target, options, (cb) => lstat(target, cb)).then(wrap);
  } catch (error) {
    return Promise.reject(error);
  }
}

function wrap(stats: Stats): Metadata {
  return new Metadata(stats);
}
