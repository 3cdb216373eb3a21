import type { WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { UnexpectedEof } from './io-error.js';
import { checkBuffer, checkReader } from './internal/validate.js';

/**
 * Reads exactly `buf.length` bytes into `buf`, calling `reader.read` as many times as it
 * takes, and resolves with `buf.length` (Tokio's `read_exact`).
 *
 * **Cancellation:** not cancel safe. If the signal (or the task) aborts midway, the
 * promise rejects with `Cancelled`; the bytes already read are in `buf` (from its start)
 * but their count is not reported, so they are lost to the caller. Use `read` (cancel
 * safe) in `select`-style code, or `BufReader.fillBuf` and `consume` once enough bytes are
 * buffered.
 *
 * **Errors:** `UnexpectedEof` if the stream ends first (the bytes read so far are in
 * `buf`; the error's message says how many); errors of `reader`; `TypeError` for a bad
 * argument; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const header = new Uint8Array(8);
 * await readExact(socket, header);
 * ```
 */
export async function readExact(reader: AsyncRead, buf: Uint8Array, options?: WaitOptions): Promise<number> {
  checkReader(reader, 'readExact: reader');
  checkBuffer(buf, 'readExact: buf');
  let filled = 0;
  while (filled < buf.length) {
    const n = await reader.read(filled === 0 ? buf : buf.subarray(filled), options);
    if (n === 0) throw new UnexpectedEof(`readExact: stream ended after ${filled} of ${buf.length} bytes`);
    filled += n;
  }
  return filled;
}
