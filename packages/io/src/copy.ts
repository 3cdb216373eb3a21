import type { WaitOptions } from '@rt/scheduler';
import type { AsyncBufRead, AsyncRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { WriteZero } from './io-error.js';
import { checkReader, checkSize, checkWriter } from './internal/validate.js';

/**
 * Options of `copy` and `copyBidirectional`.
 *
 * **Cancellation:** `signal` cancels the whole copy (see each function for what is lost).
 *
 * **Errors:** `RangeError` for a `bufferSize` < 1.
 *
 * **Example**
 * ```ts
 * await copy(reader, writer, { bufferSize: 16 * 1024, signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface CopyOptions {
  signal?: AbortSignal;
  /** Size of the intermediate buffer in bytes (default 64 KiB), allocated once per call. */
  bufferSize?: number;
}

const DEFAULT_BUFFER_SIZE = 64 * 1024;

/**
 * The key of an optional method a reader may offer `copy`: `reader[fastCopy](writer,
 * bufferSize, options)` copies to end of stream by its own means (e.g. `@rt/net`'s sockets
 * move bytes socket to socket inside the I/O driver, with no promise per chunk) and returns
 * the promise of the byte count, or returns `undefined` to decline (then `copy` runs its
 * generic loop). It must keep `copy`'s contract: same result, errors and cancellation.
 *
 * **Cancellation:** as `copy`. **Errors:** as `copy`.
 *
 * **Example**
 * ```ts
 * class Socket implements AsyncRead {
 *   [fastCopy](writer: AsyncWrite, bufferSize: number, options?: WaitOptions): Promise<number> | undefined {
 *     return writer instanceof Socket ? this.pumpTo(writer, bufferSize, options) : undefined;
 *   }
 * }
 * ```
 */
export const fastCopy: unique symbol = Symbol('rt.io.fastCopy');

/** A reader with the {@link fastCopy} method. */
interface FastCopyReader {
  [fastCopy](writer: AsyncWrite, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined;
}

/**
 * Copies everything `reader` yields into `writer` until end of stream, then flushes
 * `writer`, and resolves with the number of bytes copied (Tokio's `io::copy`). It does
 * not shut `writer` down.
 *
 * Uses one buffer of `options.bufferSize` bytes for the whole copy; the speed of the
 * slower side sets the pace (a full writer stops the reading). `writer` is flushed after
 * every short read (the reader had no more bytes ready, which is when Tokio flushes) and
 * at the end, so a buffering writer never sits on interactive data. A reader may take the
 * copy over with a faster path of its own ({@link fastCopy}): between two `@rt/net` sockets
 * on the native driver the bytes move inside the I/O driver, with no promise per chunk.
 *
 * **Cancellation:** not cancel safe: on abort the promise rejects with `Cancelled`; bytes
 * that were read but not yet written (at most one buffer) are lost, and how many bytes
 * were copied is not reported.
 *
 * **Errors:** errors of either side; `WriteZero` if the writer accepts 0 bytes;
 * `TypeError`/`RangeError` for bad arguments; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const copied = await copy(file, socket);
 * ```
 */
export async function copy(reader: AsyncRead, writer: AsyncWrite, options?: CopyOptions): Promise<number> {
  checkReader(reader, 'copy: reader');
  checkWriter(writer, 'copy: writer');
  const size = options?.bufferSize ?? DEFAULT_BUFFER_SIZE;
  checkSize(size, 'copy: options.bufferSize', 1);
  const wait: WaitOptions | undefined = options?.signal === undefined ? undefined : { signal: options.signal };
  return copySized(reader, writer, size, wait);
}

/** @internal `copy` after its checks: the reader's fast path if it takes it, else the loop. */
export function copySized(reader: AsyncRead, writer: AsyncWrite, size: number, wait: WaitOptions | undefined): Promise<number> {
  const fast = (reader as Partial<FastCopyReader>)[fastCopy];
  if (typeof fast === 'function') {
    const copied = fast.call(reader, writer, size, wait);
    if (copied !== undefined) return copied;
  }
  return copyWith(reader, writer, new Uint8Array(size), wait);
}

/** The generic loop of `copy` and `copyBidirectional`. */
async function copyWith(reader: AsyncRead, writer: AsyncWrite, buf: Uint8Array, wait: WaitOptions | undefined): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await reader.read(buf, wait);
    if (n === 0) break;
    let written = 0;
    while (written < n) {
      const m = await writer.write(buf.subarray(written, n), wait);
      if (m === 0) throw new WriteZero(`copy: writer accepted 0 bytes after ${total + written} bytes`);
      written += m;
    }
    total += n;
    // A short read means the reader had nothing more ready: flush, so that a buffering
    // writer does not sit on interactive data (Tokio flushes when the reader would wait).
    if (n < buf.length) await writer.flush(wait);
  }
  await writer.flush(wait);
  return total;
}

/**
 * Copies everything a buffered reader yields into `writer`, writing straight from the
 * reader's buffer (no intermediate copy), then flushes `writer`; resolves with the byte
 * count (Tokio's `io::copy_buf`). It does not shut `writer` down.
 *
 * **Cancellation:** cancel safe in the sense that no byte is lost: a byte is consumed
 * from `reader` only once `writer` has accepted it, so after an abort the rest of the
 * stream is still in `reader`. The count copied so far is not reported.
 *
 * **Errors:** errors of either side; `WriteZero` if the writer accepts 0 bytes;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await copyBuf(new BufReader(file), socket);
 * ```
 */
export async function copyBuf(reader: AsyncBufRead, writer: AsyncWrite, options?: WaitOptions): Promise<number> {
  checkReader(reader, 'copyBuf: reader');
  checkWriter(writer, 'copyBuf: writer');
  let total = 0;
  for (;;) {
    const chunk = await reader.fillBuf(options);
    if (chunk.length === 0) break;
    const m = await writer.write(chunk, options);
    if (m === 0) throw new WriteZero(`copyBuf: writer accepted 0 bytes after ${total} bytes`);
    reader.consume(m);
    total += m;
  }
  await writer.flush(options);
  return total;
}
