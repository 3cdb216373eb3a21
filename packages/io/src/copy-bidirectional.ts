import type { WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { copySized, type CopyOptions } from './copy.js';
import { checkReader, checkSize, checkWriter } from './internal/validate.js';

const DEFAULT_BUFFER_SIZE = 64 * 1024;

/**
 * Copies `a` to `b` and `b` to `a` at the same time until both directions reach end of
 * stream, and resolves with `[bytes a→b, bytes b→a]` (Tokio's `copy_bidirectional`).
 *
 * Shutdown propagates as in Tokio: when `a` reaches end of stream, `b` is flushed and
 * shut down (so `b`'s peer reads end of stream), and the other direction keeps going
 * until `b` ends too, which shuts `a` down. Typical use: a proxy between two sockets.
 *
 * **Cancellation:** not cancel safe: on abort both directions stop and the promise rejects
 * with `Cancelled`; bytes read but not yet written (at most one buffer per direction) are
 * lost.
 *
 * **Errors:** the first error of either direction (the other direction is then aborted
 * and its outcome dropped); `TypeError`/`RangeError` for bad arguments; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * const [sent, received] = await copyBidirectional(client, upstream);
 * ```
 */
export async function copyBidirectional(
  a: AsyncRead & AsyncWrite,
  b: AsyncRead & AsyncWrite,
  options?: CopyOptions,
): Promise<[number, number]> {
  checkReader(a, 'copyBidirectional: a');
  checkWriter(a, 'copyBidirectional: a');
  checkReader(b, 'copyBidirectional: b');
  checkWriter(b, 'copyBidirectional: b');
  const size = options?.bufferSize ?? DEFAULT_BUFFER_SIZE;
  checkSize(size, 'copyBidirectional: options.bufferSize', 1);
  const stop = new AbortController();
  const signal = options?.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const wait: WaitOptions = { signal };
  const direction = async (from: AsyncRead, to: AsyncWrite): Promise<number> => {
    const n = await copySized(from, to, size, wait);
    await to.shutdown(wait);
    return n;
  };
  try {
    return await Promise.all([direction(a, b), direction(b, a)]);
  } catch (error) {
    stop.abort(error);
    throw error;
  }
}
