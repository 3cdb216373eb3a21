import { InvalidData, UnexpectedEof } from '@rt/io';
import type { BytesMut } from './bytes-mut.js';
import type { Decoder, Encoder } from './codec.js';
import { FrameTooLarge } from './errors.js';
import { checkInteger, checkObject, describe } from './internal/validate.js';

/**
 * Options of `LengthDelimitedCodec`: every setting of Tokio's
 * `length_delimited::Builder`. The frame on the wire is
 * `[lengthFieldOffset bytes][length field][payload…]`; the length field's value plus
 * `lengthAdjustment` is the number of bytes that follow the first `numSkip` bytes of the
 * frame, and `numSkip` bytes are dropped from what `decode` returns.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `RangeError` from the constructor for values out of range.
 *
 * **Example**
 * ```ts
 * // A 2-byte little-endian length after a 1-byte type, header kept in the frame:
 * new LengthDelimitedCodec({ lengthFieldOffset: 1, lengthFieldLength: 2, littleEndian: true, numSkip: 0, lengthAdjustment: 3 });
 * ```
 */
export interface LengthDelimitedCodecOptions {
  /** Bytes before the length field (decoding only; default 0). */
  lengthFieldOffset?: number;
  /** Size of the length field in bytes, 1 to 8 (default 4: a u32). */
  lengthFieldLength?: number;
  /** Added to the length field to get the bytes that follow the skipped header (default 0). */
  lengthAdjustment?: number;
  /** Bytes dropped from the start of each decoded frame (default `lengthFieldOffset + lengthFieldLength`: the header). */
  numSkip?: number;
  /** Largest length field accepted when decoding, largest payload when encoding (default 8 MiB). */
  maxFrameLength?: number;
  /** Length field in little-endian order (default false: big-endian, network order). */
  littleEndian?: boolean;
}

/** Default `maxFrameLength`: 8 MiB, as Tokio. */
export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

/**
 * Frames prefixed by their length: Tokio's `LengthDelimitedCodec`. By default a frame is a
 * 4-byte big-endian length followed by that many bytes, `decode` returns the payload (a
 * view of the read buffer, no copy) and `encode` writes the length and the payload.
 *
 * The length field is checked against `maxFrameLength` before anything else, so a hostile
 * prefix (4 GiB) fails at once with `FrameTooLarge` instead of making the reader buffer it;
 * the buffer reserves room for the announced frame only once the header has passed the
 * check. The codec remembers a header it has read, so a frame that arrives in pieces is
 * parsed once. After a decode error the stream is out of sync: stop reading it.
 *
 * **Cancellation:** not applicable (synchronous; see `FramedRead`).
 *
 * **Errors:** `FrameTooLarge` (decode: a length field above `maxFrameLength`; encode: a
 * payload above it); `InvalidData` when `lengthAdjustment` makes a length negative;
 * `UnexpectedEof` from `FramedRead` for a frame cut off by the end of the stream; `TypeError`
 * from `encode` for a non-Uint8Array.
 *
 * **Example**
 * ```ts
 * const framed = new Framed(socket, new LengthDelimitedCodec());
 * await framed.send(new TextEncoder().encode('hello'));
 * const reply = await framed.next(); // Uint8Array, or undefined at end of stream
 * ```
 */
export class LengthDelimitedCodec implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  readonly lengthFieldOffset: number;
  readonly lengthFieldLength: number;
  readonly lengthAdjustment: number;
  readonly numSkip: number;
  readonly maxFrameLength: number;
  readonly littleEndian: boolean;
  readonly #headLength: number;
  /** Largest value the length field can hold. */
  readonly #fieldMax: number;
  /** Payload length of the frame whose header was consumed, or -1 while reading a header. */
  #pending = -1;

  constructor(options?: LengthDelimitedCodecOptions) {
    checkObject(options, 'LengthDelimitedCodec(options)');
    const offset = options?.lengthFieldOffset ?? 0;
    checkInteger(offset, 'LengthDelimitedCodec: options.lengthFieldOffset', 0);
    const fieldLength = options?.lengthFieldLength ?? 4;
    checkInteger(fieldLength, 'LengthDelimitedCodec: options.lengthFieldLength', 1, 8);
    const adjustment = options?.lengthAdjustment ?? 0;
    checkInteger(adjustment, 'LengthDelimitedCodec: options.lengthAdjustment', Number.MIN_SAFE_INTEGER);
    const numSkip = options?.numSkip ?? offset + fieldLength;
    checkInteger(numSkip, 'LengthDelimitedCodec: options.numSkip', 0);
    let max = options?.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    checkInteger(max, 'LengthDelimitedCodec: options.maxFrameLength', 0);
    const littleEndian = options?.littleEndian ?? false;
    if (typeof littleEndian !== 'boolean') {
      throw new TypeError(`LengthDelimitedCodec: options.littleEndian must be a boolean, got ${describe(littleEndian)}`);
    }
    // As Tokio: no frame can be longer than the field can say (plus the adjustment).
    const fieldMax = fieldLength >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * fieldLength) - 1;
    max = Math.max(0, Math.min(max, fieldMax + adjustment));
    this.lengthFieldOffset = offset;
    this.lengthFieldLength = fieldLength;
    this.lengthAdjustment = adjustment;
    this.numSkip = numSkip;
    this.maxFrameLength = max;
    this.littleEndian = littleEndian;
    this.#headLength = Math.max(offset + fieldLength, numSkip);
    this.#fieldMax = fieldMax;
  }

  decode(src: BytesMut): Uint8Array | undefined {
    if (this.#pending < 0) {
      if (src.length < this.#headLength) return undefined;
      const field = src.getUint(this.lengthFieldOffset, this.lengthFieldLength, this.littleEndian);
      if (field > this.maxFrameLength) throw new FrameTooLarge(field, this.maxFrameLength);
      const length = field + this.lengthAdjustment;
      if (length < 0) {
        throw new InvalidData(`LengthDelimitedCodec: length field ${field} with lengthAdjustment ${this.lengthAdjustment} gives a negative frame length`);
      }
      src.advance(this.numSkip);
      this.#pending = length;
      if (src.length < length) src.reserve(length - src.length);
    }
    const length = this.#pending;
    if (src.length < length) return undefined;
    this.#pending = -1;
    return src.splitTo(length);
  }

  decodeEof(src: BytesMut): Uint8Array | undefined {
    const frame = this.decode(src);
    if (frame !== undefined) return frame;
    if (this.#pending >= 0 || src.length > 0) {
      const missing = this.#pending >= 0 ? `${this.#pending - src.length} of its ${this.#pending} payload bytes` : `${this.#headLength - src.length} of its ${this.#headLength} header bytes`;
      throw new UnexpectedEof(`LengthDelimitedCodec: the stream ended inside a frame (missing ${missing})`);
    }
    return undefined;
  }

  encode(item: Uint8Array, dst: BytesMut): void {
    dst.put(this.#encodeHead(item, dst));
  }

  /** Appends the length field and returns the item as the payload (see `Encoder.encodeHead`). */
  encodeHead(item: Uint8Array, dst: BytesMut): Uint8Array {
    return this.#encodeHead(item, dst);
  }

  #encodeHead(item: Uint8Array, dst: BytesMut): Uint8Array {
    if (!(item instanceof Uint8Array)) throw new TypeError(`LengthDelimitedCodec.encode(item): item must be a Uint8Array, got ${describe(item)}`);
    if (item.length > this.maxFrameLength) throw new FrameTooLarge(item.length, this.maxFrameLength);
    const field = item.length - this.lengthAdjustment;
    if (field < 0 || field > this.#fieldMax) {
      throw new RangeError(`LengthDelimitedCodec.encode: a ${item.length}-byte frame with lengthAdjustment ${this.lengthAdjustment} gives length field ${field}, which a ${this.lengthFieldLength}-byte field cannot hold`);
    }
    dst.putUint(field, this.lengthFieldLength, this.littleEndian);
    return item;
  }
}
