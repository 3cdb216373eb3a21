import { ResourceBusy, type AsyncRead } from '@rt/io';
import { coop, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { BytesMut } from './bytes-mut.js';
import { decodeEofDefault, type Decoder } from './codec.js';
import { toResult } from './internal/iterate.js';
import { checkInteger, checkObject, describe } from './internal/validate.js';

/**
 * Options of `FramedRead` (and the read side of `Framed`).
 *
 * **Cancellation:** `signal` aborts the `for await` iteration; `next()` stays cancel safe.
 *
 * **Errors:** `RangeError`/`TypeError` from the constructor for malformed values.
 *
 * **Example**
 * ```ts
 * new FramedRead(socket, new LinesCodec(), { readSize: 16 * 1024, signal: token.signal });
 * ```
 */
export interface FramedReadOptions {
  /** Bytes of room to offer each `read` of the stream (default 8 KiB). */
  readSize?: number;
  /** Ends the `for await` iteration (each `next` can also take its own). */
  signal?: AbortSignal;
  /**
   * Frames that view the read buffer (`Uint8Array`s from `splitTo`) are valid only until the
   * next `next()` call, which reuses their storage (`BytesMut.reclaim()`) instead of
   * allocating a fresh one (default false: every frame stays valid for as long as it is
   * kept). For servers that finish with each frame before reading the next, e.g. an echo
   * that copies it into a `FramedWrite`; copy a frame (`frame.slice()`) to keep it.
   */
  borrowFrames?: boolean;
}

const DEFAULT_READ_SIZE = 8 * 1024;
/** `#decode`: the decoder needs more bytes. */
const NEED_READ: unique symbol = Symbol('need read');
/** `#now`: the task's cooperative budget is spent; yield before going on. */
const YIELD: unique symbol = Symbol('yield');

export function checkDecoder(decoder: unknown, what: string): void {
  if (decoder === null || typeof decoder !== 'object' || typeof (decoder as { decode?: unknown }).decode !== 'function') {
    throw new TypeError(`${what} must be a Decoder (an object with a decode method), got ${describe(decoder)}`);
  }
}

export function checkReaderLike(reader: unknown, what: string): asserts reader is AsyncRead {
  if (reader === null || typeof reader !== 'object' || typeof (reader as { read?: unknown }).read !== 'function') {
    throw new TypeError(`${what} must be an AsyncRead (an object with a read method), got ${describe(reader)}`);
  }
}

/**
 * The frames of a byte stream: reads from any `AsyncRead` (a socket, a pipe, a
 * `TlsStream`, a `duplex()` end) into a `BytesMut` and lets a `Decoder` cut frames out of
 * it. Tokio's `FramedRead`. `next()` resolves with the next frame, or `undefined` once the
 * stream has ended and the decoder has given its last frames; it is also an async iterable.
 *
 * Frames already buffered are returned without reading; a read happens only when the
 * decoder needs more bytes. Bytes that are not yet a whole frame stay in `readBuffer`.
 *
 * **Cancellation:** `next()` is cancel safe: an aborted call rejects with `Cancelled` and
 * loses nothing; the partial frame stays buffered and the next call continues it. Breaking
 * out of `for await` stops reading and keeps the buffer.
 *
 * **Errors:** what the decoder throws (`FrameTooLarge`, `LineTooLong`, `InvalidData`, …; the
 * stream can be read on if the codec says it recovers, as `LinesCodec` does); `UnexpectedEof`
 * when the stream ends inside a frame (an error at end of stream is the last item: `next()`
 * resolves `undefined` after it); errors of the reader; `ResourceBusy` for overlapping
 * calls; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const lines = new FramedRead(socket, new LinesCodec({ maxLength: 1024 }));
 * for await (const line of lines) console.log(line);
 * ```
 */
export class FramedRead<T> implements AsyncIterable<T> {
  readonly #reader: AsyncRead;
  readonly #decoder: Decoder<T>;
  readonly #buffer = new BytesMut();
  readonly #readSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #borrowFrames: boolean;
  #eof = false;
  #finished = false;
  #busy = false;
  /** The options and result form of the `next()` whose read `#afterRead` completes. */
  #readOptions: WaitOptions | undefined = undefined;
  #asResult = false;
  /** The turn `coop()` asked `#now` to wait for (YIELD). */
  #yield: Promise<void> | undefined = undefined;

  constructor(reader: AsyncRead, decoder: Decoder<T>, options?: FramedReadOptions) {
    checkReaderLike(reader, 'FramedRead: reader');
    checkDecoder(decoder, 'FramedRead: decoder');
    checkObject(options, 'FramedRead(options)');
    const readSize = options?.readSize ?? DEFAULT_READ_SIZE;
    checkInteger(readSize, 'FramedRead: options.readSize', 1);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`FramedRead: options.signal must be an AbortSignal, got ${describe(signal)}`);
    const borrowFrames = options?.borrowFrames ?? false;
    if (typeof borrowFrames !== 'boolean') throw new TypeError(`FramedRead: options.borrowFrames must be a boolean, got ${describe(borrowFrames)}`);
    this.#reader = reader;
    this.#decoder = decoder;
    this.#readSize = readSize;
    this.#signal = signal;
    this.#borrowFrames = borrowFrames;
  }

  /** The stream frames are read from. */
  get reader(): AsyncRead {
    return this.#reader;
  }

  /** The decoder. */
  get decoder(): Decoder<T> {
    return this.#decoder;
  }

  /**
   * Bytes read and not yet returned as frames (the partial frame, or frames not yet asked
   * for). Inspect it freely; change it only while no `next()` is in progress (a pending read
   * is filling its spare room).
   */
  get readBuffer(): BytesMut {
    return this.#buffer;
  }

  /** True once the stream has ended (frames may still be buffered). */
  get isEof(): boolean {
    return this.#eof;
  }

  /**
   * Resolves with the next frame, or `undefined` when the stream has ended and every frame
   * has been returned (it keeps doing so).
   *
   * **Cancellation:** cancel safe (see the class).
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * const frame = await frames.next({ signal: AbortSignal.timeout(5_000) });
   * ```
   */
  next(options?: WaitOptions): Promise<T | undefined> {
    return this.#next(options, false) as Promise<T | undefined>;
  }

  /** `next()`, resolving with the iterator result of the frame when `asResult` (for `for await`). */
  #next(options: WaitOptions | undefined, asResult: boolean): Promise<unknown> {
    if (this.#busy) return Promise.reject(new ResourceBusy('FramedRead.next: another call is in progress'));
    let step: T | undefined | typeof NEED_READ | typeof YIELD;
    try {
      step = this.#now(options);
    } catch (error) {
      return Promise.reject(error);
    }
    // A frame that was already buffered (or the end): no read, no async function.
    if (step !== NEED_READ && step !== YIELD) return Promise.resolve(asResult ? toResult(step) : step);
    return step === NEED_READ ? this.#readOnce(options, asResult) : this.#readUntilFrame(options, true, asResult);
  }

  /**
   * The synchronous start of every `next`: the cooperative budget (YIELD when the task must
   * let others run first), the cancellation check, then a decode of what is buffered (a
   * frame, `undefined` at the end, or NEED_READ).
   */
  #now(options: WaitOptions | undefined): T | undefined | typeof NEED_READ | typeof YIELD {
    const y = coop();
    if (y !== undefined) {
      this.#yield = y;
      return YIELD;
    }
    throwIfCancelled(options);
    if (this.#borrowFrames) this.#buffer.reclaim(); // the frames handed out before are done with
    return this.#decode();
  }

  /** One decode of the buffer: a frame, `undefined` once finished, or NEED_READ. */
  #decode(): T | undefined | typeof NEED_READ {
    const buffer = this.#buffer;
    const decoder = this.#decoder;
    if (this.#eof) {
      if (this.#finished) return undefined;
      let frame: T | undefined;
      try {
        frame = decoder.decodeEof === undefined ? decodeEofDefault(decoder, buffer) : decoder.decodeEof(buffer);
      } catch (error) {
        this.#finished = true; // as Tokio: an error at end of stream is the last item
        throw error;
      }
      if (frame === undefined) this.#finished = true;
      return frame;
    }
    const frame = decoder.decode(buffer);
    return frame === undefined ? NEED_READ : frame;
  }

  /**
   * The common waiting case, one read that completes a frame, as a plain `.then` on the
   * read's promise (one promise fewer than an async function and its await). When the
   * read leaves the frame incomplete it goes on in `#readUntilFrame`.
   */
  #readOnce(options: WaitOptions | undefined, asResult: boolean): Promise<unknown> {
    let read: Promise<number>;
    try {
      read = this.#reader.read(this.#buffer.spare(this.#readSize), options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(read instanceof Promise)) return this.#readUntilFrame(options, false, asResult, read);
    this.#busy = true;
    this.#readOptions = options;
    this.#asResult = asResult;
    return read.then(this.#afterRead, this.#afterReadError);
  }

  readonly #afterRead = (n: number): unknown => {
    const options = this.#readOptions;
    const asResult = this.#asResult;
    this.#readOptions = undefined;
    this.#busy = false;
    if (n === 0) this.#eof = true;
    else this.#buffer.commit(n);
    const step = this.#decode();
    if (step === NEED_READ) return this.#readUntilFrame(options, false, asResult);
    return asResult ? toResult(step) : step;
  };

  readonly #afterReadError = (error: unknown): never => {
    this.#readOptions = undefined;
    this.#busy = false;
    throw error;
  };

  /**
   * The waiting part of `next`: (after the yield the budget asked for, then the checks
   * `#now` makes) reads into the buffer's spare room until the decoder has a frame or the
   * stream ends. Resolves with the frame, or with its iterator result when `asResult`.
   */
  async #readUntilFrame(
    options: WaitOptions | undefined,
    yielded: boolean,
    asResult: boolean,
    started?: PromiseLike<number>,
  ): Promise<T | undefined | IteratorResult<T>> {
    this.#busy = true;
    try {
      const buffer = this.#buffer;
      let step: T | undefined | typeof NEED_READ = NEED_READ;
      if (started !== undefined) {
        // A read `#readOnce` started that did not return a real promise.
        const n = await started;
        if (n === 0) this.#eof = true;
        else buffer.commit(n);
        step = this.#decode();
      } else if (yielded) {
        const y = this.#yield;
        this.#yield = undefined;
        await y;
        throwIfCancelled(options);
        if (this.#borrowFrames) buffer.reclaim();
        step = this.#decode();
      }
      while (step === NEED_READ) {
        const n = await this.#reader.read(buffer.spare(this.#readSize), options);
        if (n === 0) this.#eof = true;
        else buffer.commit(n);
        step = this.#decode();
      }
      return asResult ? toResult(step) : step;
    } finally {
      this.#busy = false;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const options: WaitOptions | undefined = this.#signal === undefined ? undefined : { signal: this.#signal };
    return {
      // `next()` with the iterator result made in the same step (no `.then` per frame).
      next: (): Promise<IteratorResult<T>> => this.#next(options, true) as Promise<IteratorResult<T>>,
      return: (): Promise<IteratorResult<T>> => Promise.resolve({ done: true, value: undefined }),
    };
  }
}
