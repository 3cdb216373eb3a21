import { Writable } from 'node:stream';
import { isCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { ready } from './empty.js';
import { BrokenPipe } from './io-error.js';
import { writeAll } from './write-all.js';
import { checkBuffer, checkSize, checkWriter, describe } from './internal/validate.js';
import { WaitQueue } from './internal/wait-queue.js';

/**
 * Options of `toNodeWritable`.
 *
 * **Cancellation:** not applicable (sizes only).
 *
 * **Errors:** `RangeError` for a `highWaterMark` that is not an integer >= 0.
 *
 * **Example**
 * ```ts
 * toNodeWritable(writer, { highWaterMark: 64 * 1024 });
 * ```
 */
export interface ToNodeWritableOptions {
  /** The Writable's `highWaterMark` in bytes (default Node's, 16 KiB). */
  highWaterMark?: number;
}

/**
 * Wraps an rt writer in a Node `stream.Writable`, so Node code (`pipeline`, a
 * serializer, a TLS socket) can write into an rt stream.
 *
 * Each chunk is written with `writeAll`; Node's write callback runs once the rt writer
 * has accepted all of it, so the rt stream's backpressure reaches Node. `end()` flushes
 * and shuts the rt writer down. Destroying the Writable aborts the write in flight and
 * stops writing; it does not shut `writer` down.
 *
 * **Cancellation:** destroying the Writable while a chunk is being written leaves an
 * unknown prefix of that chunk written (`writeAll` is not cancel safe).
 *
 * **Errors:** `TypeError`/`RangeError` for bad arguments (thrown at once); write errors
 * are emitted as the Writable's `'error'`.
 *
 * **Example**
 * ```ts
 * await pipeline(createReadStream('in'), toNodeWritable(socket));
 * ```
 */
export function toNodeWritable(writer: AsyncWrite, options?: ToNodeWritableOptions): Writable {
  checkWriter(writer, 'toNodeWritable: writer');
  if (options?.highWaterMark !== undefined) checkSize(options.highWaterMark, 'toNodeWritable: options.highWaterMark', 0);
  const stop = new AbortController();
  const wait = { signal: stop.signal };
  const settle = (callback: (error?: Error | null) => void) => [
    () => callback(),
    (error: unknown) => {
      if (stop.signal.aborted && isCancelled(error)) return;
      callback(error instanceof Error ? error : new Error(describe(error)));
    },
  ] as const;
  return new Writable({
    ...(options?.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    write(chunk: Buffer, _encoding, callback): void {
      writeAll(writer, chunk, wait).then(...settle(callback));
    },
    final(callback): void {
      writer.shutdown(wait).then(...settle(callback));
    },
    destroy(error, callback): void {
      stop.abort(error ?? new Error('toNodeWritable: the Writable was destroyed'));
      callback(error);
    },
  });
}

/**
 * Options of `fromNodeWritable`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * fromNodeWritable(process.stdout, { end: false });
 * ```
 */
export interface FromNodeWritableOptions {
  /**
   * Whether `shutdown()` ends the Writable (default true). With `false` it only flushes,
   * as for `process.stdout`, which must stay open.
   */
  end?: boolean;
}

/**
 * An rt writer over a Node `stream.Writable` (made by `fromNodeWritable`).
 *
 * - `write(buf)` waits while the Writable is above its `highWaterMark` (until
 *   `'drain'`), then hands it a copy of the whole of `buf` and resolves with
 *   `buf.length` (so `buf` can be reused at once).
 * - `flush()` waits until every chunk handed over has been written by the Writable.
 * - `shutdown()` flushes, then ends the Writable and waits for `'finish'` (or only
 *   flushes, with `end: false`).
 *
 * **Cancellation:** `write` is cancel safe (an aborted write handed over nothing);
 * `flush` and `shutdown` are cancel safe in Tokio's sense (call again to finish).
 *
 * **Errors:** the Writable's `'error'` (on the operation in progress and every later
 * one); `BrokenPipe` for a write after `shutdown()` or after the Writable was ended or
 * destroyed; `TypeError` for a bad `buf`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const out = fromNodeWritable(createWriteStream('out.bin'));
 * await writeAll(out, bytes);
 * await out.shutdown();
 * ```
 */
export class NodeWritableWriter implements AsyncWrite {
  readonly #stream: Writable;
  readonly #end: boolean;
  readonly #waiters = new WaitQueue('fromNodeWritable');
  #pending = 0;
  #listening = false;
  #shutdown = false;
  #error: unknown = undefined;
  #failed = false;
  readonly #afterWrite = (error?: Error | null): void => {
    this.#pending--;
    if (error) this.#fail(error);
    this.#waiters.wakeAll();
  };

  /** @internal Use `fromNodeWritable()`. */
  constructor(stream: Writable, end: boolean) {
    this.#stream = stream;
    this.#end = end;
  }

  /** The wrapped Writable. */
  get stream(): Writable {
    return this.#stream;
  }

  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'fromNodeWritable().write: buf');
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    this.#listen();
    const stream = this.#stream;
    for (;;) {
      if (this.#failed) throw this.#error;
      if (this.#shutdown || stream.writableEnded || stream.destroyed) {
        throw new BrokenPipe('fromNodeWritable().write: the Writable was shut down, ended or destroyed');
      }
      if (buf.length === 0) return 0;
      if (!stream.writableNeedDrain) {
        this.#pending++;
        stream.write(Buffer.from(buf), this.#afterWrite);
        return buf.length;
      }
      await this.#waiters.wait(options);
    }
  }

  async flush(options?: WaitOptions): Promise<void> {
    const yielded = ready(options);
    if (yielded !== undefined) await yielded;
    this.#listen();
    for (;;) {
      if (this.#failed) throw this.#error;
      if (this.#pending === 0) return;
      if (this.#stream.destroyed) throw new BrokenPipe('fromNodeWritable().flush: the Writable was destroyed');
      await this.#waiters.wait(options);
    }
  }

  async shutdown(options?: WaitOptions): Promise<void> {
    await this.flush(options);
    this.#shutdown = true;
    if (!this.#end) return;
    const stream = this.#stream;
    if (!stream.writableEnded) stream.end();
    for (;;) {
      if (this.#failed) throw this.#error;
      if (stream.writableFinished) return;
      if (stream.destroyed) throw new BrokenPipe('fromNodeWritable().shutdown: the Writable was destroyed before it finished');
      await this.#waiters.wait(options);
    }
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#error = error;
    this.#failed = true;
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const stream = this.#stream;
    const wake = (): void => this.#waiters.wakeAll();
    stream.on('drain', wake);
    stream.on('finish', wake);
    stream.on('close', wake);
    stream.on('error', (error: unknown) => {
      this.#fail(error);
      wake();
    });
    if (stream.errored) this.#fail(stream.errored);
  }
}

/**
 * Wraps a Node `stream.Writable` (a file stream, `process.stdout`, an HTTP response, …)
 * in an rt writer with a cancel-safe `write` and Node's backpressure.
 *
 * **Cancellation:** see `NodeWritableWriter`.
 *
 * **Errors:** `TypeError` if `writable` is not a Node Writable.
 *
 * **Example**
 * ```ts
 * await copy(socket, fromNodeWritable(createWriteStream('dump.bin')));
 * ```
 */
export function fromNodeWritable(writable: Writable, options?: FromNodeWritableOptions): NodeWritableWriter {
  const candidate = writable as Partial<Writable> | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.write !== 'function' || typeof candidate.end !== 'function') {
    throw new TypeError(`fromNodeWritable: writable must be a Node stream.Writable, got ${describe(writable)}`);
  }
  return new NodeWritableWriter(writable, options?.end ?? true);
}
