import type { BytesMut } from './bytes-mut.js';
import type { Decoder, Encoder } from './codec.js';
import { FrameTooLarge } from './errors.js';
import { skipThrough } from './internal/skip-through.js';
import { checkInteger, describe } from './internal/validate.js';

/**
 * Options of `AnyDelimiterCodec`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `TypeError`/`RangeError` from the constructor for malformed options.
 *
 * **Example**
 * ```ts
 * new AnyDelimiterCodec({ delimiters: ',;\n', writeDelimiter: ',', maxLength: 4096 });
 * ```
 */
export interface AnyDelimiterCodecOptions {
  /** The bytes that end a chunk (any one of them); a string means its UTF-8 bytes. Not empty. */
  delimiters: Uint8Array | string;
  /** What `encode` writes after each chunk (default: the first delimiter byte). */
  writeDelimiter?: Uint8Array | string;
  /** Longest chunk in bytes, delimiter excluded (default: unlimited). */
  maxLength?: number;
}

function toBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (value instanceof Uint8Array) return value.slice();
  throw new TypeError(`${what} must be a string or a Uint8Array, got ${describe(value)}`);
}

/**
 * Splits bytes into chunks ended by any one of a set of delimiter bytes, and writes chunks
 * followed by a fixed delimiter: Tokio's `AnyDelimiterCodec`. A frame is the chunk as a
 * `Uint8Array` without its delimiter (taken from the buffer without a copy); at end of
 * stream the last bytes without a delimiter are a frame too.
 *
 * With `maxLength`, a chunk that grows past it fails with `FrameTooLarge` as soon as that
 * is known; the rest of that chunk is skipped and decoding continues after its delimiter.
 *
 * **Cancellation:** not applicable (synchronous; see `FramedRead`).
 *
 * **Errors:** `FrameTooLarge` (code `ERR_RT_FRAME_TOO_LARGE`) for a chunk past
 * `maxLength`; `TypeError` from `encode` for an item that is not a string or Uint8Array.
 *
 * **Example**
 * ```ts
 * const fields = new FramedRead(reader, new AnyDelimiterCodec({ delimiters: ',\n' }));
 * for await (const field of fields) console.log(new TextDecoder().decode(field));
 * ```
 */
export class AnyDelimiterCodec implements Decoder<Uint8Array>, Encoder<Uint8Array | string> {
  readonly maxLength: number;
  readonly #isDelimiter = new Uint8Array(256);
  readonly #delimiters: Uint8Array;
  readonly #writeDelimiter: Uint8Array;
  #nextIndex = 0;
  #discarding = false;

  constructor(options: AnyDelimiterCodecOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`AnyDelimiterCodec(options): options must be an object like { delimiters }, got ${describe(options)}`);
    }
    const delimiters = toBytes(options.delimiters, 'AnyDelimiterCodec: options.delimiters');
    if (delimiters.length === 0) throw new RangeError('AnyDelimiterCodec: options.delimiters must not be empty');
    this.#delimiters = delimiters;
    for (const byte of delimiters) this.#isDelimiter[byte] = 1;
    this.#writeDelimiter =
      options.writeDelimiter === undefined ? delimiters.slice(0, 1) : toBytes(options.writeDelimiter, 'AnyDelimiterCodec: options.writeDelimiter');
    const maxLength = options.maxLength ?? Number.MAX_SAFE_INTEGER;
    checkInteger(maxLength, 'AnyDelimiterCodec: options.maxLength', 0);
    this.maxLength = maxLength;
  }

  #find(src: BytesMut, from: number, to: number): number {
    if (this.#delimiters.length === 1) {
      const found = src.indexOf(this.#delimiters[0]!, from);
      return found >= 0 && found < to ? found : -1;
    }
    const bytes = src.chunk();
    for (let i = from; i < to; i++) if (this.#isDelimiter[bytes[i]!] === 1) return i;
    return -1;
  }

  decode(src: BytesMut): Uint8Array | undefined {
    for (;;) {
      if (this.#discarding) {
        if (!skipThrough(src, this.#find(src, 0, src.length))) return undefined;
        this.#discarding = false;
        continue;
      }
      const reach = Math.min(src.length, this.maxLength + 1);
      const found = this.#find(src, this.#nextIndex, reach);
      if (found >= 0) {
        this.#nextIndex = 0;
        const chunk = src.splitTo(found);
        src.advance(1);
        return chunk;
      }
      if (src.length > this.maxLength) {
        this.#nextIndex = 0;
        this.#discarding = true;
        const seen = src.length;
        src.clear();
        throw new FrameTooLarge(seen, this.maxLength, 'chunk');
      }
      this.#nextIndex = src.length;
      return undefined;
    }
  }

  decodeEof(src: BytesMut): Uint8Array | undefined {
    const chunk = this.decode(src);
    if (chunk !== undefined) return chunk;
    this.#nextIndex = 0;
    if (src.length === 0 || this.#discarding) {
      this.#discarding = false;
      src.clear();
      return undefined;
    }
    return src.split();
  }

  encode(item: Uint8Array | string, dst: BytesMut): void {
    if (typeof item === 'string') dst.putString(item);
    else if (item instanceof Uint8Array) dst.put(item);
    else throw new TypeError(`AnyDelimiterCodec.encode(item): item must be a string or a Uint8Array, got ${describe(item)}`);
    dst.put(this.#writeDelimiter);
  }
}
