import type { AsyncRead, AsyncWrite } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { BytesMut } from './bytes-mut.js';
import type { Decoder, Encoder } from './codec.js';
import { FramedRead, type FramedReadOptions } from './framed-read.js';
import { FramedWrite, type FramedWriteOptions } from './framed-write.js';
import { checkObject } from './internal/validate.js';

/**
 * Options of `Framed`: those of its read side and of its write side.
 *
 * **Cancellation:** see `FramedReadOptions`.
 *
 * **Errors:** see `FramedReadOptions` and `FramedWriteOptions`.
 *
 * **Example**
 * ```ts
 * new Framed(socket, new LinesCodec(), { readSize: 4096, highWaterMark: 32 * 1024 });
 * ```
 */
export interface FramedOptions extends FramedReadOptions, FramedWriteOptions {}

/**
 * Frames in both directions over one stream: a `FramedRead` and a `FramedWrite` that
 * share a socket (or any object that is both `AsyncRead` and `AsyncWrite`) and one codec.
 * Tokio's `Framed`. `next()` / `for await` read frames, `send`/`feed`/`flush`/`close` write
 * them; reading and writing may run at the same time (from two tasks). `split()` hands the
 * two sides out separately.
 *
 * **Cancellation:** as `FramedRead.next` (cancel safe) and `FramedWrite` (see there).
 *
 * **Errors:** as `FramedRead` and `FramedWrite`.
 *
 * **Example**
 * ```ts
 * const framed = new Framed(socket, new LinesCodec({ maxLength: 1024 }));
 * for await (const line of framed) await framed.send(`echo: ${line}`);
 * ```
 */
export class Framed<In, Out = In> implements AsyncIterable<In> {
  readonly #read: FramedRead<In>;
  readonly #write: FramedWrite<Out>;

  constructor(stream: AsyncRead & AsyncWrite, codec: Decoder<In> & Encoder<Out>, options?: FramedOptions) {
    checkObject(options, 'Framed(options)');
    const readOptions: FramedReadOptions = {};
    if (options?.readSize !== undefined) readOptions.readSize = options.readSize;
    if (options?.signal !== undefined) readOptions.signal = options.signal;
    if (options?.borrowFrames !== undefined) readOptions.borrowFrames = options.borrowFrames;
    this.#read = new FramedRead<In>(stream, codec, readOptions);
    this.#write = new FramedWrite<Out>(stream, codec, options?.highWaterMark === undefined ? undefined : { highWaterMark: options.highWaterMark });
  }

  /** Bytes read and not yet returned as frames. */
  get readBuffer(): BytesMut {
    return this.#read.readBuffer;
  }

  /** Encoded bytes not yet accepted by the stream. */
  get writeBuffer(): BytesMut {
    return this.#write.writeBuffer;
  }

  /**
   * The next frame, or `undefined` at end of stream (`FramedRead.next`).
   *
   * **Cancellation:** cancel safe: a partial frame stays buffered.
   *
   * **Errors:** as `FramedRead.next`.
   *
   * **Example**
   * ```ts
   * const frame = await framed.next({ signal });
   * ```
   */
  next(options?: WaitOptions): Promise<In | undefined> {
    return this.#read.next(options);
  }

  /**
   * The next frame if one is already buffered, else `undefined`, without reading
   * (`FramedRead.tryNext`).
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** as `FramedRead.tryNext`.
   *
   * **Example**
   * ```ts
   * for (let frame = await framed.next(); frame !== undefined; frame = framed.tryNext()) handle(frame);
   * ```
   */
  tryNext(): In | undefined {
    return this.#read.tryNext();
  }

  /**
   * Queues `item` (`FramedWrite.feed`).
   *
   * **Cancellation:** the item is queued whole or not at all.
   *
   * **Errors:** as `FramedWrite.feed`.
   *
   * **Example**
   * ```ts
   * await framed.feed('a'); await framed.flush();
   * ```
   */
  feed(item: Out, options?: WaitOptions): Promise<void> {
    return this.#write.feed(item, options);
  }

  /**
   * Queues `item` and flushes (`FramedWrite.send`).
   *
   * **Cancellation:** what was not written stays queued, in order, for the next flush.
   *
   * **Errors:** as `FramedWrite.send`.
   *
   * **Example**
   * ```ts
   * await framed.send('hello');
   * ```
   */
  send(item: Out, options?: WaitOptions): Promise<void> {
    return this.#write.send(item, options);
  }

  /**
   * Writes everything queued and flushes the stream (`FramedWrite.flush`).
   *
   * **Cancellation:** what was not written stays queued, in order.
   *
   * **Errors:** as `FramedWrite.flush`.
   *
   * **Example**
   * ```ts
   * await framed.flush();
   * ```
   */
  flush(options?: WaitOptions): Promise<void> {
    return this.#write.flush(options);
  }

  /**
   * Flushes and shuts the writing side down; reading goes on (`FramedWrite.close`).
   *
   * **Cancellation:** as `flush`; call it again to finish.
   *
   * **Errors:** as `FramedWrite.close`.
   *
   * **Example**
   * ```ts
   * await framed.close();
   * ```
   */
  close(options?: WaitOptions): Promise<void> {
    return this.#write.close(options);
  }

  /**
   * The two sides, to use from two tasks: `[reader, writer]`. They keep the buffers (no
   * byte is lost or duplicated); this `Framed` should not be used after.
   */
  split(): [FramedRead<In>, FramedWrite<Out>] {
    return [this.#read, this.#write];
  }

  [Symbol.asyncIterator](): AsyncIterator<In> {
    return this.#read[Symbol.asyncIterator]();
  }
}
