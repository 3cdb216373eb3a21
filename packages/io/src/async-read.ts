import type { WaitOptions } from '@rt/scheduler';

/**
 * A source of bytes you pull from: Tokio's `AsyncRead`, as a promise-returning method.
 *
 * `read(buf)` waits until at least one byte is available, copies up to `buf.length` bytes
 * into the front of `buf` and resolves with how many it copied. `0` means end of stream
 * (or that `buf` is empty): a reader that resolves 0 for a non-empty buffer must keep
 * doing so. A reader never resolves with more than `buf.length`, and never keeps a
 * reference to `buf` after its promise settles.
 *
 * Every `@rt/io` helper (`readExact`, `copy`, `BufReader`, `toNodeReadable`, …) works
 * over any object with this shape, so a socket, a file, a pipe or a test double plugs in.
 *
 * **Cancellation:** implementations must make `read` cancel safe, as Tokio requires: if
 * `options.signal` (or the current task) aborts before the promise resolves, it rejects
 * with `Cancelled` and no byte was consumed from the stream.
 *
 * **Errors:** implementation-defined (I/O errors of the source); `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const buf = new Uint8Array(4096);
 * for (let n; (n = await reader.read(buf)) !== 0; ) handle(buf.subarray(0, n));
 * ```
 */
export interface AsyncRead {
  read(buf: Uint8Array, options?: WaitOptions): Promise<number>;
}

/**
 * A reader with an internal buffer you can look into: Tokio's `AsyncBufRead`.
 *
 * `fillBuf()` resolves with the buffered bytes, reading from the inner stream first if
 * the buffer is empty; an empty result means end of stream. The view is valid until the
 * next call on the reader. `consume(n)` marks the first `n` of those bytes as used.
 * Implemented by `BufReader`; `readUntil`, `readLine` and `lines()` are built on it.
 *
 * **Cancellation:** `fillBuf` is cancel safe (nothing is consumed until `consume`).
 *
 * **Errors:** those of the inner stream; `consume` throws `RangeError` for more bytes
 * than are buffered.
 *
 * **Example**
 * ```ts
 * const chunk = await bufReader.fillBuf();
 * const used = parse(chunk);
 * bufReader.consume(used);
 * ```
 */
export interface AsyncBufRead extends AsyncRead {
  fillBuf(options?: WaitOptions): Promise<Uint8Array>;
  consume(amount: number): void;
}
