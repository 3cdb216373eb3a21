import { UnexpectedEof } from '@rt/io';
import type { BytesMut } from './bytes-mut.js';

/**
 * Turns bytes into frames: Tokio's `Decoder`. `FramedRead` appends what it reads to a
 * `BytesMut` and calls `decode(src)` until it returns `undefined` ("need more bytes").
 *
 * - `decode(src)` takes one whole frame from the front of `src` (`src.splitTo(n)` keeps it
 *   without a copy) and returns it, or returns `undefined` and leaves the partial frame in
 *   `src` (it may keep parsing state of its own, as `LengthDelimitedCodec` keeps the length
 *   it read). It throws for bytes that can never be a frame.
 * - `decodeEof(src)` is called instead once the stream has ended: it returns the last
 *   frames, then `undefined`. Without it, `FramedRead` calls `decode` and, when that returns
 *   `undefined` with bytes left, fails with `UnexpectedEof` (see `decodeEofDefault`).
 *
 * **Cancellation:** not applicable (synchronous); `FramedRead` keeps `src` across aborted
 * reads, so a decoder never sees a byte twice or loses one.
 *
 * **Errors:** whatever the decoder throws ends the `next()` that called it; the bytes stay
 * in the buffer as the decoder left them.
 *
 * **Example**
 * ```ts
 * const u8Frames: Decoder<number> = {
 *   decode: (src) => (src.length === 0 ? undefined : src.splitTo(1)[0]),
 * };
 * ```
 */
export interface Decoder<T> {
  decode(src: BytesMut): T | undefined;
  decodeEof?(src: BytesMut): T | undefined;
}

/**
 * Turns a message into bytes: Tokio's `Encoder`. `encode(item, dst)` appends the bytes
 * of `item` to `dst` (`put`, `putString`, `putUint`); `FramedWrite` writes them out.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** an encoder throws for an item it cannot encode (too long, wrong type); it
 * must then leave `dst` as it found it, so nothing half-encoded is sent.
 *
 * **Example**
 * ```ts
 * const json: Encoder<unknown> = { encode: (item, dst) => { dst.putString(JSON.stringify(item) + '\n'); } };
 * ```
 */
export interface Encoder<T> {
  encode(item: T, dst: BytesMut): void;
  /**
   * Optional, for codecs whose frame ends with the item's own bytes (`LengthDelimitedCodec`,
   * `BytesCodec`): appends what goes before the payload (the head) to `dst` and returns the
   * payload, so that head then payload are exactly the bytes `encode` would append. Checks
   * and throws as `encode` does (leaving `dst` as it found it). `FramedWrite.send` uses it to
   * write a large payload (8 KiB or more) from the item's own memory instead of copying it
   * into the write buffer; a smaller one it appends to `dst` itself.
   */
  encodeHead?(item: T, dst: BytesMut): Uint8Array;
}

/**
 * What `FramedRead` does at end of stream for a decoder without `decodeEof`: one more
 * `decode`, then `UnexpectedEof` if bytes are left that make no whole frame (a frame was
 * cut off). Codecs may call it from their own `decodeEof`.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `UnexpectedEof` (code `ERR_RT_UNEXPECTED_EOF`) naming how many bytes were left.
 *
 * **Example**
 * ```ts
 * decodeEof(src) { return decodeEofDefault(this, src); }
 * ```
 */
export function decodeEofDefault<T>(decoder: Decoder<T>, src: BytesMut): T | undefined {
  const frame = decoder.decode(src);
  if (frame !== undefined) return frame;
  if (src.length > 0) {
    throw new UnexpectedEof(`the stream ended inside a frame: ${src.length} bytes of an unfinished frame remain`);
  }
  return undefined;
}
