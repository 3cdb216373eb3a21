import type { BytesMut } from './bytes-mut.js';
import type { Decoder, Encoder } from './codec.js';
import { describe } from './internal/validate.js';

/**
 * The identity codec: decodes whatever bytes are buffered as one chunk (no framing), and
 * encodes a `Uint8Array` as itself. Tokio's `BytesCodec`. Useful to get a byte stream as an
 * async iterable of chunks, or to send raw bytes through a `FramedWrite`.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `TypeError` from `encode` for an item that is not a Uint8Array.
 *
 * **Example**
 * ```ts
 * for await (const chunk of new FramedRead(socket, new BytesCodec())) total += chunk.length;
 * ```
 */
export class BytesCodec implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  decode(src: BytesMut): Uint8Array | undefined {
    return src.length === 0 ? undefined : src.split();
  }

  decodeEof(src: BytesMut): Uint8Array | undefined {
    return this.decode(src);
  }

  encode(item: Uint8Array, dst: BytesMut): void {
    dst.put(item);
  }

  /** The head is empty: the payload is the item itself (see `Encoder.encodeHead`). */
  encodeHead(item: Uint8Array, _dst: BytesMut): Uint8Array {
    if (!(item instanceof Uint8Array)) throw new TypeError(`BytesCodec.encode(item): item must be a Uint8Array, got ${describe(item)}`);
    return item;
  }
}
