import type { Dirent, Stats } from 'node:fs';

type Kind = 'file' | 'dir' | 'symlink' | 'blockDevice' | 'charDevice' | 'fifo' | 'socket' | 'unknown';

/**
 * The type of a file-system entry: a regular file, a directory, a symbolic link or one of
 * the Unix special files (Tokio's `std::fs::FileType`).
 *
 * Exactly one of the `isX()` methods is true, except for an entry the OS could not
 * classify (none is).
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * for await (const entry of await readDir('.')) {
 *   if ((await entry.fileType()).isDir()) console.log(entry.name + '/');
 * }
 * ```
 */
export class FileType {
  readonly #kind: Kind;

  /** @internal Built by `Metadata.fileType()` and `DirEntry.fileType()`. */
  constructor(source: Stats | Dirent) {
    this.#kind = source.isFile()
      ? 'file'
      : source.isDirectory()
        ? 'dir'
        : source.isSymbolicLink()
          ? 'symlink'
          : source.isBlockDevice()
            ? 'blockDevice'
            : source.isCharacterDevice()
              ? 'charDevice'
              : source.isFIFO()
                ? 'fifo'
                : source.isSocket()
                  ? 'socket'
                  : 'unknown';
  }

  /** True for a regular file. */
  isFile(): boolean {
    return this.#kind === 'file';
  }

  /** True for a directory. */
  isDir(): boolean {
    return this.#kind === 'dir';
  }

  /** True for a symbolic link (only from calls that do not follow links). */
  isSymlink(): boolean {
    return this.#kind === 'symlink';
  }

  /** True for a block device. */
  isBlockDevice(): boolean {
    return this.#kind === 'blockDevice';
  }

  /** True for a character device (`/dev/null`, a terminal). */
  isCharDevice(): boolean {
    return this.#kind === 'charDevice';
  }

  /** True for a named pipe (FIFO). */
  isFifo(): boolean {
    return this.#kind === 'fifo';
  }

  /** True for a Unix domain socket. */
  isSocket(): boolean {
    return this.#kind === 'socket';
  }
}
