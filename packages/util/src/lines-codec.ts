import { InvalidData, LineTooLong } from '@rt/io';
import type { BytesMut } from './bytes-mut.js';
import type { Decoder, Encoder } from './codec.js';
import { skipThrough } from './internal/skip-through.js';
import { checkInteger, checkObject, describe } from './internal/validate.js';

/**
 * Options of `LinesCodec`.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `RangeError` from the constructor for a `maxLength` that is not an integer ≥ 0.
 *
 * **Example**
 * ```ts
 * new LinesCodec({ maxLength: 8 * 1024 });
 * ```
 */
export interface LinesCodecOptions {
  /** Longest line in bytes, without its `\n` or `\r\n` (default: unlimited). */
  maxLength?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits bytes into lines of UTF-8 text, and writes strings as lines: Tokio's `LinesCodec`.
 * A frame is a string without its `\n` or `\r\n`; at end of stream a last line without a
 * terminator is a frame too (without a trailing `\r`). `encode` writes the string and `\n`.
 *
 * The search for `\n` resumes where the previous call stopped, so a long line arriving in
 * small pieces is scanned once. With `maxLength`, a line that grows past it fails with
 * `LineTooLong` as soon as that is known (the buffer never holds more than `maxLength + 1`
 * bytes of one line); the rest of that line is then skipped and decoding continues with
 * the next line, so a server can answer the error and carry on.
 *
 * **Cancellation:** not applicable (synchronous; see `FramedRead`).
 *
 * **Errors:** `LineTooLong` (code `ERR_RT_LINE_TOO_LONG`) for a line past `maxLength`;
 * `InvalidData` for a line that is not UTF-8 (the line is consumed); `TypeError` from
 * `encode` for a non-string (a string containing `\n` is written as is and reads back as
 * several lines).
 *
 * **Example**
 * ```ts
 * const framed = new Framed(socket, new LinesCodec({ maxLength: 1024 }));
 * for await (const line of framed) await framed.send(line.toUpperCase());
 * ```
 */
export class LinesCodec implements Decoder<string>, Encoder<string> {
  readonly maxLength: number;
  /** Where the next search for `\n` starts (bytes before it were checked). */
  #nextIndex = 0;
  /** True while skipping the rest of an over-long line. */
  #discarding = false;

  constructor(options?: LinesCodecOptions) {
    checkObject(options, 'LinesCodec(options)');
    const maxLength = options?.maxLength ?? Number.MAX_SAFE_INTEGER;
    checkInteger(maxLength, 'LinesCodec: options.maxLength', 0);
    this.maxLength = maxLength;
  }

  decode(src: BytesMut): string | undefined {
    for (;;) {
      const found = src.indexOf(LF, this.#nextIndex);
      if (this.#discarding) {
        // Skipping the rest of an over-long line: up to its '\n', or all we have.
        this.#nextIndex = 0;
        if (!skipThrough(src, found)) return undefined;
        this.#discarding = false;
        continue;
      }
      // A line of maxLength bytes may need maxLength + 2 with its "\r\n".
      if (found >= 0 && found <= this.maxLength + 1) {
        this.#nextIndex = 0;
        const line = src.splitTo(found + 1);
        let end = found;
        if (end > 0 && line[end - 1] === CR) end--;
        if (end > this.maxLength) throw new LineTooLong(end, this.maxLength);
        return decodeUtf8(line.subarray(0, end));
      }
      if (found >= 0 || src.length > this.maxLength + 1 || (src.length === this.maxLength + 1 && src.at(this.maxLength) !== CR)) {
        // No '\n' within reach: the line is too long. Drop it (through its '\n' if seen).
        const seen = found >= 0 ? found : src.length;
        this.#nextIndex = 0;
        this.#discarding = !skipThrough(src, found);
        throw new LineTooLong(seen, this.maxLength);
      }
      this.#nextIndex = src.length;
      return undefined;
    }
  }

  decodeEof(src: BytesMut): string | undefined {
    const line = this.decode(src);
    if (line !== undefined) return line;
    if (src.length === 0 || this.#discarding) {
      src.clear();
      this.#discarding = false;
      this.#nextIndex = 0;
      return undefined;
    }
    // The last line, without terminator: as Tokio, a trailing '\r' is dropped too.
    this.#nextIndex = 0;
    const rest = src.split();
    const end = rest.length > 0 && rest[rest.length - 1] === CR ? rest.length - 1 : rest.length;
    if (end > this.maxLength) throw new LineTooLong(end, this.maxLength);
    return decodeUtf8(rest.subarray(0, end));
  }

  encode(item: string, dst: BytesMut): void {
    if (typeof item !== 'string') throw new TypeError(`LinesCodec.encode(item): item must be a string, got ${describe(item)}`);
    dst.putString(item);
    dst.putU8(LF);
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new InvalidData('LinesCodec: line is not valid UTF-8', { cause: error });
  }
}
