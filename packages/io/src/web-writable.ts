import { WritableStream, type WritableStreamDefaultWriter } from 'node:stream/web';
import { isCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { ready } from './empty.js';
import { BrokenPipe } from './io-error.js';
import { writeAll } from './write-all.js';
import { checkBuffer, checkWriter, describe } from './internal/validate.js';
import { waitForeign } from './internal/wait-queue.js';

/**
 * Wraps an rt writer in a Web `WritableStream` of bytes, for `pipeTo`,
 * `TextEncoderStream` and other Web-stream code.
 *
 * Each chunk is written with `writeAll` (the stream's next chunk waits for it, so the rt
 * stream's backpressure reaches the producer); `close()` flushes and shuts the rt writer
 * down; `abort()` aborts the write in flight at once and stops writing (it does not shut
 * `writer` down); the pending `write()` promise then rejects with `Cancelled`.
 *
 * **Cancellation:** aborting the stream while a chunk is being written leaves an unknown
 * prefix of that chunk written (`writeAll` is not cancel safe).
 *
 * **Errors:** `TypeError` for a bad `writer` (thrown at once) or a chunk that is not a
 * `Uint8Array` (errors the stream); write errors error the stream.
 *
 * **Example**
 * ```ts
 * await toWebReadable(file).pipeTo(toWebWritable(socket));
 * ```
 */
export function toWebWritable(writer: AsyncWrite): WritableStream<Uint8Array> {
  checkWriter(writer, 'toWebWritable: writer');
  let signal: AbortSignal | undefined;
  return new WritableStream<Uint8Array>({
    start(controller) {
      // Node has WritableStreamDefaultController.signal (aborted as soon as abort() is
      // called, even while a write is in flight); @types/node 20 does not declare it yet.
      signal = (controller as { signal?: AbortSignal }).signal;
    },
    async write(chunk) {
      checkBuffer(chunk, 'toWebWritable: chunk');
      await writeAll(writer, chunk, signal === undefined ? undefined : { signal });
    },
    async close() {
      await writer.shutdown(signal === undefined ? undefined : { signal });
    },
  });
}

/**
 * An rt writer over a Web `WritableStream` (made by `fromWebWritable`).
 *
 * - `write(buf)` waits while the stream is above its high-water mark (its writer's
 *   `ready`), then hands it a copy of the whole of `buf` and resolves with `buf.length`.
 * - `flush()` waits until every chunk handed over was written by the sink.
 * - `shutdown()` closes the stream and waits for the sink to finish.
 *
 * **Cancellation:** `write` is cancel safe (an aborted write handed over nothing); `flush`
 * and `shutdown` are cancel safe in Tokio's sense (the stream carries on; call again).
 *
 * **Errors:** the stream's error (on the operation in progress and every later one);
 * `BrokenPipe` for a write after `shutdown()`; `TypeError` for a bad `buf`; `Cancelled`
 * on abort.
 *
 * **Example**
 * ```ts
 * const out = fromWebWritable(new WritableStream({ write: (chunk) => console.log(chunk) }));
 * await writeAll(out, bytes);
 * ```
 */
export class WebWritableWriter implements AsyncWrite {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #last: Promise<void> = Promise.resolve();
  #shutdown = false;
  #error: unknown = undefined;
  #failed = false;

  /** @internal Use `fromWebWritable()`. */
  constructor(writer: WritableStreamDefaultWriter<Uint8Array>) {
    this.#writer = writer;
  }

  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'fromWebWritable().write: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    this.#check();
    if (buf.length === 0) return 0;
    const desired = this.#writer.desiredSize;
    if (desired === null || desired <= 0) {
      try {
        await waitForeign('fromWebWritable.write', this.#writer.ready, options);
      } catch (error) {
        if (isCancelled(error)) throw error;
        this.#fail(error);
      }
      this.#check();
    }
    const pending = this.#writer.write(buf.slice());
    pending.catch((error: unknown) => this.#fail(error));
    this.#last = pending;
    return buf.length;
  }

  async flush(options?: WaitOptions): Promise<void> {
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    try {
      await waitForeign('fromWebWritable.flush', this.#last, options);
    } catch (error) {
      if (isCancelled(error)) throw error;
      this.#fail(error);
    }
    if (this.#failed) throw this.#error;
  }

  async shutdown(options?: WaitOptions): Promise<void> {
    await this.flush(options);
    if (!this.#shutdown) {
      this.#shutdown = true;
      const closing = this.#writer.close();
      closing.catch((error: unknown) => this.#fail(error));
      this.#last = closing;
    }
    await this.flush(options);
  }

  #check(): void {
    if (this.#failed) throw this.#error;
    if (this.#shutdown) throw new BrokenPipe('fromWebWritable().write: the stream was shut down');
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#error = error;
    this.#failed = true;
  }
}

/**
 * Wraps a Web `WritableStream` in an rt writer with a cancel-safe `write` and the
 * stream's backpressure. The stream is locked to the writer from now on.
 *
 * **Cancellation:** see `WebWritableWriter`.
 *
 * **Errors:** `TypeError` if `stream` is not a WritableStream or is already locked.
 *
 * **Example**
 * ```ts
 * const out = fromWebWritable(new CompressionStream('gzip').writable);
 * ```
 */
export function fromWebWritable(stream: WritableStream<Uint8Array> | globalThis.WritableStream<Uint8Array>): WebWritableWriter {
  const candidate = stream as { getWriter?: unknown; locked?: unknown } | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.getWriter !== 'function') {
    throw new TypeError(`fromWebWritable: stream must be a WritableStream, got ${describe(stream)}`);
  }
  if (candidate.locked === true) throw new TypeError('fromWebWritable: stream is locked to another writer');
  return new WebWritableWriter((stream as WritableStream<Uint8Array>).getWriter());
}
