import { ReadableStream, type ReadableStreamDefaultReader } from 'node:stream/web';
import { isCancelled, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { ready } from './empty.js';
import { checkBuffer, checkReader, checkSize, describe } from './internal/validate.js';
import { WaitQueue } from './internal/wait-queue.js';

/**
 * Options of `toWebReadable`.
 *
 * **Cancellation:** not applicable (sizes only).
 *
 * **Errors:** `RangeError` for a `chunkSize` < 1.
 *
 * **Example**
 * ```ts
 * toWebReadable(reader, { chunkSize: 16 * 1024 });
 * ```
 */
export interface ToWebReadableOptions {
  /** Bytes asked of `reader` per pull when the consumer brings no buffer (default 64 KiB). */
  chunkSize?: number;
}

/**
 * Wraps an rt reader in a Web `ReadableStream` of bytes (`type: 'bytes'`), for `fetch`
 * bodies, `Response`, `TextDecoderStream`, `pipeTo` and other Web-stream code.
 *
 * The stream pulls: `reader.read` runs only when the consumer wants data. A BYOB reader
 * (`getReader({ mode: 'byob' })`) has rt read straight into its buffer; a default reader
 * gets chunks of `chunkSize` bytes. A read resolving 0 closes the stream, a failed read
 * errors it. Cancelling the stream aborts the read in flight; it does not close `reader`.
 *
 * **Cancellation:** the rt read is cancel safe, so cancelling the stream loses nothing
 * that was not yet delivered.
 *
 * **Errors:** `TypeError`/`RangeError` for bad arguments (thrown at once); read errors
 * error the stream.
 *
 * **Example**
 * ```ts
 * const response = new Response(toWebReadable(socket));
 * console.log(await response.text());
 * ```
 */
export function toWebReadable(reader: AsyncRead, options?: ToWebReadableOptions): ReadableStream<Uint8Array> {
  checkReader(reader, 'toWebReadable: reader');
  const chunkSize = options?.chunkSize ?? 64 * 1024;
  checkSize(chunkSize, 'toWebReadable: options.chunkSize', 1);
  const stop = new AbortController();
  const wait = { signal: stop.signal };
  return new ReadableStream({
    type: 'bytes',
    autoAllocateChunkSize: chunkSize,
    async pull(controller) {
      const request = controller.byobRequest;
      const view = request?.view;
      if (request === null || request === undefined || view === null || view === undefined) {
        throw new TypeError('toWebReadable: the byte stream gave no buffer to fill');
      }
      const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      let n: number;
      try {
        n = await reader.read(target, wait);
      } catch (error) {
        if (stop.signal.aborted && isCancelled(error)) return;
        throw error;
      }
      if (n === 0) {
        controller.close();
        request.respond(0);
      } else {
        request.respond(n);
      }
    },
    cancel(reason) {
      stop.abort(reason);
    },
  }) as ReadableStream<Uint8Array>;
}

/**
 * An rt reader over a Web `ReadableStream` of bytes (made by `fromWebReadable`).
 *
 * `read(buf)` copies from the current chunk, keeping the rest of a chunk larger than
 * `buf` for the next call; when none is left it asks the stream's reader for the next
 * chunk. It resolves 0 once the stream is done.
 *
 * **Cancellation:** `read` is cancel safe: a Web stream read cannot be taken back, so when
 * `read` is aborted while a chunk is on its way, the chunk is kept and returned by the
 * next `read`. Nothing is lost.
 *
 * **Errors:** the stream's error (on the read in progress and every later one);
 * `TypeError` for a chunk that is not a `Uint8Array`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const body = fromWebReadable((await fetch(url)).body!);
 * console.log(await readToString(body));
 * ```
 */
export class WebReadableReader implements AsyncRead {
  readonly #reader: ReadableStreamDefaultReader<unknown>;
  readonly #waiters = new WaitQueue('fromWebReadable.read');
  #leftover: Uint8Array | null = null;
  #inFlight = false;
  #done = false;
  #error: unknown = undefined;
  #failed = false;

  /** @internal Use `fromWebReadable()`. */
  constructor(reader: ReadableStreamDefaultReader<unknown>) {
    this.#reader = reader;
  }

  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'fromWebReadable().read: buf');
    throwIfCancelled(options);
    let first = true;
    for (;;) {
      const leftover = this.#leftover;
      if (leftover !== null || this.#failed || this.#done || buf.length === 0) {
        if (first) {
          first = false;
          const yielded = ready(options);
          if (yielded !== undefined) await yielded;
          continue;
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
      first = false;
      if (!this.#inFlight) this.#fetch();
      await this.#waiters.wait(options);
    }
  }

  /**
   * Cancels the Web stream (its source stops) and releases it; later reads resolve 0.
   * Bytes not yet read are dropped.
   */
  async cancel(reason?: unknown): Promise<void> {
    this.#done = true;
    this.#leftover = null;
    this.#waiters.wakeAll();
    await this.#reader.cancel(reason);
  }

  #fetch(): void {
    this.#inFlight = true;
    this.#reader.read().then(
      (result) => {
        this.#inFlight = false;
        if (result.done) this.#done = true;
        else if (result.value instanceof Uint8Array) {
          if (result.value.length > 0) this.#leftover = result.value;
        } else {
          this.#error = new TypeError(`fromWebReadable().read: the stream produced a chunk that is not a Uint8Array: ${describe(result.value)}`);
          this.#failed = true;
        }
        this.#waiters.wakeAll();
      },
      (error: unknown) => {
        this.#inFlight = false;
        this.#error = error;
        this.#failed = true;
        this.#waiters.wakeAll();
      },
    );
  }
}

/**
 * Wraps a Web `ReadableStream` of bytes (a `fetch` body, a `Blob` stream, a
 * `CompressionStream` output, …) in an rt reader with a cancel-safe `read`. The stream is
 * locked to the reader from now on.
 *
 * **Cancellation:** see `WebReadableReader` (`read` is cancel safe).
 *
 * **Errors:** `TypeError` if `stream` is not a ReadableStream or is already locked.
 *
 * **Example**
 * ```ts
 * const reader = fromWebReadable(new Blob(['hi']).stream());
 * ```
 */
export function fromWebReadable(stream: ReadableStream<Uint8Array> | globalThis.ReadableStream<Uint8Array>): WebReadableReader {
  const candidate = stream as { getReader?: unknown; locked?: unknown } | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.getReader !== 'function') {
    throw new TypeError(`fromWebReadable: stream must be a ReadableStream, got ${describe(stream)}`);
  }
  if (candidate.locked === true) throw new TypeError('fromWebReadable: stream is locked to another reader');
  return new WebReadableReader((stream as ReadableStream<unknown>).getReader());
}
