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
/** `#readDone`'s answer when the bytes read complete no frame. */
const NO_FRAME: unique symbol = Symbol('no frame');

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
   * is filling its spare room). Once the decoder found no whole frame in it, it is asked
   * again only after the buffer's length changed (a read, or bytes taken or put here).
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

  /**
   * `next()`, resolving with its iterator result when `asResult` (the `for await` path: the
   * result is made in the same step as the frame, so iterating costs no `.then` per frame
   * over `next()`).
   *
   * The common cases take no async function: a frame already buffered resolves at once, and
   * a read that completes a frame costs that read's promise and one `then`. Anything else
   * (end of stream, a frame needing several reads) takes `#nextLoop`.
   *
   * Budget and cancellation: cancellation is checked once, before anything is taken. A frame
   * found in the buffer then spends one unit of budget (the call completed without waiting);
   * if that forces a yield, the frame is delivered after it (it is already out of the buffer,
   * so an abort during that yield does not lose it: the call resolves with it). When no frame
   * is buffered the read spends the budget itself, as it does for the hand-written loop.
   */
  #next(options: WaitOptions | undefined, asResult: boolean): Promise<T | undefined | IteratorResult<T>> {
    if (this.#busy) return Promise.reject(new ResourceBusy('FramedRead.next: another call is in progress'));
    if (this.#eof) return this.#nextLoop(options, null, asResult);
    const buffer = this.#buffer;
    if (this.#borrowFrames) buffer.reclaim(); // the frames handed out before are done with
    let reading: Promise<number>;
    try {
      // Checked before the decode (a frame is never taken by a call that rejects) and, for a
      // reader that ignores `signal`, before the read whatever the reader does with it (with
      // no signal, the read checks the task's cancellation itself).
      if (buffer.length !== this.#missedAt) {
        throwIfCancelled(options);
        const frame = this.#decode();
        if (frame !== undefined) {
          const value = asResult ? toResult(frame) : frame;
          const y = coop();
          if (y === undefined) return Promise.resolve(value);
          this.#busy = true; // until the frame is delivered: an overlapping call is still refused
          return this.#deliverAfter(y, value);
        }
      } else if (options !== undefined) {
        throwIfCancelled(options);
      }
      reading = this.#reader.read(buffer.spare(this.#readSize), options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#busy = true;
    this.#options = options;
    // A reader may hand back any thenable: adopt it, so `then` is a promise's.
    if (!(reading instanceof Promise)) reading = Promise.resolve(reading);
    const after: (n: number) => T | undefined | IteratorResult<T> | Promise<T | undefined | IteratorResult<T>> = asResult ? this.#afterReadResult : this.#afterRead;
    return reading.then(after, this.#readFailed);
  }

  /**
   * Delivers a frame taken before a forced yield once `y` settles. A method of its own, not an
   * arrow in `#next`: a closure there capturing `value` makes V8 allocate `#next`'s context on
   * every call once a forced yield has run (issue 16).
   */
  #deliverAfter<V>(y: Promise<void>, value: V): Promise<V> {
    return y.then(() => {
      this.#busy = false;
      return value;
    });
  }

  /**
   * The next frame if the buffered bytes hold one, else `undefined`, without reading or
   * waiting (for a server that answers a pipelined batch of requests at once: it awaits
   * `next()` for the first and takes the rest with `tryNext()`). At end of stream it gives
   * the decoder's last frames as `next()` does.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** what the decoder throws; `ResourceBusy` while a `next()` is in progress.
   *
   * **Example**
   * ```ts
   * for (let frame = await frames.next(); frame !== undefined; frame = frames.tryNext()) handle(frame);
   * ```
   */
  tryNext(): T | undefined {
    if (this.#busy) throw new ResourceBusy('FramedRead.tryNext: a next() call is in progress');
    if (this.#eof) return this.#decodeEof();
    if (this.#borrowFrames) this.#buffer.reclaim();
    return this.#buffer.length !== this.#missedAt ? this.#decode() : undefined;
  }

  /**
   * The buffer's length when the decoder last found no whole frame in it, or -1: while the
   * length is still that, nothing was read or taken since and `next()` reads at once
   * instead of asking the decoder again (Tokio's `is_readable`).
   */
  #missedAt = -1;

  #decode(): T | undefined {
    const buffer = this.#buffer;
    this.#missedAt = -1; // stays so if the decoder throws: it is asked again next time
    const frame = this.#decoder.decode(buffer);
    if (frame === undefined) this.#missedAt = buffer.length;
    return frame;
  }

  #decodeEof(): T | undefined {
    if (this.#finished) return undefined;
    const decoder = this.#decoder;
    let frame: T | undefined;
    try {
      frame = decoder.decodeEof === undefined ? decodeEofDefault(decoder, this.#buffer) : decoder.decodeEof(this.#buffer);
    } catch (error) {
      this.#finished = true; // as Tokio: an error at end of stream is the last item
      throw error;
    }
    if (frame === undefined) this.#finished = true;
    return frame;
  }

  /** The options of the `next()` whose read is in flight. */
  #options: WaitOptions | undefined = undefined;

  readonly #afterRead = (n: number): T | undefined | Promise<T | undefined> => {
    const frame = this.#readDone(n);
    return frame !== NO_FRAME ? frame : (this.#nextLoop(this.#loopOptions, undefined, false) as Promise<T | undefined>);
  };

  readonly #afterReadResult = (n: number): IteratorResult<T> | Promise<IteratorResult<T>> => {
    const frame = this.#readDone(n);
    return frame !== NO_FRAME ? toResult(frame) : (this.#nextLoop(this.#loopOptions, undefined, true) as Promise<IteratorResult<T>>);
  };

  /** The options for `#nextLoop` after `#readDone` returned NO_FRAME. */
  #loopOptions: WaitOptions | undefined = undefined;

  /**
   * After the read of `next()` gave `n` bytes: the frame they complete, `undefined` at the end
   * of the stream's frames, or NO_FRAME when more reads are needed (`#nextLoop`).
   */
  #readDone(n: number): T | undefined | typeof NO_FRAME {
    this.#busy = false;
    const options = this.#options;
    this.#options = undefined;
    if (n === 0) {
      this.#eof = true;
      return this.#decodeEof();
    }
    this.#buffer.commit(n);
    const frame = this.#decode();
    if (frame !== undefined) return frame;
    this.#loopOptions = options;
    return NO_FRAME;
  }

  readonly #readFailed = (error: unknown): never => {
    this.#busy = false;
    this.#options = undefined;
    throw error;
  };

  /**
   * `next()` as a loop: reads until a frame is whole or the stream has ended. `yielding`:
   * `null` to spend budget and check cancellation first, or `undefined` when a read just did
   * both. Resolves with the iterator result when `asResult`.
   */
  async #nextLoop(options: WaitOptions | undefined, yielding: null | undefined, asResult: boolean): Promise<T | undefined | IteratorResult<T>> {
    this.#loopOptions = undefined;
    this.#busy = true;
    let frame: T | undefined;
    try {
      if (yielding === null) {
        const y = coop();
        if (y !== undefined) await y;
        throwIfCancelled(options);
      }
      const buffer = this.#buffer;
      for (;;) {
        if (this.#eof) {
          frame = this.#decodeEof();
          break;
        }
        if (buffer.length !== this.#missedAt) {
          frame = this.#decode();
          if (frame !== undefined) break;
        }
        const n = await this.#reader.read(buffer.spare(this.#readSize), options);
        if (n === 0) this.#eof = true;
        else buffer.commit(n);
      }
    } finally {
      this.#busy = false;
    }
    return asResult ? toResult(frame) : frame;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const options: WaitOptions | undefined = this.#signal === undefined ? undefined : { signal: this.#signal };
    return {
      next: () => this.#next(options, true) as Promise<IteratorResult<T>>,
      return: (): Promise<IteratorResult<T>> => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
