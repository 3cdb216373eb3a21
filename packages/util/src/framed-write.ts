import { ResourceBusy, WriteZero, type AsyncWrite } from '@rt/io';
import { coopOrCancelled, type WaitOptions } from '@rt/scheduler';
import { RESOLVED, readyOrCancelled, retryAfter } from '@rt/scheduler/primitives';
import { BytesMut } from './bytes-mut.js';
import type { Encoder } from './codec.js';
import { checkInteger, checkObject, describe } from './internal/validate.js';

/**
 * Options of `FramedWrite` (and the write side of `Framed`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `RangeError` from the constructor for a `highWaterMark` below 1.
 *
 * **Example**
 * ```ts
 * new FramedWrite(socket, new LengthDelimitedCodec(), { highWaterMark: 64 * 1024 });
 * ```
 */
export interface FramedWriteOptions {
  /**
   * Encoded bytes that may wait in the write buffer before `feed` writes them out first
   * (default 128 KiB, Tokio's backpressure boundary).
   */
  highWaterMark?: number;
}

const DEFAULT_HIGH_WATER_MARK = 128 * 1024;
/**
 * From this payload size on, `send` writes the payload from the item's memory (a gather
 * write of the buffered bytes and the payload) instead of copying it into the write buffer.
 */
export const DIRECT_PAYLOAD_MIN = 8 * 1024;
const EMPTY = new Uint8Array(0);

/** A writer with a gather write (rt's sockets and write halves). */
type VectoredWrite = AsyncWrite & { writev(buffers: readonly Uint8Array[], options?: WaitOptions): Promise<number> };

export function checkEncoder(encoder: unknown, what: string): void {
  if (encoder === null || typeof encoder !== 'object' || typeof (encoder as { encode?: unknown }).encode !== 'function') {
    throw new TypeError(`${what} must be an Encoder (an object with an encode method), got ${describe(encoder)}`);
  }
}

export function checkWriterLike(writer: unknown, what: string): asserts writer is AsyncWrite {
  const w = writer as { write?: unknown; flush?: unknown; shutdown?: unknown } | null;
  if (w === null || typeof w !== 'object' || typeof w.write !== 'function' || typeof w.flush !== 'function' || typeof w.shutdown !== 'function') {
    throw new TypeError(`${what} must be an AsyncWrite (an object with write, flush and shutdown methods), got ${describe(writer)}`);
  }
}

/**
 * A sink of messages over a byte stream: encodes each item with an `Encoder` into a
 * `BytesMut` and writes the bytes to any `AsyncWrite`. Tokio's `FramedWrite` (a `Sink`).
 *
 * - `feed(item)` queues the item's bytes; if the buffer already holds `highWaterMark`
 *   bytes or more it first writes until it holds fewer (that is the backpressure: a slow
 *   peer makes `feed` wait). Several `feed`s then one `flush()` batch small messages into
 *   few writes.
 * - `send(item)` is `feed` then `flush`: the item has reached the stream when it resolves.
 * - `flush()` writes everything buffered and flushes the stream; `close()` flushes and shuts
 *   the stream's writing side down (the peer reads end of stream).
 *
 * **Cancellation:** an aborted `feed` either queued the item whole or not at all (it was not
 * queued if the abort came while it waited for room). An aborted `flush`/`send`/`close`
 * leaves the unwritten rest of the buffer queued, in order: a frame may have been written in
 * part, and the next `flush` writes the rest of it, so the stream never sees a frame twice
 * or out of order. After an aborted `send` the item is in the buffer (sent later) unless the
 * abort came during its `feed`.
 *
 * **Large payloads:** when the encoder has `encodeHead` (`LengthDelimitedCodec`,
 * `BytesCodec`) and the writer a gather `writev` (rt's sockets and write halves), `send`
 * writes a payload of `DIRECT_PAYLOAD_MIN` (8 KiB) or more straight from the item, after the
 * buffered bytes and the head, instead of copying it into the write buffer (`feed` still
 * copies: it returns before the bytes are written). A writer with a synchronous
 * `tryWritev(bufs): number` (rt's sockets) is offered that gather write first, as `flush`
 * offers `tryWrite`, so a socket with room costs no promise here. The bytes on the wire are the same. So
 * the item's bytes must not change until that `send` settles; if it is aborted or fails,
 * the unwritten rest of the payload is copied into the write buffer (queued in order, as
 * above) before it settles, so nothing refers to the item afterwards.
 *
 * **Errors:** what the encoder throws (nothing is queued then); errors of the writer;
 * `WriteZero` if the writer accepts no byte; `ResourceBusy` for overlapping calls;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const out = new FramedWrite(socket, new LinesCodec());
 * for (const name of names) await out.feed(name);
 * await out.flush();
 * ```
 */
export class FramedWrite<T> {
  readonly #writer: AsyncWrite;
  readonly #encoder: Encoder<T>;
  readonly #buffer = new BytesMut();
  readonly #highWaterMark: number;
  /** The writer's synchronous `tryWrite(buf): number`, when it has one (rt's sockets). */
  readonly #tryWrite: ((buf: Uint8Array) => number) | undefined;
  /** Set when the encoder has `encodeHead` and the writer a `writev`: `send`'s direct path. */
  readonly #direct: boolean;
  /** The writer's synchronous gather `tryWritev(bufs): number`, when it has one (rt's sockets). */
  readonly #tryWritev: ((bufs: readonly Uint8Array[]) => number) | undefined;
  /** The two-buffer list of a synchronous gather write (the writer does not keep it). */
  readonly #pair: Uint8Array[] = [EMPTY, EMPTY];
  #busy = false;

  constructor(writer: AsyncWrite, encoder: Encoder<T>, options?: FramedWriteOptions) {
    checkWriterLike(writer, 'FramedWrite: writer');
    checkEncoder(encoder, 'FramedWrite: encoder');
    checkObject(options, 'FramedWrite(options)');
    const highWaterMark = options?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    checkInteger(highWaterMark, 'FramedWrite: options.highWaterMark', 1);
    this.#writer = writer;
    this.#encoder = encoder;
    this.#highWaterMark = highWaterMark;
    const tryWrite = (writer as { tryWrite?: unknown }).tryWrite;
    this.#tryWrite = typeof tryWrite === 'function' ? (tryWrite as (buf: Uint8Array) => number) : undefined;
    this.#direct = typeof encoder.encodeHead === 'function' && typeof (writer as { writev?: unknown }).writev === 'function';
    const tryWritev = (writer as { tryWritev?: unknown }).tryWritev;
    this.#tryWritev = typeof tryWritev === 'function' ? (tryWritev as (bufs: readonly Uint8Array[]) => number) : undefined;
  }

  /** The stream bytes are written to. */
  get writer(): AsyncWrite {
    return this.#writer;
  }

  /** The encoder. */
  get encoder(): Encoder<T> {
    return this.#encoder;
  }

  /** Encoded bytes not yet accepted by the stream. */
  get writeBuffer(): BytesMut {
    return this.#buffer;
  }

  /** The backpressure boundary of `feed`, in bytes. */
  get highWaterMark(): number {
    return this.#highWaterMark;
  }

  #enter(what: string): void {
    if (this.#busy) throw new ResourceBusy(`FramedWrite.${what}: another call is in progress`);
    this.#busy = true;
  }

  async #writeDownTo(limit: number, options: WaitOptions | undefined): Promise<void> {
    const buffer = this.#buffer;
    while (buffer.length > limit) {
      const n = await this.#writer.write(buffer.chunk(), options);
      if (n === 0) throw new WriteZero('FramedWrite: the stream accepted no byte of the write buffer');
      buffer.advance(n);
    }
  }

  /** `#encode` for the fast paths: the encoder's error as a rejected promise, else undefined. */
  #encodeNow(item: T): Promise<never> | undefined {
    try {
      this.#encode(item);
      return undefined;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #encode(item: T): void {
    const buffer = this.#buffer;
    const before = buffer.length;
    try {
      this.#encoder.encode(item, buffer);
    } catch (error) {
      buffer.truncate(before);
      throw error;
    }
  }

  /**
   * Queues `item`, first writing out the buffer while it holds `highWaterMark` bytes or more.
   *
   * **Cancellation:** the item is queued whole or not at all (see the class).
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * await out.feed('a'); await out.feed('b'); await out.flush();
   * ```
   */
  feed(item: T, options?: WaitOptions): Promise<void> {
    if (!this.#busy && this.#buffer.length < this.#highWaterMark) {
      // Room in the buffer: nothing to wait for, so no async function either.
      return this.#encodeNow(item) ?? RESOLVED;
    }
    return this.#feedSlow(item, options);
  }

  async #feedSlow(item: T, options: WaitOptions | undefined): Promise<void> {
    this.#enter('feed');
    try {
      if (this.#buffer.length >= this.#highWaterMark) await this.#writeDownTo(this.#highWaterMark - 1, options);
      this.#encode(item);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Writes every buffered byte, then flushes the stream. A writer with a synchronous
   * `tryWrite(buf): number` (rt's sockets and their write halves) is first offered the bytes
   * that way, so a socket that can take them costs no promise here; the rest (or everything,
   * for other writers) is written with `write`, waiting as needed. Once every byte is
   * written, what is left is the stream's own `flush()`, returned as is: a call made while
   * only that is pending is not refused with `ResourceBusy` (nothing of this writer is in
   * use then).
   *
   * **Cancellation:** what was not written stays queued, in order (see the class).
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * await out.flush({ signal: AbortSignal.timeout(1_000) });
   * ```
   */
  flush(options?: WaitOptions): Promise<void> {
    if (this.#busy) return Promise.reject(new ResourceBusy('FramedWrite.flush: another call is in progress'));
    const buffer = this.#buffer;
    if (buffer.length > 0 && this.#tryWrite !== undefined) {
      // A writer that can take bytes without waiting (rt's sockets): write them now, with
      // no promise of our own; whatever it does not take goes the async way below. This is
      // an operation that completes without waiting, so it spends the cooperative budget (a
      // loop of sends to a socket that always has room must still let timers and I/O run).
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.flush, options);
      let n: number;
      try {
        n = this.#tryWrite.call(this.#writer, buffer.chunk());
      } catch {
        n = 0; // WouldBlock, or an error the async write below reports properly
      }
      if (n > 0) buffer.advance(n);
    }
    return buffer.length === 0 ? this.#writer.flush(options) : this.#flushSlow(options);
  }

  async #flushSlow(options: WaitOptions | undefined): Promise<void> {
    this.#enter('flush');
    try {
      // #writeDownTo(0) inline: flush is the hot path of every request/response protocol.
      const buffer = this.#buffer;
      while (buffer.length > 0) {
        const n = await this.#writer.write(buffer.chunk(), options);
        if (n === 0) throw new WriteZero('FramedWrite: the stream accepted no byte of the write buffer');
        buffer.advance(n);
      }
      await this.#writer.flush(options);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Queues `item` and flushes: resolves once its bytes were accepted by the stream.
   *
   * **Cancellation:** see the class.
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * await out.send('hello');
   * ```
   */
  send(item: T, options?: WaitOptions): Promise<void> {
    if (!this.#busy && this.#buffer.length < this.#highWaterMark) {
      if (this.#direct) {
        let payload: Uint8Array | undefined;
        try {
          payload = this.#encodeHead(item);
        } catch (error) {
          return Promise.reject(error);
        }
        if (payload !== undefined) return this.#sendDirect(payload, options);
        return this.flush(options);
      }
      // Room in the buffer: encode now and flush (which tries the synchronous write first).
      return this.#encodeNow(item) ?? this.flush(options);
    }
    return this.#sendSlow(item, options);
  }

  /**
   * The encoder's `encodeHead` into the buffer: returns a payload of `DIRECT_PAYLOAD_MIN`
   * bytes or more (not buffered), or undefined once a smaller one was appended to the buffer.
   * Throws what the encoder throws, with the buffer as it was.
   */
  #encodeHead(item: T): Uint8Array | undefined {
    const buffer = this.#buffer;
    const before = buffer.length;
    try {
      const payload = this.#encoder.encodeHead!(item, buffer);
      if (!(payload instanceof Uint8Array)) throw new TypeError(`FramedWrite: encoder.encodeHead must return a Uint8Array, got ${describe(payload)}`);
      if (payload.length < DIRECT_PAYLOAD_MIN) {
        buffer.put(payload);
        return undefined;
      }
      return payload;
    } catch (error) {
      buffer.truncate(before);
      throw error;
    }
  }

  /**
   * Writes the buffer then `payload` (not in the buffer) with gather writes, then flushes.
   * Busy until the payload is written or, on abort or error, its unwritten rest copied into
   * the buffer (behind the unwritten buffered bytes: the order on the wire is kept).
   */
  #sendDirect(payload: Uint8Array, options: WaitOptions | undefined): Promise<void> {
    const writer = this.#writer as VectoredWrite;
    const buffer = this.#buffer;
    const buffered = buffer.length;
    if (buffered > 0 ? this.#tryWritev !== undefined : this.#tryWrite !== undefined) {
      // As flush: a writer that can take the bytes now gets them from a synchronous gather
      // write (no promise of ours), spending budget as an operation that did not wait.
      let y: Promise<void> | undefined;
      try {
        y = coopOrCancelled(options); // coop() then throwIfCancelled(options), one task look-up
      } catch (error) {
        buffer.put(payload); // queued behind its head, as an abort during the write leaves it
        return Promise.reject(error);
      }
      if (y !== undefined) {
        this.#busy = true;
        return retryAfter(y, this, this.#sendDirectRest, payload, undefined, options);
      }
      const pair = this.#pair;
      let n: number;
      try {
        if (buffered === 0) {
          n = this.#tryWrite!.call(writer, payload);
        } else {
          pair[0] = buffer.chunk();
          pair[1] = payload;
          n = this.#tryWritev!.call(writer, pair);
        }
      } catch {
        n = 0; // WouldBlock, or an error the async write below reports properly
      } finally {
        pair[0] = pair[1] = EMPTY;
      }
      if (n === buffered + payload.length) {
        buffer.advance(buffered);
        return writer.flush(options);
      }
      this.#busy = true;
      return this.#sendDirectRest(payload, n > 0 ? n : undefined, options);
    }
    this.#busy = true;
    if (buffered === 0) return this.#sendDirectRest(payload, undefined, options);
    // The common case, one gather write that takes everything, with no async function.
    let written: Promise<number>;
    try {
      written = writer.writev([buffer.chunk(), payload], options);
    } catch (error) {
      written = Promise.reject(error);
    }
    return written.then(
      (n) => {
        if (n !== buffered + payload.length) return this.#sendDirectRest(payload, n, options);
        buffer.advance(buffered);
        this.#busy = false;
        return writer.flush(options);
      },
      (error: unknown) => {
        buffer.put(payload);
        this.#busy = false;
        throw error;
      },
    );
  }

  /** `#sendDirect` from where a first gather write of `written` bytes (if any) left it. */
  async #sendDirectRest(payload: Uint8Array, written: number | undefined, options: WaitOptions | undefined): Promise<void> {
    const writer = this.#writer as VectoredWrite;
    const buffer = this.#buffer;
    let rest = payload;
    try {
      let n = written;
      for (;;) {
        if (n !== undefined) {
          if (n === 0) throw new WriteZero('FramedWrite: the stream accepted no byte of the write buffer');
          if (n < buffer.length) {
            buffer.advance(n);
          } else {
            rest = rest.subarray(n - buffer.length);
            buffer.advance(buffer.length);
          }
        }
        if (buffer.length === 0) break;
        n = await writer.writev([buffer.chunk(), rest], options);
      }
      while (rest.length > 0) {
        const k = await writer.write(rest, options);
        if (k === 0) throw new WriteZero('FramedWrite: the stream accepted no byte of the write buffer');
        rest = rest.subarray(k);
      }
    } finally {
      if (rest.length > 0) buffer.put(rest);
      this.#busy = false;
    }
    await writer.flush(options);
  }

  async #sendSlow(item: T, options: WaitOptions | undefined): Promise<void> {
    this.#enter('send');
    try {
      if (this.#buffer.length >= this.#highWaterMark) await this.#writeDownTo(this.#highWaterMark - 1, options);
      this.#encode(item);
      await this.#writeDownTo(0, options);
      await this.#writer.flush(options);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Flushes, then shuts the stream's writing side down.
   *
   * **Cancellation:** as `flush`; the shutdown can be retried by calling `close` again.
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * await out.close();
   * ```
   */
  async close(options?: WaitOptions): Promise<void> {
    this.#enter('close');
    try {
      await this.#writeDownTo(0, options);
      await this.#writer.shutdown(options);
    } finally {
      this.#busy = false;
    }
  }
}
