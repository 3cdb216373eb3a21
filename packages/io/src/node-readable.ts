import { Readable } from 'node:stream';
import { isCancelled, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { ready } from './empty.js';
import { UnexpectedEof } from './io-error.js';
import { checkBuffer, checkReader, checkSize, describe } from './internal/validate.js';
import { WaitQueue } from './internal/wait-queue.js';

/**
 * Options of `toNodeReadable`.
 *
 * **Cancellation:** not applicable (sizes only).
 *
 * **Errors:** `RangeError` for sizes that are not integers (`chunkSize` >= 1).
 *
 * **Example**
 * ```ts
 * toNodeReadable(reader, { chunkSize: 16 * 1024, highWaterMark: 64 * 1024 });
 * ```
 */
export interface ToNodeReadableOptions {
  /** Bytes asked of `reader` per read (default 64 KiB); each chunk pushed is a new Buffer. */
  chunkSize?: number;
  /** The Readable's `highWaterMark` in bytes (default Node's, 64 KiB). */
  highWaterMark?: number;
}

/**
 * Wraps an rt reader in a Node `stream.Readable`, so it plugs into `pipeline`, HTTP
 * parsers, `tls.connect({ socket })` and the rest of Node's ecosystem.
 *
 * The Readable pulls: it calls `reader.read` only when Node asks for data (below its
 * `highWaterMark`), so Node's backpressure reaches the rt stream. A read resolving 0 ends
 * the Readable; a failed read destroys it with that error. Destroying the Readable aborts
 * the read in flight (through its signal) and stops reading; it does not close `reader`.
 *
 * **Cancellation:** the rt read is cancel safe, so destroying the Readable loses nothing
 * that was not yet pushed.
 *
 * **Errors:** `TypeError`/`RangeError` for bad arguments (thrown at once); read errors are
 * emitted as the Readable's `'error'`.
 *
 * **Example**
 * ```ts
 * await pipeline(toNodeReadable(socket), createGunzip(), createWriteStream('out'));
 * ```
 */
export function toNodeReadable(reader: AsyncRead, options?: ToNodeReadableOptions): Readable {
  checkReader(reader, 'toNodeReadable: reader');
  const chunkSize = options?.chunkSize ?? 64 * 1024;
  checkSize(chunkSize, 'toNodeReadable: options.chunkSize', 1);
  if (options?.highWaterMark !== undefined) checkSize(options.highWaterMark, 'toNodeReadable: options.highWaterMark', 0);
  const stop = new AbortController();
  const wait = { signal: stop.signal };
  return new Readable({
    ...(options?.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    read(this: Readable): void {
      const chunk = Buffer.allocUnsafe(chunkSize);
      reader.read(chunk, wait).then(
        (n) => {
          if (this.destroyed) return;
          this.push(n === 0 ? null : chunk.subarray(0, n));
        },
        (error: unknown) => {
          if (stop.signal.aborted && isCancelled(error)) return;
          this.destroy(error instanceof Error ? error : new Error(describe(error)));
        },
      );
    },
    destroy(error, callback): void {
      stop.abort(error ?? new Error('toNodeReadable: the Readable was destroyed'));
      callback(error);
    },
  });
}

/**
 * An rt reader over a Node `stream.Readable` (made by `fromNodeReadable`).
 *
 * `read(buf)` takes bytes from the Readable's buffer (in paused mode, with `read()`),
 * keeping the remainder of a chunk larger than `buf` for the next call, and waits for
 * `'readable'` when there is none. It resolves 0 once the Readable has ended. String
 * chunks are encoded as UTF-8; object-mode chunks that are not bytes fail the read.
 *
 * **Cancellation:** `read` is cancel safe: a read aborted while waiting took nothing.
 *
 * **Errors:** the Readable's `'error'` (on the read in progress and every later one);
 * `UnexpectedEof` if the Readable is destroyed before it ends; `TypeError` for a chunk
 * that is not bytes or a string; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const reader = fromNodeReadable(createReadStream('in.txt'));
 * console.log(await readToString(reader));
 * ```
 */
export class NodeReadableReader implements AsyncRead {
  readonly #stream: Readable;
  readonly #waiters = new WaitQueue('fromNodeReadable.read');
  #leftover: Uint8Array | null = null;
  #listening = false;
  #ended = false;
  #closed = false;
  #error: unknown = undefined;
  #failed = false;

  /** @internal Use `fromNodeReadable()`. */
  constructor(stream: Readable) {
    this.#stream = stream;
  }

  /** The wrapped Readable. */
  get stream(): Readable {
    return this.#stream;
  }

  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'fromNodeReadable().read: buf');
    throwIfCancelled(options);
    this.#listen();
    let first = true;
    for (;;) {
      if (this.#leftover === null && !this.#failed && buf.length > 0) this.#leftover = this.#pull();
      const leftover = this.#leftover;
      if (leftover !== null || this.#failed || this.#ended || buf.length === 0) {
        if (first) {
          first = false;
          const yielded = ready(options);
          if (yielded !== undefined) await yielded;
          continue; // re-check after a possible yield
        }
        if (leftover !== null && buf.length > 0) {
          const n = Math.min(buf.length, leftover.length);
          buf.set(n === leftover.length ? leftover : leftover.subarray(0, n), 0);
          this.#leftover = n === leftover.length ? null : leftover.subarray(n);
          return n;
        }
        if (this.#failed) throw this.#error;
        return 0;
      }
      if (this.#closed || this.#stream.destroyed) {
        throw new UnexpectedEof('fromNodeReadable().read: the Readable was destroyed before it ended');
      }
      first = false;
      await this.#waiters.wait(options);
    }
  }

  #pull(): Uint8Array | null {
    const stream = this.#stream;
    if (stream.destroyed) return null;
    const chunk: unknown = stream.read();
    if (chunk === null || chunk === undefined) {
      if (stream.readableEnded) this.#ended = true;
      return null;
    }
    if (chunk instanceof Uint8Array) return chunk.length === 0 ? null : chunk;
    if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
    this.#error = new TypeError(`fromNodeReadable().read: the Readable produced a chunk that is not bytes: ${describe(chunk)}`);
    this.#failed = true;
    return null;
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const stream = this.#stream;
    const wake = (): void => this.#waiters.wakeAll();
    stream.on('readable', wake);
    stream.on('end', () => {
      this.#ended = true;
      wake();
    });
    stream.on('error', (error: unknown) => {
      if (!this.#failed) {
        this.#error = error;
        this.#failed = true;
      }
      wake();
    });
    stream.on('close', () => {
      this.#closed = true;
      wake();
    });
    if (stream.readableEnded) this.#ended = true;
    if (stream.errored) {
      this.#error = stream.errored;
      this.#failed = true;
    }
  }
}

/**
 * Wraps a Node `stream.Readable` (a file stream, `process.stdin`, an HTTP body, …) in an
 * rt reader with a cancel-safe `read`.
 *
 * The reader switches the Readable to paused mode and listens for `'readable'`, `'end'`,
 * `'error'` and `'close'` from its first `read` on; do not also consume the Readable
 * with `'data'` or `pipe`. Reading keeps the Readable's source open (and Node's event loop
 * alive) until it ends, as `'readable'` listeners do.
 *
 * **Cancellation:** see `NodeReadableReader` (`read` is cancel safe).
 *
 * **Errors:** `TypeError` if `readable` is not a Node Readable.
 *
 * **Example**
 * ```ts
 * const reader = new BufReader(fromNodeReadable(process.stdin));
 * ```
 */
export function fromNodeReadable(readable: Readable): NodeReadableReader {
  const candidate = readable as Partial<Readable> | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.read !== 'function' || typeof candidate.on !== 'function') {
    throw new TypeError(`fromNodeReadable: readable must be a Node stream.Readable, got ${describe(readable)}`);
  }
  return new NodeReadableReader(readable);
}
