import type { WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { WriteZero } from './io-error.js';
import { checkBuffer, checkWriter } from './internal/validate.js';

/**
 * Writes the whole of `buf`, calling `writer.write` until every byte is accepted (Tokio's
 * `write_all`). Waits whenever the writer applies backpressure.
 *
 * **Cancellation:** not cancel safe. If the signal (or the task) aborts midway, the
 * promise rejects with `Cancelled` after an unknown prefix of `buf` was accepted by the
 * writer; the rest was not written. Nothing is written twice.
 *
 * **Errors:** `WriteZero` if the writer accepts 0 bytes of a non-empty buffer; errors of
 * `writer` (e.g. `BrokenPipe`); `TypeError` for a bad argument; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeAll(stream, new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
 * ```
 */
export async function writeAll(writer: AsyncWrite, buf: Uint8Array, options?: WaitOptions): Promise<void> {
  checkWriter(writer, 'writeAll: writer');
  checkBuffer(buf, 'writeAll: buf');
  let written = 0;
  while (written < buf.length) {
    const n = await writer.write(written === 0 ? buf : buf.subarray(written), options);
    if (n === 0) throw new WriteZero(`writeAll: writer accepted 0 bytes after ${written} of ${buf.length}`);
    written += n;
  }
}
