import { coop, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncBufRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { checkBuffer, describe } from './internal/validate.js';

const NOTHING = new Uint8Array(0);

/**
 * A stream that is always at end of stream and swallows every write (Tokio's `Empty`).
 * Made by `empty()`.
 *
 * `read` resolves 0, `fillBuf` an empty view, `write(buf)` `buf.length` (discarded).
 * Each call spends one unit of the cooperative budget, so a loop over it still yields.
 *
 * **Cancellation:** every method is cancel safe (nothing to lose).
 *
 * **Errors:** `Cancelled` if already aborted; `TypeError` for a `buf` that is not a
 * `Uint8Array`.
 *
 * **Example**
 * ```ts
 * await readToEnd(empty()); // empty Buffer
 * ```
 */
export class Empty implements AsyncBufRead, AsyncWrite {
  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'Empty.read: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    return 0;
  }

  async fillBuf(options?: WaitOptions): Promise<Uint8Array> {
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    return NOTHING;
  }

  consume(amount: number): void {
    if (amount !== 0) throw new RangeError(`Empty.consume: amount must be 0 (nothing is buffered), got ${describe(amount)}`);
  }

  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'Empty.write: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    return buf.length;
  }

  async flush(options?: WaitOptions): Promise<void> {
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
  }

  async shutdown(options?: WaitOptions): Promise<void> {
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
  }
}

/**
 * @internal The prologue of an operation that can complete without waiting: throws if
 * cancelled; when the cooperative budget is spent, returns a promise to await (it rejects
 * if the operation was cancelled during the yield). Usage:
 * `const yielded = ready(options); if (yielded !== undefined) await yielded;`
 */
export function ready(options: WaitOptions | undefined): Promise<void> | undefined {
  throwIfCancelled(options);
  const yielded = coop();
  return yielded === undefined ? undefined : yielded.then(() => throwIfCancelled(options));
}

/**
 * Creates a stream that reads as empty and discards writes (Tokio's `io::empty`).
 *
 * **Cancellation:** see `Empty` (cancel safe).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const n = await copy(empty(), sink()); // 0
 * ```
 */
export function empty(): Empty {
  return new Empty();
}
