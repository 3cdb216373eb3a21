// File: a descriptor on libuv's threadpool, with a read-ahead and a write-behind buffer.
//
// Why: Tokio's `File` runs every `read`/`write` as its own blocking-pool job, so a loop of
// small reads pays a thread hand-off per call and is an order of magnitude slower than
// std (tokio#3664). Here the expensive thing is the same — one threadpool round trip per
// syscall, ~10–50 µs — so the file makes few, large ones:
//
// - Reads: a read that finds the read-ahead buffer empty issues one positional read
//   (`pread`) of a whole window into it; that window starts at 64 KiB and doubles on every
//   full sequential fill up to `bufferSize` (1 MiB by default), and drops back after a
//   seek. Further `read(buf)` calls are served from memory with one copy, no syscall.
// - Writes: `write(buf)` copies into the write-behind buffer and returns at once; when the
//   buffer is full it is swapped with a spare one and one `pwrite` of the whole of it
//   starts in the background, so writes keep being accepted (copied into the other
//   buffer) while the previous one is written. A write that finds both buffers full waits.
//   `flush()` writes the rest. Like the read window, write buffers start at 64 KiB and
//   double each time one fills, up to `bufferSize`: small files stay cheap.
//
// Invariants: at most one threadpool request per File is in flight (`#busy`); every method
// waits (parks) for it before touching the buffers — except `write`, which may fill
// `#wbuf` while the request in flight is the write of the other buffer (`#flushing`).
// `#pos` is the logical position: the file offset of the next byte a read returns or a
// write writes. Read-ahead bytes `#rbuf[#rstart, #rend)` sit at offsets `#pos…`; bytes
// being written `#fbuf[#foff, #flen)` at `#fpos…`, and the accepted bytes after them
// `#wbuf[0, #wlen)` at `#wpos…` (= `#fpos + #flen - #foff` while both exist). A seekable
// file uses positional I/O only, so the kernel's file offset is never relied on; a pipe or
// terminal (ESPIPE) falls back to plain read/write.
//
// Cancellation falls out of this: an aborted `read` leaves its fill running into the
// File's own buffer, so the bytes are there for the next read (nothing lost); an aborted
// `write` either accepted nothing or had already returned.
import { close as closeFd, fdatasync, fstat, fsync, ftruncate, open, read as readFd, write as writeFd } from 'node:fs';
import type { Stats } from 'node:fs';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import type { AsyncRead, AsyncWrite } from '@rt/io';
import { StreamClosed } from '@rt/io';
import { FsError } from './fs-error.js';
import { Metadata } from './metadata.js';
import { OpenOptions } from './open-options.js';
import { toFsError } from './internal/errors.js';
import { op, type Callback } from './internal/op.js';
import { checkBuffer, checkSize, type PathLike } from './internal/validate.js';

/**
 * Where {@link File.seek} moves to: an absolute offset (`number` or `{ start }`), or an
 * offset relative to the end of the file (`{ end }`) or to the current position
 * (`{ current }`), as Rust's `SeekFrom`.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** see {@link File.seek}.
 *
 * **Example**
 * ```ts
 * await file.seek({ end: -16 }); // the last 16 bytes
 * ```
 */
export type SeekFrom = number | { start: number } | { end: number } | { current: number };

const MIN_WINDOW = 64 * 1024;

function noop(): void {}

const leaked = new FinalizationRegistry<number>((fd) => closeFd(fd, noop));

/** A waiter for `close()`, which must work in an aborted task and so never parks. */
class PlainWaiter implements Waiter<void> {
  settled = false;
  readonly promise: Promise<void>;
  #resolve!: () => void;

  constructor() {
    this.promise = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  wake(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.#resolve();
    return true;
  }

  fail(): boolean {
    return this.wake();
  }
}

/**
 * An open file: Tokio's `fs::File`, implementing `AsyncRead` and `AsyncWrite` from `@rt/io`
 * plus `seek`, `syncAll`, `syncData`, `setLen`, `metadata` and `close`.
 *
 * Open one with `File.open(path)` (read-only), `File.create(path)` (write-only, created or
 * truncated), `File.createNew(path)` or an {@link OpenOptions} builder. Reads are served
 * from a read-ahead buffer filled by large positional reads (up to `bufferSize`, 1 MiB by
 * default); writes go into a write-behind buffer (two, alternating: one fills while the
 * other is written) that is written in one call when full, on
 * `flush()`, `seek()`, `syncAll()`, `syncData()`, `setLen()`, `metadata()`, a read, or
 * `close()`. So a `write` that resolved has *not* necessarily reached the file: call
 * `flush()` (or `close()`) and check its result, as with Tokio's `File`.
 *
 * All I/O runs on libuv's threadpool through Node's callback `fs` API (no worker threads,
 * no copying of arguments between threads); one request per `File` is in flight at a time
 * and calls on one `File` take effect in the order they were made. Reading or writing a
 * pipe or terminal opened as a file works (without read-ahead positions) but occupies a
 * threadpool thread while it waits.
 *
 * A `File` is closed by `close()` or `await using`. One that is garbage-collected unclosed
 * gets its descriptor closed, but bytes still in its write-behind buffer are lost.
 *
 * **Cancellation:** every waiting method parks with the scheduler's contract, so a task
 * abort or `{ signal }` rejects it with `Cancelled`. A threadpool request that has started
 * is never interrupted; it finishes in the background and the next call waits for it. Per
 * method: `read` is cancel safe (bytes of an interrupted fill stay in the read-ahead
 * buffer for the next `read`); `write` is cancel safe (an aborted `write` accepted nothing;
 * bytes accepted by earlier writes stay buffered and are written by a later call, possibly
 * the background write already under way); `flush` and `seek` can be called again;
 * `syncAll`/`syncData`/`setLen` may still take effect after the abort; `close` cannot be
 * cancelled.
 *
 * **Errors:** {@link FsError} for OS errors (`syscall` `'read'`, `'write'`, `'fstat'`, …;
 * `path` the opened path). An error of a background write is reported by the next call on
 * the file (`write`, `flush`, `close`, …), once; the bytes that failed to be written are
 * dropped. `StreamClosed` (from `@rt/io`) for any call after `close()`. TypeError/RangeError
 * at once for bad arguments. `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await using file = await File.create('out.bin');
 * await writeAll(file, Buffer.alloc(1 << 20, 1));
 * await file.flush();
 * ```
 */
export class File implements AsyncRead, AsyncWrite {
  #fd: number;
  readonly #path: string;
  readonly #bufferSize: number;
  readonly #append: boolean;
  #seekable: boolean | undefined = undefined;
  #pos = 0;

  #rbuf: Buffer | undefined = undefined;
  #rstart = 0;
  #rend = 0;
  #eof = false;
  #window = MIN_WINDOW;
  #fillLength = 0;

  #wbuf: Buffer | undefined = undefined;
  #wlen = 0;
  #wpos = 0;
  #fbuf: Buffer | undefined = undefined;
  #spare: Buffer | undefined = undefined;
  #wsize = MIN_WINDOW;
  #foff = 0;
  #flen = 0;
  #fpos = 0;
  #flushing = false;

  #busy = false;
  #idle: Waiter<void>[] = [];
  #error: unknown = undefined;
  #closing: Promise<void> | undefined = undefined;

  readonly #onFill: (error: NodeJS.ErrnoException | null, bytesRead: number) => void;
  readonly #onFlush: (error: NodeJS.ErrnoException | null, written: number) => void;

  private constructor(fd: number, path: string, bufferSize: number, append: boolean) {
    this.#fd = fd;
    this.#path = path;
    this.#bufferSize = bufferSize;
    this.#append = append;
    this.#window = Math.min(MIN_WINDOW, bufferSize);
    this.#wsize = this.#window;
    this.#onFill = (error, bytesRead) => this.#filled(error, bytesRead);
    this.#onFlush = (error, written) => this.#flushed(error, written);
    leaked.register(this, fd, this);
  }

  /**
   * Opens an existing file for reading (Tokio's `File::open`).
   *
   * **Cancellation:** as {@link OpenOptions.open}: the descriptor of an open that completes
   * after the abort is closed.
   *
   * **Errors:** {@link FsError} with `syscall` `'open'` (`ENOENT`, `EACCES`, …); TypeError
   * for a bad `path`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * await using file = await File.open('data.bin');
   * const n = await file.read(new Uint8Array(4096));
   * ```
   */
  static open(path: PathLike, options?: WaitOptions): Promise<File> {
    return new OpenOptions().read(true).open(path, options);
  }

  /**
   * Opens a file for writing, creating it if missing and truncating it if present (Tokio's
   * `File::create`).
   *
   * **Cancellation:** as {@link OpenOptions.open}: the file may already be created or
   * truncated when the abort wins.
   *
   * **Errors:** {@link FsError} with `syscall` `'open'` (`ENOENT` for a missing parent,
   * `EISDIR`, `EACCES`, …); TypeError for a bad `path`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * await using file = await File.create('out.txt');
   * await writeAll(file, Buffer.from('hello'));
   * ```
   */
  static create(path: PathLike, options?: WaitOptions): Promise<File> {
    return new OpenOptions().write(true).create(true).truncate(true).open(path, options);
  }

  /**
   * Creates a new file for reading and writing, failing with `EEXIST` if it exists
   * (Tokio's `File::create_new`).
   *
   * **Cancellation:** as {@link OpenOptions.open}: the file may already exist when the
   * abort wins.
   *
   * **Errors:** {@link FsError} with `syscall` `'open'` (`EEXIST`, `ENOENT`, …); TypeError
   * for a bad `path`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * await using lock = await File.createNew('app.lock');
   * ```
   */
  static createNew(path: PathLike, options?: WaitOptions): Promise<File> {
    return new OpenOptions().read(true).write(true).createNew(true).open(path, options);
  }

  /**
   * Returns a new {@link OpenOptions} builder with nothing set (Tokio's `File::options`).
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * const file = await File.options().append(true).create(true).open('app.log');
   * ```
   */
  static options(): OpenOptions {
    return new OpenOptions();
  }

  /** @internal Used by {@link OpenOptions.open}. */
  static openWith(
    path: string,
    flags: number,
    mode: number,
    bufferSize: number,
    append: boolean,
    options: WaitOptions | undefined,
  ): Promise<File> {
    return op<number>(
      'File.open',
      'open',
      path,
      options,
      (cb) => open(path, flags, mode, cb),
      (fd) => closeFd(fd, noop),
    ).then((fd) => new File(fd, path, bufferSize, append));
  }

  /** The path the file was opened with. */
  get path(): string {
    return this.#path;
  }

  /** The raw file descriptor, or -1 once closed. Do not close it yourself. */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Reads up to `buf.length` bytes at the current position into the front of `buf` and
   * resolves with how many (0 at end of file, or for an empty `buf`).
   *
   * Served from the read-ahead buffer when it holds data; otherwise one large positional
   * read refills it first (writes still buffered are flushed before). At end of file it
   * resolves 0 and the next call looks again (a file can grow).
   *
   * **Cancellation:** cancel safe: on abort it rejects with `Cancelled` and consumes
   * nothing; a refill already under way lands in the File's buffer and serves the next
   * `read`.
   *
   * **Errors:** {@link FsError} with `syscall` `'read'` (`EISDIR` for a directory, `EBADF`
   * for a file opened without read access, `EIO`, …) or that of a failed background write;
   * `StreamClosed` after `close()`; TypeError if `buf` is not a Uint8Array; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const buf = new Uint8Array(64 * 1024);
   * for (let n; (n = await file.read(buf)) !== 0; ) hash.update(buf.subarray(0, n));
   * ```
   */
  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'File.read: buf');
    for (;;) {
      this.#checkOpen();
      if (this.#busy) {
        await this.#waitIdle('File.read', options);
        continue;
      }
      this.#throwPending();
      if (this.#rstart < this.#rend) {
        const y = coop();
        if (y !== undefined) {
          await y;
          continue;
        }
        throwIfCancelled(options);
        const n = Math.min(buf.length, this.#rend - this.#rstart);
        const rbuf = this.#rbuf as Buffer;
        rbuf.copy(buf, 0, this.#rstart, this.#rstart + n);
        this.#rstart += n;
        this.#pos += n;
        return n;
      }
      if (this.#eof || buf.length === 0) {
        throwIfCancelled(options);
        this.#eof = false;
        return 0;
      }
      throwIfCancelled(options);
      if (this.#wlen > 0) this.#startFlush();
      else this.#startFill(buf.length);
    }
  }

  /**
   * Accepts up to `buf.length` bytes for writing at the current position (at the end of the
   * file in append mode) and resolves with how many it took.
   *
   * The bytes are copied into the write-behind buffer, so the call usually resolves at once
   * with `buf.length` (or with the free space, when that is smaller); a full buffer starts
   * one background write of all of it. They reach the file at the latest on `flush()` or
   * `close()`. `buf` is never kept. Buffered read-ahead is discarded first.
   *
   * **Cancellation:** cancel safe: an aborted `write` rejects with `Cancelled` and accepted
   * none of `buf`. Bytes accepted by earlier calls are unaffected: they stay buffered, or
   * are being written by a background write that completes regardless.
   *
   * **Errors:** {@link FsError} from the previous background write (`ENOSPC`, `EFBIG`,
   * `EBADF` for a file opened without write access, …), reported once; `StreamClosed` after
   * `close()`; TypeError if `buf` is not a Uint8Array; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await writeAll(file, data); // loops over write()
   * await file.flush();
   * ```
   */
  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'File.write: buf');
    for (;;) {
      this.#checkOpen();
      const wbuf = this.#wbuf;
      if (this.#busy && !(this.#flushing && (wbuf === undefined || this.#wlen < wbuf.length))) {
        await this.#waitIdle('File.write', options);
        continue;
      }
      this.#throwPending();
      if (buf.length === 0) {
        throwIfCancelled(options);
        return 0;
      }
      if (wbuf === undefined) {
        this.#wbuf = Buffer.allocUnsafe(this.#wsize);
        continue;
      }
      const space = wbuf.length - this.#wlen;
      if (space === 0) {
        throwIfCancelled(options);
        this.#startFlush();
        continue;
      }
      const y = coop();
      if (y !== undefined) {
        await y;
        continue;
      }
      throwIfCancelled(options);
      if (this.#seekable !== false) this.#dropReadAhead();
      if (this.#wlen === 0) this.#wpos = this.#pos;
      const n = Math.min(space, buf.length);
      wbuf.set(n === buf.length ? buf : buf.subarray(0, n), this.#wlen);
      this.#wlen += n;
      this.#pos += n;
      if (this.#wlen === wbuf.length && !this.#busy) this.#startFlush();
      return n;
    }
  }

  /**
   * Writes every buffered byte to the file and resolves when the OS has them (not
   * necessarily the disk: see {@link File.syncAll}).
   *
   * **Cancellation:** cancel safe in Tokio's sense: on abort it rejects with `Cancelled`;
   * a write already started completes in the background, the rest stays buffered, and
   * calling `flush()` again finishes the job.
   *
   * **Errors:** {@link FsError} with `syscall` `'write'` (`ENOSPC`, `EFBIG`, `EBADF`, …);
   * the bytes that failed are dropped. `StreamClosed` after `close()`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await file.write(Buffer.from('line\n'));
   * await file.flush();
   * ```
   */
  async flush(options?: WaitOptions): Promise<void> {
    for (;;) {
      this.#checkOpen();
      if (this.#busy) {
        await this.#waitIdle('File.flush', options);
        continue;
      }
      this.#throwPending();
      throwIfCancelled(options);
      if (this.#wlen === 0) return;
      this.#startFlush();
    }
  }

  /**
   * Same as {@link File.flush} (a file has no write side to close, as in Tokio): the
   * `AsyncWrite` end-of-stream call, so `copy(reader, file)` leaves the file complete.
   *
   * **Cancellation:** as `flush`.
   *
   * **Errors:** as `flush`.
   *
   * **Example**
   * ```ts
   * await copy(socket, file); // flushes via shutdown()
   * ```
   */
  shutdown(options?: WaitOptions): Promise<void> {
    return this.flush(options);
  }

  /**
   * Moves the position to `position` and resolves with the new position (from the start).
   *
   * Buffered writes are flushed first. A seek inside the read-ahead buffer keeps it (no
   * syscall); any other seek discards it and restarts the read-ahead window small. Seeking
   * past the end is allowed: a later write leaves a hole of zeros. `{ end }` costs one
   * `fstat`.
   *
   * **Cancellation:** cancel safe: on abort the position is unchanged (a flush already
   * started completes; pending writes stay buffered at their own offsets).
   *
   * **Errors:** {@link FsError} `EINVAL` (`syscall` `'lseek'`) for a resulting position below
   * 0 or above 2^53 − 1; `ESPIPE` for a pipe or terminal; errors of the flush; RangeError or
   * TypeError at once for a malformed `position`; `StreamClosed`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await file.seek({ end: -4 });
   * await readExact(file, trailer);
   * ```
   */
  async seek(position: SeekFrom, options?: WaitOptions): Promise<number> {
    const [whence, offset] = parseSeek(position);
    await this.flush(options);
    if (this.#seekable === undefined) {
      const stats = await this.#exclusive<Stats>('File.seek', 'fstat', options, (cb) => fstat(this.#fd, cb));
      this.#seekable = stats.isFile() || stats.isBlockDevice() || stats.isDirectory();
    }
    if (!this.#seekable) throw new FsError('ESPIPE', 'lseek', this.#path, undefined, `ESPIPE: illegal seek on '${this.#path}'`);
    let base = 0;
    if (whence === 'current') base = this.#pos;
    else if (whence === 'end') {
      const stats = await this.#exclusive<Stats>('File.seek', 'fstat', options, (cb) => fstat(this.#fd, cb));
      base = stats.size;
    }
    const target = base + offset;
    if (target < 0 || !Number.isSafeInteger(target)) {
      throw new FsError('EINVAL', 'lseek', this.#path, undefined, `EINVAL: invalid seek to position ${target} in '${this.#path}'`);
    }
    throwIfCancelled(options);
    this.#checkOpen();
    const ahead = this.#rend - this.#rstart;
    if (ahead > 0 && target >= this.#pos && target < this.#pos + ahead) {
      this.#rstart += target - this.#pos;
    } else if (target !== this.#pos) {
      this.#dropReadAhead();
      this.#window = Math.min(MIN_WINDOW, this.#bufferSize);
    }
    this.#eof = false;
    this.#pos = target;
    return target;
  }

  /**
   * The current position: the offset of the next byte a read returns or a write writes
   * (Tokio's `stream_position`, without a syscall). Unspecified in append mode until a seek.
   */
  get position(): number {
    return this.#pos;
  }

  /**
   * Flushes, then makes the file's data and metadata durable on disk (`fsync(2)`; Tokio's
   * `sync_all`).
   *
   * **Cancellation:** on abort it rejects with `Cancelled`; an `fsync` already started
   * completes in the background (the file may be synced anyway).
   *
   * **Errors:** {@link FsError} with `syscall` `'fsync'` or `'write'`; `StreamClosed`;
   * `Cancelled`.
   *
   * **Example**
   * ```ts
   * await file.syncAll(); // survives a power cut from here on
   * ```
   */
  async syncAll(options?: WaitOptions): Promise<void> {
    await this.flush(options);
    await this.#exclusive<void>('File.syncAll', 'fsync', options, (cb) => fsync(this.#fd, cb));
  }

  /**
   * Flushes, then makes the file's data durable, skipping metadata not needed to read it
   * back (`fdatasync(2)`; Tokio's `sync_data`).
   *
   * **Cancellation:** as {@link File.syncAll}.
   *
   * **Errors:** {@link FsError} with `syscall` `'fdatasync'` or `'write'`; `StreamClosed`;
   * `Cancelled`.
   *
   * **Example**
   * ```ts
   * await file.syncData();
   * ```
   */
  async syncData(options?: WaitOptions): Promise<void> {
    await this.flush(options);
    await this.#exclusive<void>('File.syncData', 'fdatasync', options, (cb) => fdatasync(this.#fd, cb));
  }

  /**
   * Flushes, then truncates or extends (with zeros) the file to `size` bytes (Tokio's
   * `set_len`). The position is unchanged; read-ahead is discarded.
   *
   * **Cancellation:** on abort it rejects with `Cancelled`; an `ftruncate` already started
   * completes in the background, so the file may have the new length.
   *
   * **Errors:** {@link FsError} with `syscall` `'ftruncate'` (`EINVAL` for a file not open
   * for writing, `EFBIG`) or `'write'`; RangeError at once for a bad `size`;
   * `StreamClosed`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await file.setLen(0);
   * ```
   */
  async setLen(size: number, options?: WaitOptions): Promise<void> {
    checkSize(size, 'File.setLen: size');
    await this.flush(options);
    await this.#exclusive<void>(
      'File.setLen',
      'ftruncate',
      options,
      (cb) => ftruncate(this.#fd, size, cb),
      () => {
        this.#dropReadAhead();
        this.#eof = false;
      },
    );
  }

  /**
   * Flushes, then queries the open file's metadata (`fstat(2)`; Tokio's `File::metadata`),
   * so `len` includes everything written so far.
   *
   * **Cancellation:** cancel safe (it only reads); a flush already started completes.
   *
   * **Errors:** {@link FsError} with `syscall` `'fstat'` or `'write'`; `StreamClosed`;
   * `Cancelled`.
   *
   * **Example**
   * ```ts
   * console.log((await file.metadata()).len);
   * ```
   */
  async metadata(options?: WaitOptions): Promise<Metadata> {
    await this.flush(options);
    const stats = await this.#exclusive<Stats>('File.metadata', 'fstat', options, (cb) => fstat(this.#fd, cb));
    return new Metadata(stats);
  }

  /**
   * Flushes the write-behind buffer and closes the descriptor; idempotent (a second call
   * returns the first call's promise). Every later call on the file fails with
   * `StreamClosed`; calls parked on the file when it closes reject with it.
   *
   * **Cancellation:** not cancellable (so `await using` works in an aborted task): it takes
   * no `signal` and ignores task aborts. It waits for a request in flight, writes what is
   * buffered, then closes.
   *
   * **Errors:** {@link FsError} of the final writes (`ENOSPC`, …) or of `close(2)` — the
   * descriptor is closed in every case, and bytes that could not be written are dropped.
   *
   * **Example**
   * ```ts
   * const file = await File.create('out.txt');
   * try { await writeAll(file, data); } finally { await file.close(); }
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Same as {@link File.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const wake = this.#idle.splice(0);
    for (const waiter of wake) waiter.wake(undefined);
    let failure: unknown = undefined;
    for (;;) {
      if (this.#busy) {
        const waiter = new PlainWaiter();
        this.#idle.push(waiter);
        await waiter.promise;
        continue;
      }
      if (this.#error !== undefined) {
        failure ??= this.#error;
        this.#error = undefined;
      }
      if (this.#wlen > 0 && failure === undefined) {
        this.#startFlush();
        continue;
      }
      break;
    }
    const fd = this.#fd;
    this.#fd = -1;
    this.#wlen = 0;
    this.#wbuf = this.#fbuf = this.#spare = undefined;
    this.#rbuf = undefined;
    this.#rstart = this.#rend = 0;
    leaked.unregister(this);
    await new Promise<void>((resolve) => {
      closeFd(fd, (error) => {
        if (error !== null && failure === undefined) failure = toFsError(error, 'close', this.#path);
        resolve();
      });
    });
    if (failure !== undefined) throw failure;
  }

  #checkOpen(): void {
    if (this.#closing !== undefined) throw new StreamClosed(`file '${this.#path}' is closed`);
  }

  #throwPending(): void {
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      throw error;
    }
  }

  #dropReadAhead(): void {
    this.#rstart = this.#rend = 0;
    this.#eof = false;
  }

  #waitIdle(label: string, options: WaitOptions | undefined): Promise<void> {
    const { waiter, promise } = park<void>(label, (w) => this.#unpark(w), options);
    this.#idle.push(waiter);
    return promise;
  }

  #unpark(waiter: Waiter<void>): void {
    const index = this.#idle.indexOf(waiter);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  #done(): void {
    this.#busy = false;
    this.#wakeAll();
  }

  #wakeAll(): void {
    if (this.#idle.length === 0) return;
    const wake = this.#idle.splice(0);
    for (const waiter of wake) waiter.wake(undefined);
  }

  #startFill(want: number): void {
    this.#fillLength = Math.min(this.#bufferSize, Math.max(this.#window, want));
    let rbuf = this.#rbuf;
    // The buffer grows with the window, so a small file never costs a 1 MiB allocation.
    if (rbuf === undefined || rbuf.length < this.#fillLength) rbuf = this.#rbuf = Buffer.allocUnsafe(this.#fillLength);
    this.#busy = true;
    readFd(this.#fd, rbuf, 0, this.#fillLength, this.#seekable === false ? null : this.#pos, this.#onFill);
  }

  #filled(error: NodeJS.ErrnoException | null, bytesRead: number): void {
    if (error !== null) {
      if (error.code === 'ESPIPE' && this.#seekable !== false) {
        this.#seekable = false;
        readFd(this.#fd, this.#rbuf as Buffer, 0, this.#fillLength, null, this.#onFill);
        return;
      }
      this.#error = toFsError(error, 'read', this.#path);
    } else {
      this.#seekable ??= true; // a positional read worked
      this.#rstart = 0;
      this.#rend = bytesRead;
      this.#eof = bytesRead === 0;
      if (bytesRead === this.#fillLength && this.#window < this.#bufferSize) {
        this.#window = Math.min(this.#window * 2, this.#bufferSize);
      }
    }
    this.#done();
  }

  /** Hands the accepted bytes to a background write and gives `write` the spare buffer. */
  #startFlush(): void {
    this.#fbuf = this.#wbuf;
    this.#foff = 0;
    this.#flen = this.#wlen;
    this.#fpos = this.#wpos;
    // Write buffers start at 64 KiB and double each time one fills, up to `bufferSize`.
    if (this.#wlen === (this.#fbuf as Buffer).length) this.#wsize = Math.min(this.#wsize * 2, this.#bufferSize);
    const spare = this.#spare;
    this.#wbuf = spare !== undefined && spare.length >= this.#wsize ? spare : undefined;
    this.#spare = undefined;
    this.#wlen = 0;
    this.#wpos = this.#fpos + this.#flen;
    this.#busy = true;
    this.#flushing = true;
    this.#writeFlush();
  }

  #writeFlush(): void {
    const position = this.#seekable === false || this.#append ? null : this.#fpos;
    writeFd(this.#fd, this.#fbuf as Buffer, this.#foff, this.#flen - this.#foff, position, this.#onFlush);
  }

  #flushed(error: NodeJS.ErrnoException | null, written: number): void {
    if (error !== null) {
      if (error.code === 'ESPIPE' && this.#seekable !== false) {
        this.#seekable = false;
        this.#writeFlush();
        return;
      }
      this.#error = toFsError(error, 'write', this.#path);
    } else {
      this.#foff += written;
      this.#fpos += written;
      if (this.#foff < this.#flen) {
        this.#writeFlush();
        return;
      }
    }
    this.#spare = this.#fbuf;
    this.#fbuf = undefined;
    this.#foff = this.#flen = 0;
    this.#flushing = false;
    if (this.#error === undefined && this.#wbuf !== undefined && this.#wlen === this.#wbuf.length) {
      // The other buffer filled up meanwhile: keep the pipeline going, and let writers
      // parked for room copy into the buffer just freed.
      this.#startFlush();
      this.#wakeAll();
      return;
    }
    this.#done();
  }

  /** Waits for the file to be idle, then runs one request that no other may overlap. */
  async #exclusive<T>(
    label: string,
    syscall: string,
    options: WaitOptions | undefined,
    start: (callback: Callback<T>) => void,
    after?: (value: T) => void,
  ): Promise<T> {
    for (;;) {
      this.#checkOpen();
      if (!this.#busy) break;
      await this.#waitIdle(label, options);
    }
    this.#throwPending();
    return op<T>(label, syscall, this.#path, options, (cb) => {
      this.#busy = true;
      try {
        start((error, value) => {
          if (error === null && after !== undefined) after(value as T);
          this.#done();
          cb(error, value);
        });
      } catch (error) {
        this.#done();
        throw error;
      }
    });
  }
}

function parseSeek(position: unknown): ['start' | 'end' | 'current', number] {
  if (typeof position === 'number') return ['start', checkSize(position, 'File.seek: position')];
  if (position === null || typeof position !== 'object') {
    throw new TypeError(`File.seek: position must be a number or { start } / { end } / { current }, got ${String(position)}`);
  }
  const keys = Object.keys(position);
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'start' && key !== 'end' && key !== 'current')) {
    throw new TypeError(`File.seek: position must have exactly one of start, end, current, got keys [${keys.join(', ')}]`);
  }
  const value = (position as Record<string, unknown>)[key];
  if (key === 'start') return ['start', checkSize(value, 'File.seek: position.start')];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`File.seek: position.${key} must be a safe integer, got ${String(value)}`);
  }
  return [key, value];
}
