import type { WaitOptions } from '@rt/scheduler';

/**
 * A sink of bytes you push to with backpressure: Tokio's `AsyncWrite`, as
 * promise-returning methods.
 *
 * - `write(buf)` waits until the stream can take at least one byte, accepts up to
 *   `buf.length` bytes from the front of `buf` and resolves with how many it took (it may
 *   be fewer: use `writeAll` to write everything). The stream never keeps a reference to
 *   `buf` after the promise settles, so the caller may reuse it at once.
 * - `flush()` resolves once everything accepted so far has reached its destination.
 * - `shutdown()` flushes, then closes the writing side: the peer reads end of stream.
 *   Writes after it fail.
 *
 * **Cancellation:** `write` must be cancel safe: on abort it rejects with `Cancelled` and
 * accepted nothing. `flush` and `shutdown` are cancel safe in Tokio's sense: they can be
 * called again to finish the job (nothing accepted is dropped by the abort).
 *
 * **Errors:** implementation-defined; typically `BrokenPipe` after a shutdown or once the
 * reader is gone; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeAll(writer, new TextEncoder().encode('hello\n'));
 * await writer.shutdown();
 * ```
 */
export interface AsyncWrite {
  write(buf: Uint8Array, options?: WaitOptions): Promise<number>;
  flush(options?: WaitOptions): Promise<void>;
  shutdown(options?: WaitOptions): Promise<void>;
}
