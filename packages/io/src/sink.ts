import type { WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { ready } from './empty.js';
import { checkBuffer } from './internal/validate.js';

/**
 * A writer that accepts and discards every byte (Tokio's `Sink`), counting them in
 * `bytesWritten`. Made by `sink()`.
 *
 * Each call spends one unit of the cooperative budget.
 *
 * **Cancellation:** every method is cancel safe.
 *
 * **Errors:** `Cancelled` if already aborted; `TypeError` for a `buf` that is not a
 * `Uint8Array`.
 *
 * **Example**
 * ```ts
 * const out = sink();
 * await copy(repeat(0x61).take(1024), out); // out.bytesWritten === 1024
 * ```
 */
export class Sink implements AsyncWrite {
  /** How many bytes were written (and discarded) so far. */
  bytesWritten = 0;

  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'Sink.write: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    this.bytesWritten += buf.length;
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
 * Creates a writer that discards everything (Tokio's `io::sink`).
 *
 * **Cancellation:** see `Sink` (cancel safe).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * await writeAll(sink(), new Uint8Array(1 << 20));
 * ```
 */
export function sink(): Sink {
  return new Sink();
}
