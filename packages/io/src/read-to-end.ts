import type { WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { InvalidData } from './io-error.js';
import { checkReader, checkSize } from './internal/validate.js';

/**
 * Options of `readToEnd` and `readToString`.
 *
 * **Cancellation:** `signal` cancels the read (the bytes read so far are lost).
 *
 * **Errors:** `RangeError` for a negative `maxLength`.
 *
 * **Example**
 * ```ts
 * await readToEnd(stream, { maxLength: 1 << 20, signal });
 * ```
 */
export interface ReadToEndOptions {
  signal?: AbortSignal;
  /**
   * Fail with `RangeError` instead of buffering more than this many bytes (default:
   * unlimited, bounded only by memory).
   */
  maxLength?: number;
}

const FIRST_CHUNK = 8 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * Reads until end of stream and resolves with every byte read, in one `Buffer` (Tokio's
 * `read_to_end`).
 *
 * Reads into chunks that grow from 8 KiB to 1 MiB, then joins them once.
 *
 * **Cancellation:** not cancel safe: on abort the promise rejects with `Cancelled` and the
 * bytes read so far are lost (they were consumed from the stream). Keep the data by
 * reading with `read` in a loop instead.
 *
 * **Errors:** errors of `reader`; `RangeError` when more than `options.maxLength` bytes
 * arrive (they are consumed and lost); `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const body = await readToEnd(stream, { maxLength: 1 << 20 });
 * ```
 */
export async function readToEnd(reader: AsyncRead, options?: ReadToEndOptions): Promise<Buffer> {
  checkReader(reader, 'readToEnd: reader');
  const max = options?.maxLength ?? Number.MAX_SAFE_INTEGER;
  if (options?.maxLength !== undefined) checkSize(options.maxLength, 'readToEnd: options.maxLength', 0);
  const wait: WaitOptions | undefined = options?.signal === undefined ? undefined : { signal: options.signal };
  const chunks: Buffer[] = [];
  let total = 0;
  let size = FIRST_CHUNK;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(size, max - total + 1));
    let filled = 0;
    while (filled < chunk.length) {
      const n = await reader.read(chunk.subarray(filled), wait);
      if (n === 0) {
        chunks.push(chunk.subarray(0, filled));
        total += filled;
        return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      }
      filled += n;
      if (total + filled > max) {
        throw new RangeError(`readToEnd: stream is longer than options.maxLength ${max}`);
      }
    }
    chunks.push(chunk);
    total += filled;
    size = Math.min(size * 2, MAX_CHUNK);
  }
}

/**
 * Reads until end of stream and decodes the bytes as UTF-8 (Tokio's `read_to_string`).
 *
 * **Cancellation:** not cancel safe: on abort the bytes read so far are lost (see
 * `readToEnd`).
 *
 * **Errors:** `InvalidData` if the bytes are not valid UTF-8 (they are consumed);
 * `RangeError` past `options.maxLength` bytes; errors of `reader`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const [a, b] = duplex(64);
 * await writeAll(a, new TextEncoder().encode('hi')); await a.shutdown();
 * await readToString(b); // 'hi'
 * ```
 */
export async function readToString(reader: AsyncRead, options?: ReadToEndOptions): Promise<string> {
  const bytes = await readToEnd(reader, options);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new InvalidData('readToString: stream did not contain valid UTF-8', { cause: error });
  }
}
