// Reading a message body (either side): framing per the parsed head, bytes from the
// connection's InputBuffer, more bytes through `fill()`. `next()` returns views into the input
// buffer, valid until the next call; callers that keep a chunk copy it.
import { HttpError } from '../errors.js';
import { ChunkedDecoder, Framing, type Head, type InputBuffer } from './parser.js';

/** The byte stream under an HTTP connection: rt's TcpStream, a TlsStream, anything alike. */
export interface HttpStream {
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number>;
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  /** Optional: a write that never waits (returns how many bytes the socket took). */
  tryWrite?(buf: Uint8Array): number;
  close(): void;
}

export class BodyReader {
  readonly #input: InputBuffer;
  readonly #fill: (into?: Uint8Array) => Promise<number>;
  readonly #framing: Framing;
  #remaining: number;
  readonly #decoder: ChunkedDecoder | undefined;
  #received = 0;
  readonly #maxBodySize: number;
  done: boolean;

  /**
   * `fill()` reads more bytes into `input` (and commits them); `fill(into)` reads into `into`
   * instead (bypassing the input buffer); both return the count, 0 at end of stream.
   */
  constructor(input: InputBuffer, fill: (into?: Uint8Array) => Promise<number>, head: Head, maxBodySize: number) {
    this.#input = input;
    this.#fill = fill;
    this.#framing = head.framing;
    this.#remaining = head.framing === Framing.Length ? head.contentLength : 0;
    this.#decoder = head.framing === Framing.Chunked ? new ChunkedDecoder(maxBodySize) : undefined;
    this.#maxBodySize = maxBodySize;
    this.done = head.framing === Framing.None;
  }

  /** Body bytes still expected when the length is known, else -1. */
  get knownRemaining(): number {
    return this.#framing === Framing.Length ? this.#remaining : -1;
  }

  /** The whole rest of a Content-Length body if it is already buffered (no copy), else undefined. */
  takeBuffered(): Buffer | undefined {
    const input = this.#input;
    if (this.done || this.#framing !== Framing.Length || input.end - input.start < this.#remaining) return undefined;
    const view = input.buffer.subarray(input.start, input.start + this.#remaining);
    input.start += this.#remaining;
    this.#remaining = 0;
    this.done = true;
    return view;
  }

  /**
   * The rest of the body in one new buffer that owns its memory. A Content-Length body is read
   * straight from the socket into a buffer of its size: one copy, no growth, and never a byte
   * of the next request.
   */
  async readAll(): Promise<Buffer> {
    const input = this.#input;
    if (this.#framing === Framing.Length && !this.done) {
      const total = this.#remaining;
      const out = Buffer.allocUnsafeSlow(total);
      let offset = Math.min(total, input.end - input.start);
      input.buffer.copy(out, 0, input.start, input.start + offset);
      input.start += offset;
      this.#remaining -= offset;
      while (offset < total) {
        const n = await this.#fill(out.subarray(offset));
        if (n === 0) throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a body');
        offset += n;
        this.#remaining -= n;
      }
      this.done = true;
      return out;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (let chunk = await this.next(); chunk !== null; chunk = await this.next()) {
      chunks.push(Buffer.from(chunk));
      total += chunk.length;
    }
    const out = Buffer.allocUnsafeSlow(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** The next chunk of body bytes (a view), or null at the end of the body. */
  async next(): Promise<Buffer | null> {
    const input = this.#input;
    for (;;) {
      if (this.done) return null;
      switch (this.#framing) {
        case Framing.Length: {
          const n = Math.min(this.#remaining, input.end - input.start);
          if (n > 0) {
            const view = input.buffer.subarray(input.start, input.start + n);
            input.start += n;
            this.#remaining -= n;
            if (this.#remaining === 0) this.done = true;
            return view;
          }
          break;
        }
        case Framing.Chunked: {
          const decoder = this.#decoder!;
          const n = decoder.next(input);
          if (decoder.done) this.done = true;
          if (n > 0) return input.buffer.subarray(decoder.dataStart, decoder.dataStart + n);
          if (this.done) return null;
          if (input.end > input.start) continue; // framing consumed, more bytes buffered
          break;
        }
        case Framing.UntilClose: {
          const n = input.end - input.start;
          if (n > 0) {
            this.#received += n;
            if (this.#received > this.#maxBodySize) throw new HttpError(502, 'ERR_RT_HTTP_BODY_TOO_LARGE', `body larger than the limit of ${this.#maxBodySize}`);
            const view = input.buffer.subarray(input.start, input.end);
            input.start = input.end;
            return view;
          }
          break;
        }
        default:
          this.done = true;
          return null;
      }
      const got = await this.#fill();
      if (got === 0) {
        if (this.#framing === Framing.UntilClose) {
          this.done = true;
          return null;
        }
        throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a body');
      }
    }
  }
}
