// Reading a message body (either side): framing per the parsed head, bytes from the
// connection's InputBuffer, more bytes through `fill()`. `next()` returns views into the input
// buffer, valid until the next call; callers that keep a chunk copy it. `readInto(view)` fills
// a caller's buffer (a BYOB read) and `readChunk()` gives a new buffer the caller owns; both
// read a Content-Length body straight from the socket into that memory when nothing is
// buffered, so a 1 MiB body never passes through the input buffer or a per-request copy.
import { HttpError } from '../errors.js';
import { ChunkedDecoder, Framing, type Head, type InputBuffer } from './parser.js';

/** The byte stream under an HTTP connection: rt's TcpStream, a TlsStream, anything alike. */
export interface HttpStream {
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number>;
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  /** Optional: a write that never waits (returns how many bytes the socket took). */
  tryWrite?(buf: Uint8Array): number;
  /** Optional: a gather write that never waits (returns how many bytes the socket took). */
  tryWritev?(buffers: readonly Uint8Array[]): number;
  /** Optional: a read that completes now or says -1 (rt's `TcpStream.readNow`). */
  readNow?(buf: Uint8Array): number;
  close(): void;
}

/** The largest chunk a default reader of a body stream gets. */
const CHUNK_SIZE = 64 * 1024;

export class BodyReader {
  readonly #input: InputBuffer;
  readonly #fill: (into?: Uint8Array) => Promise<number>;
  readonly #afterFill: (() => void) | undefined;
  readonly #fillNow: ((into: Uint8Array) => number) | undefined;
  readonly #framing: Framing;
  #remaining: number;
  readonly #decoder: ChunkedDecoder | undefined;
  #received = 0;
  readonly #maxBodySize: number;
  /** The framing is consumed (the last bytes may still wait in `#leftover`). */
  #ended: boolean;
  /** Bytes of the last `next()` chunk a smaller `readInto` view did not take (a view into the input buffer). */
  #leftover: Buffer | undefined;
  /** Whether a read is in flight (the connection must not read the socket meanwhile). */
  reading = false;
  /**
   * Whether the body was handed out as a stream (`request.body`): until that stream ends or
   * is cancelled, the response may still read it (`new Response(request.body)`), so the
   * connection drains the rest only after answering.
   */
  streamed = false;

  /**
   * `fill()` reads more bytes into `input` (and commits them); `fill(into)` reads into `into`
   * instead (bypassing the input buffer); both return the count, 0 at end of stream.
   * `afterFill()`, when given, is called when each `fill` has settled (the server clears its
   * I/O deadline there: `fill` itself then needs no async wrapper). `fillNow(into)`, when
   * given, is a socket read into `into` that completes now (the count, 0 at end of stream) or
   * says -1 (then `fill` is the way); see `readNow`.
   */
  constructor(input: InputBuffer, fill: (into?: Uint8Array) => Promise<number>, head: Head, maxBodySize: number, afterFill?: () => void, fillNow?: (into: Uint8Array) => number) {
    this.#input = input;
    this.#fill = fill;
    this.#afterFill = afterFill;
    this.#fillNow = fillNow;
    this.#framing = head.framing;
    this.#remaining = head.framing === Framing.Length ? head.contentLength : 0;
    this.#decoder = head.framing === Framing.Chunked ? new ChunkedDecoder(maxBodySize) : undefined;
    this.#maxBodySize = maxBodySize;
    this.#ended = head.framing === Framing.None;
  }

  /** Whether every body byte has been handed out. */
  get done(): boolean {
    return this.#ended && this.#leftover === undefined;
  }

  /** Body bytes still expected when the length is known, else -1. */
  get knownRemaining(): number {
    return this.#framing === Framing.Length ? this.#remaining : -1;
  }

  /** The whole rest of a Content-Length body if it is already buffered (no copy), else undefined. */
  takeBuffered(): Buffer | undefined {
    const input = this.#input;
    if (this.#ended || this.#framing !== Framing.Length || input.end - input.start < this.#remaining) return undefined;
    const view = input.buffer.subarray(input.start, input.start + this.#remaining);
    input.start += this.#remaining;
    this.#remaining = 0;
    this.#ended = true;
    return view;
  }

  /**
   * The rest of a Content-Length body in one new ArrayBuffer of exactly its size (what
   * `arrayBuffer()` hands out), or undefined when the body is not one whose rest that can be
   * (chunked, until close, ended, or partly taken by a stream read): use `readAll`. The bytes
   * buffered are copied in, the rest is read from the socket straight into it (a read that
   * completes now first, no promise): one copy, no growth, never a byte of the next request,
   * and one async frame per body. The memory is not zero-filled (every byte is read into it
   * before it is handed out) and is its own (not a slice of Node's pool). `source.bodyDone` is
   * called when the body has been read (with the error when it failed) before the promise
   * settles.
   *
   * **Cancellation:** an abort of the caller's task rejects the pending socket read (and this
   * promise) with `Cancelled`; the body is then failed (`bodyDone(error)`): the connection does
   * not read it as the next request.
   *
   * **Errors:** the socket's error (`NetError`); `HttpError` 400 when the connection closed
   * inside the body.
   */
  readWhole(source?: { bodyDone(error?: unknown): void }): Promise<ArrayBuffer> | undefined {
    if (this.#framing !== Framing.Length || this.#ended || this.#leftover !== undefined) return undefined;
    return this.#readWhole(source);
  }

  async #readWhole(source: { bodyDone(error?: unknown): void } | undefined): Promise<ArrayBuffer> {
    const input = this.#input;
    const total = this.#remaining;
    let out: ArrayBuffer;
    try {
      const first = Buffer.allocUnsafeSlow(total);
      out = first.buffer as ArrayBuffer;
      let offset = Math.min(total, input.end - input.start);
      if (offset > 0) {
        input.buffer.copy(first, 0, input.start, input.start + offset);
        input.start += offset;
        this.#remaining -= offset;
      }
      const fillNow = this.#fillNow;
      while (offset < total) {
        const rest = offset === 0 ? first : new Uint8Array(out, offset);
        // A read that completes now first (no promise), as the light BYOB reader's; 0 (the
        // connection ended) and -1 (nothing there yet) go the awaited way, which says which.
        let n = fillNow === undefined ? -1 : fillNow(rest);
        if (n <= 0) {
          this.reading = true;
          try {
            n = await this.#fill(rest);
          } finally {
            this.#readDone();
          }
          if (n === 0) throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a body');
        }
        offset += n;
        this.#remaining -= n;
      }
    } catch (error) {
      source?.bodyDone(error);
      throw error;
    }
    this.#ended = true;
    source?.bodyDone();
    return out;
  }

  /**
   * The rest of the body in one new buffer that owns its memory: a Content-Length body as
   * `readWhole` reads it (a view of its ArrayBuffer), any other collected and copied into one.
   */
  async readAll(): Promise<Buffer> {
    const whole = this.readWhole();
    if (whole !== undefined) return Buffer.from(await whole);
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
    const leftover = this.#leftover;
    if (leftover !== undefined) {
      this.#leftover = undefined;
      return leftover;
    }
    const input = this.#input;
    for (;;) {
      if (this.#ended) return null;
      switch (this.#framing) {
        case Framing.Length: {
          const n = Math.min(this.#remaining, input.end - input.start);
          if (n > 0) {
            const view = input.buffer.subarray(input.start, input.start + n);
            input.start += n;
            this.#remaining -= n;
            if (this.#remaining === 0) this.#ended = true;
            return view;
          }
          break;
        }
        case Framing.Chunked: {
          const decoder = this.#decoder!;
          const n = decoder.next(input);
          if (decoder.done) this.#ended = true;
          if (n > 0) return input.buffer.subarray(decoder.dataStart, decoder.dataStart + n);
          if (this.#ended) return null;
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
          this.#ended = true;
          return null;
      }
      let got: number;
      this.reading = true;
      try {
        got = await this.#fill();
      } finally {
        this.#readDone();
      }
      if (got === 0) {
        if (this.#framing === Framing.UntilClose) {
          this.#ended = true;
          return null;
        }
        throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a body');
      }
    }
  }

  /**
   * Copies up to `view.length` body bytes into `view` (a BYOB read); returns how many, 0 at
   * the end of the body. A Content-Length body with nothing buffered is read from the socket
   * straight into `view` (never past the body's end: a pipelined request stays in the socket).
   */
  async readInto(view: Uint8Array): Promise<number> {
    if (view.length === 0) return 0;
    const input = this.#input;
    if (this.#framing === Framing.Length && this.#leftover === undefined && !this.#ended) {
      const n = Math.min(this.#remaining, input.end - input.start, view.length);
      if (n > 0) {
        view.set(input.buffer.subarray(input.start, input.start + n));
        input.start += n;
        return this.#took(n);
      }
      // Nothing buffered: straight from the socket (inline: one async frame per read).
      let got: number;
      try {
        got = await this.startDirect(view)!;
      } catch (error) {
        this.failDirect();
        throw error;
      }
      return this.endDirect(got);
    }
    const chunk = await this.next();
    if (chunk === null) return 0;
    if (chunk.length <= view.length) {
      view.set(chunk);
      return chunk.length;
    }
    view.set(chunk.subarray(0, view.length));
    // The rest stays where it is: the input buffer is not compacted until it has been taken.
    this.#leftover = chunk.subarray(view.length);
    return view.length;
  }

  /**
   * The next chunk of body bytes in a new buffer the caller owns (at most 64 KiB), or null at
   * the end: what a default reader of the body stream gets. A Content-Length body with nothing
   * buffered is read from the socket straight into the new buffer (no copy).
   */
  async readChunk(): Promise<Uint8Array | null> {
    const input = this.#input;
    if (this.#framing === Framing.Length && this.#leftover === undefined && !this.#ended && input.end === input.start) {
      // Its own ArrayBuffer (not a slice of Node's pool): the stream transfers it to the reader.
      const out = Buffer.allocUnsafeSlow(Math.min(this.#remaining, CHUNK_SIZE));
      const n = await this.readInto(out);
      return n === out.length ? out : out.subarray(0, n);
    }
    const chunk = await this.next();
    return chunk === null ? null : new Uint8Array(chunk); // a copy: the view is reused
  }

  /**
   * `readChunk` without an async frame, and without a promise when the bytes are there now: a
   * new chunk the caller owns (a plain `Uint8Array`: buffered bytes copied out, or a socket read
   * that completes at once), null at the end of the body, or the promise of either when a
   * socket read must wait (a Content-Length body is read straight into the new chunk, never
   * past the body's end). What the body stream's default reads and its async iterator take.
   *
   * **Errors:** the socket's error (`NetError`) is thrown, or rejects the promise; `HttpError`
   * 400 when the connection closed inside the body, 413 past `limits.maxBodySize`.
   */
  chunk(): Uint8Array | null | Promise<Uint8Array | null> {
    if (this.done) return null;
    const input = this.#input;
    if (this.#framing !== Framing.Length || this.#leftover !== undefined || this.#ended || this.reading) return this.readChunk();
    const buffered = Math.min(this.#remaining, input.end - input.start);
    if (buffered > 0) {
      const copy = new Uint8Array(input.buffer.subarray(input.start, input.start + buffered)); // the view is reused
      input.start += buffered;
      this.#took(buffered);
      return copy;
    }
    const size = Math.min(this.#remaining, CHUNK_SIZE);
    // Not zero-filled, and its own ArrayBuffer (not a slice of Node's pool: a platform stream
    // transfers it to its reader).
    const out = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
    const fillNow = this.#fillNow;
    const now = fillNow === undefined ? -1 : fillNow(out);
    if (now > 0) return this.#took(now) === size ? out : out.subarray(0, now);
    // 0 (the connection ended) or -1 (nothing there yet): the awaited read says which.
    this.reading = true;
    return this.#fill(out).then(
      (n) => (this.endDirect(n) === size ? out : out.subarray(0, n)),
      (error: unknown) => {
        this.#readDone();
        throw error;
      },
    );
  }

  /**
   * The light BYOB reader's fast path, without `readInto`'s async frame (one promise and one
   * reaction less per read): when a Content-Length body has nothing buffered, starts the socket
   * read straight into `view` (never past the body's end) and returns its promise, whose
   * result the caller must pass to `endDirect` (or, when it rejects, call `failDirect`);
   * otherwise returns undefined (use `readInto`).
   */
  startDirect(view: Uint8Array): Promise<number> | undefined {
    const input = this.#input;
    if (view.length === 0 || this.#framing !== Framing.Length || this.#leftover !== undefined || this.#ended || input.end > input.start) return undefined;
    this.reading = true;
    return this.#fill(view.length > this.#remaining ? view.subarray(0, this.#remaining) : view);
  }

  /**
   * A BYOB read that completes now, without a promise: when a Content-Length body has bytes
   * buffered, or the socket read straight into `view` (never past the body's end) completes at
   * once, returns how many bytes `view` got; else -1 (use `startDirect` or `readInto`, which
   * also report the end of the body and a connection that closed inside it).
   *
   * **Errors:** the socket's error (`NetError`), as `readInto` would reject with it.
   */
  readNow(view: Uint8Array): number {
    const input = this.#input;
    if (view.length === 0 || this.reading || this.#framing !== Framing.Length || this.#leftover !== undefined || this.#ended) return -1;
    const buffered = Math.min(this.#remaining, input.end - input.start, view.length);
    const fillNow = this.#fillNow;
    if (buffered > 0) {
      view.set(input.buffer.subarray(input.start, input.start + buffered));
      // The rest of the view from the socket in the same read, when the buffered bytes were all
      // there was (the body bytes a head read took): one read of the handler's less per body.
      // `room` (the view, cut at the body's end) exceeds `buffered` only when the input had
      // fewer bytes than both, that is when the copy empties it. Nothing is taken before the
      // socket read: its error fails this read with the buffered bytes still there.
      const room = Math.min(view.length, this.#remaining);
      const more = room > buffered && fillNow !== undefined ? fillNow(view.subarray(buffered, room)) : -1;
      input.start += buffered;
      return this.#took(more > 0 ? buffered + more : buffered);
    }
    if (fillNow === undefined) return -1;
    const n = fillNow(view.length > this.#remaining ? view.subarray(0, this.#remaining) : view);
    return n > 0 ? this.#took(n) : -1; // 0: the connection ended inside the body, said by the async read
  }

  /** Settles a `startDirect` read that gave `n` bytes; returns `n`. **Errors:** HttpError 400 when the connection closed (n = 0). */
  endDirect(n: number): number {
    this.#readDone();
    if (n === 0) throw new HttpError(400, 'ERR_RT_HTTP_INCOMPLETE', 'the connection closed in the middle of a body');
    return this.#took(n);
  }

  /** Settles a `startDirect` read that failed. */
  failDirect(): void {
    this.#readDone();
  }

  /** The end of every socket read of the body (direct or not): not reading, the I/O deadline cleared. */
  #readDone(): void {
    this.reading = false;
    this.#afterFill?.();
  }

  /** `n` bytes of a Content-Length body taken: returns `n`. */
  #took(n: number): number {
    this.#remaining -= n;
    if (this.#remaining === 0) this.#ended = true;
    return n;
  }

  /**
   * Puts bytes read from this body back in front of the unread rest (a copy the caller gave
   * up: a BYOB read that completed after its reader was released); the next read returns them
   * first.
   */
  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const leftover = this.#leftover;
    this.#leftover = leftover === undefined ? Buffer.from(bytes) : Buffer.concat([bytes, leftover]);
  }
}
