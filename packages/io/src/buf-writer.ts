import type { WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { ResourceBusy, WriteZero } from './io-error.js';
import { checkBuffer, checkSize, checkWriter } from './internal/validate.js';

/**
 * Options of `BufWriter`.
 *
 * **Cancellation:** not applicable (the buffer is allocated once, by the constructor).
 *
 * **Errors:** `RangeError` from the constructor for a `capacity` < 1.
 *
 * **Example**
 * ```ts
 * new BufWriter(socket, { capacity: 64 * 1024 });
 * ```
 */
export interface BufWriterOptions {
  /** Size of the internal buffer in bytes (default 8 KiB). */
  capacity?: number;
}

const DEFAULT_CAPACITY = 8 * 1024;

/**
 * Adds a buffer to any writer, so many small writes become few large ones (Tokio's
 * `BufWriter`).
 *
 * `write(buf)` copies `buf` into the buffer and resolves with `buf.length`; when it does
 * not fit, the buffer is written out first, and a `buf` of at least `capacity` bytes goes
 * straight to the inner writer. Nothing reaches the inner writer until the buffer fills
 * or you call `flush()` / `shutdown()`: call `flush()` when a message is complete. There
 * is no flush on garbage collection: unflushed bytes of a dropped `BufWriter` are lost.
 *
 * One operation at a time: a second call while one is pending rejects with
 * `ResourceBusy`.
 *
 * **Cancellation:** `write` is cancel safe: an aborted `write` accepted nothing, and the
 * part of the buffer already written out is accounted for (nothing is written twice or
 * dropped). `flush` and `shutdown` are cancel safe in Tokio's sense: call them again to
 * finish; the unwritten bytes stay buffered.
 *
 * **Errors:** errors of the inner writer; `WriteZero` if it accepts 0 bytes;
 * `ResourceBusy` for overlapping calls; `TypeError`/`RangeError` for bad arguments;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const out = new BufWriter(socket);
 * for (const row of rows) await writeAll(out, encode(row));
 * await out.flush();
 * ```
 */
export class BufWriter implements AsyncWrite {
  readonly #inner: AsyncWrite;
  readonly #buf: Uint8Array;
  #start = 0;
  #end = 0;
  #busy = false;

  constructor(inner: AsyncWrite, options?: BufWriterOptions) {
    checkWriter(inner, 'BufWriter: inner');
    const capacity = options?.capacity ?? DEFAULT_CAPACITY;
    checkSize(capacity, 'BufWriter: options.capacity', 1);
    this.#inner = inner;
    this.#buf = new Uint8Array(capacity);
  }

  /** The wrapped writer. Writing to it directly overtakes the buffered bytes. */
  get inner(): AsyncWrite {
    return this.#inner;
  }

  /** Size of the internal buffer. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** The bytes buffered and not yet written to the inner writer (a view). */
  get buffer(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /**
   * Buffers `buf` (writing the buffer out first when `buf` does not fit; a `buf` of at least
   * `capacity` bytes goes straight to the inner writer) and resolves with the count accepted.
   *
   * **Cancellation:** cancel safe: an aborted write accepted nothing.
   *
   * **Errors:** those of the inner writer; `WriteZero`; `ResourceBusy`; `Cancelled`.
   */
  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'BufWriter.write: buf');
    this.#enter('write');
    try {
      if (this.#end + buf.length > this.#buf.length) {
        await this.#flushBuffer(options);
        // The buffer is empty now; reclaim its whole length.
        this.#start = 0;
        this.#end = 0;
      }
      if (buf.length >= this.#buf.length) return await this.#inner.write(buf, options);
      this.#buf.set(buf, this.#end);
      this.#end += buf.length;
      return buf.length;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Writes the buffer out, then flushes the inner writer.
   *
   * **Cancellation:** the unwritten rest stays buffered; call again to finish.
   *
   * **Errors:** those of the inner writer; `WriteZero`; `ResourceBusy`; `Cancelled`.
   */
  async flush(options?: WaitOptions): Promise<void> {
    this.#enter('flush');
    try {
      await this.#flushBuffer(options);
      await this.#inner.flush(options);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Writes the buffer out, then shuts the inner writer down.
   *
   * **Cancellation:** the unwritten rest stays buffered; call again to finish.
   *
   * **Errors:** those of the inner writer; `WriteZero`; `ResourceBusy`; `Cancelled`.
   */
  async shutdown(options?: WaitOptions): Promise<void> {
    this.#enter('shutdown');
    try {
      await this.#flushBuffer(options);
      await this.#inner.shutdown(options);
    } finally {
      this.#busy = false;
    }
  }

  #enter(method: string): void {
    if (this.#busy) throw new ResourceBusy(`BufWriter.${method}: another operation is in progress on this writer`);
    this.#busy = true;
  }

  async #flushBuffer(options: WaitOptions | undefined): Promise<void> {
    while (this.#start < this.#end) {
      const n = await this.#inner.write(this.#buf.subarray(this.#start, this.#end), options);
      if (n === 0) throw new WriteZero(`BufWriter: inner writer accepted 0 of ${this.#end - this.#start} buffered bytes`);
      this.#start += n;
    }
    this.#start = 0;
    this.#end = 0;
  }
}
