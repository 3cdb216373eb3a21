import type { WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { ready } from './empty.js';
import { checkBuffer, checkSize, describe } from './internal/validate.js';

/**
 * An endless reader that fills every buffer with one byte value (Tokio's `Repeat`).
 * Made by `repeat(byte)`; `take(limit)` bounds it.
 *
 * Each `read` spends one unit of the cooperative budget, so an endless copy out of it
 * still lets other tasks, timers and I/O run.
 *
 * **Cancellation:** `read` is cancel safe.
 *
 * **Errors:** `Cancelled` if already aborted; `TypeError` for a `buf` that is not a
 * `Uint8Array`.
 *
 * **Example**
 * ```ts
 * const zeros = new Uint8Array(16);
 * await repeat(0).read(zeros);
 * ```
 */
export class Repeat implements AsyncRead {
  /** The byte every read produces. */
  readonly byte: number;

  /** @internal Use `repeat()`. */
  constructor(byte: number) {
    this.byte = byte;
  }

  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'Repeat.read: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    buf.fill(this.byte);
    return buf.length;
  }

  /**
   * A reader that yields the first `limit` bytes of this one, then end of stream (Tokio's
   * `AsyncReadExt::take`, for this reader).
   *
   * **Cancellation:** its `read` is cancel safe.
   *
   * **Errors:** `RangeError` for a `limit` that is not an integer >= 0.
   *
   * **Example**
   * ```ts
   * const kib = await readToEnd(repeat(1).take(1024));
   * ```
   */
  take(limit: number): AsyncRead {
    checkSize(limit, 'Repeat.take: limit', 0);
    let left = limit;
    return {
      read: async (buf: Uint8Array, options?: WaitOptions): Promise<number> => {
        checkBuffer(buf, 'Repeat.take().read: buf');
        const yielded = ready(options);
        if (yielded !== undefined) await yielded;
        const n = Math.min(left, buf.length);
        buf.fill(this.byte, 0, n);
        left -= n;
        return n;
      },
    };
  }
}

/**
 * Creates a reader that yields `byte` forever (Tokio's `io::repeat`).
 *
 * **Cancellation:** see `Repeat` (cancel safe).
 *
 * **Errors:** `RangeError` when `byte` is not an integer from 0 to 255.
 *
 * **Example**
 * ```ts
 * await copy(repeat(0x2e).take(80), stdout());
 * ```
 */
export function repeat(byte: number): Repeat {
  if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) {
    throw new RangeError(`repeat: byte must be an integer from 0 to 255, got ${describe(byte)}`);
  }
  return new Repeat(byte);
}
