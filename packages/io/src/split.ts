import type { WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { checkReader, checkWriter } from './internal/validate.js';

/**
 * The reading half of a stream split by `split()`: `read` forwards to the stream.
 *
 * **Cancellation:** as the stream's `read` (cancel safe for every rt stream).
 *
 * **Errors:** those of the stream's `read`; `TypeError` from `unsplit` for a write half of
 * another stream.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = split(stream);
 * const same = reader.unsplit(writer); // === stream
 * ```
 */
export class ReadHalf<S extends AsyncRead & AsyncWrite = AsyncRead & AsyncWrite> implements AsyncRead {
  readonly #stream: S;

  /** @internal Use `split()`. */
  constructor(stream: S) {
    this.#stream = stream;
  }

  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#stream.read(buf, options);
  }

  /** Whether `other` is the write half made by the same `split()` call. */
  isPairOf(other: WriteHalf<AsyncRead & AsyncWrite>): boolean {
    return other instanceof WriteHalf && pairs.get(other) === this;
  }

  /** Puts the halves back together and returns the original stream. */
  unsplit(writeHalf: WriteHalf<S>): S {
    if (!this.isPairOf(writeHalf)) throw new TypeError('ReadHalf.unsplit: the halves were not made by the same split() call');
    return this.#stream;
  }
}

/**
 * The writing half of a stream split by `split()`: `write`, `flush` and `shutdown`
 * forward to the stream.
 *
 * **Cancellation:** as the stream's methods (`write` cancel safe for every rt stream).
 *
 * **Errors:** those of the stream.
 *
 * **Example**
 * ```ts
 * const [, writer] = split(stream);
 * await writeAll(writer, bytes);
 * ```
 */
export class WriteHalf<S extends AsyncRead & AsyncWrite = AsyncRead & AsyncWrite> implements AsyncWrite {
  readonly #stream: S;

  /** @internal Use `split()`. */
  constructor(stream: S) {
    this.#stream = stream;
  }

  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#stream.write(buf, options);
  }

  flush(options?: WaitOptions): Promise<void> {
    return this.#stream.flush(options);
  }

  shutdown(options?: WaitOptions): Promise<void> {
    return this.#stream.shutdown(options);
  }
}

const pairs = new WeakMap<WriteHalf<AsyncRead & AsyncWrite>, ReadHalf<AsyncRead & AsyncWrite>>();

/**
 * Splits a stream into a reading half and a writing half that can be handed to two
 * different tasks (Tokio's `io::split`); `readHalf.unsplit(writeHalf)` gives the stream
 * back.
 *
 * rt streams already allow a read and a write to be in flight at the same time, so the
 * halves are thin views with no lock; they exist so that each task holds only the
 * capability it needs.
 *
 * **Cancellation:** `split` does not wait; the halves' methods are as cancel safe as the
 * stream's.
 *
 * **Errors:** `TypeError` if `stream` is not both an `AsyncRead` and an `AsyncWrite`.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = split(socket);
 * spawn(() => copy(reader, stdout()));
 * await writeAll(writer, request);
 * ```
 */
export function split<S extends AsyncRead & AsyncWrite>(stream: S): [ReadHalf<S>, WriteHalf<S>] {
  checkReader(stream, 'split: stream');
  checkWriter(stream, 'split: stream');
  const reader = new ReadHalf(stream);
  const writer = new WriteHalf(stream);
  pairs.set(writer as WriteHalf<AsyncRead & AsyncWrite>, reader as ReadHalf<AsyncRead & AsyncWrite>);
  return [reader, writer];
}

/**
 * One stream made of a reader and a writer: `read` goes to `reader`, `write`, `flush` and
 * `shutdown` to `writer` (Tokio's `io::join`). Made by `join()`.
 *
 * **Cancellation:** as the underlying reader's and writer's methods.
 *
 * **Errors:** those of the underlying reader and writer.
 *
 * **Example**
 * ```ts
 * const stream = join(stdin(), stdout());
 * await copyBidirectional(stream, socket);
 * ```
 */
export class Join<R extends AsyncRead = AsyncRead, W extends AsyncWrite = AsyncWrite> implements AsyncRead, AsyncWrite {
  /** The reading side. */
  readonly reader: R;
  /** The writing side. */
  readonly writer: W;

  /** @internal Use `join()`. */
  constructor(reader: R, writer: W) {
    this.reader = reader;
    this.writer = writer;
  }

  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.reader.read(buf, options);
  }

  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.writer.write(buf, options);
  }

  flush(options?: WaitOptions): Promise<void> {
    return this.writer.flush(options);
  }

  shutdown(options?: WaitOptions): Promise<void> {
    return this.writer.shutdown(options);
  }
}

/**
 * Joins a reader and a writer into one stream that is both (Tokio's `io::join`), e.g. to
 * give `copyBidirectional` the process's stdin and stdout.
 *
 * **Cancellation:** `join` does not wait; see `Join`.
 *
 * **Errors:** `TypeError` if `reader` is not an `AsyncRead` or `writer` not an
 * `AsyncWrite`.
 *
 * **Example**
 * ```ts
 * const [a, b] = duplex(64);
 * const [c, d] = duplex(64);
 * const crossed = join(a, d); // reads what b writes, writes what c reads
 * ```
 */
export function join<R extends AsyncRead, W extends AsyncWrite>(reader: R, writer: W): Join<R, W> {
  checkReader(reader, 'join: reader');
  checkWriter(writer, 'join: writer');
  return new Join(reader, writer);
}
