import { throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncBufRead, AsyncRead } from './async-read.js';
import { InvalidData, ResourceBusy } from './io-error.js';
import { Lines, type LinesOptions } from './lines.js';
import { readSegment, Segment } from './internal/read-segment.js';
import { checkBuffer, checkReader, checkSize, describe } from './internal/validate.js';

/**
 * Options of `BufReader`.
 *
 * **Cancellation:** not applicable (sizes only).
 *
 * **Errors:** `RangeError` from the constructor for a `capacity` < 1 or a negative `maxLineLength`.
 *
 * **Example**
 * ```ts
 * new BufReader(socket, { capacity: 16 * 1024, maxLineLength: 8 * 1024 });
 * ```
 */
export interface BufReaderOptions {
  /** Size of the internal buffer in bytes (default 8 KiB). */
  capacity?: number;
  /**
   * Longest segment, in bytes before the delimiter, that `readUntil`, `readLine` and
   * `lines()` will gather before failing with `LineTooLong` (default: unlimited). Set it
   * whenever the peer is not trusted.
   */
  maxLineLength?: number;
}

const DEFAULT_CAPACITY = 8 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** @internal */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new InvalidData(`${what}: line is not valid UTF-8`, { cause: error });
  }
}

/**
 * Adds a buffer to any reader, so small reads do not each reach the inner stream, and
 * gives it `fillBuf`/`consume`, `readUntil`, `readLine` and `lines()` (Tokio's
 * `BufReader` with `AsyncBufReadExt`).
 *
 * `read(buf)` serves bytes from the buffer; when the buffer is empty and `buf` is at
 * least `capacity` bytes, it reads straight into `buf` (no copy). The buffer is allocated
 * once, in the constructor.
 *
 * One operation at a time: a second call while one is pending rejects with
 * `ResourceBusy` (Tokio guarantees this with `&mut self`).
 *
 * **Cancellation:** `read` and `fillBuf` are cancel safe (they consume nothing until they
 * resolve). `readUntil` and `readLine` are not: bytes taken from the stream before the
 * abort are lost (the delimiter was not reached yet, so a partial segment is dropped).
 * `lines().nextLine()` is cancel safe: the partial line is kept in the `Lines` object and
 * the next call continues it.
 *
 * **Errors:** errors of the inner reader; `LineTooLong` when a segment outgrows
 * `maxLineLength`; `InvalidData` for a line that is not UTF-8 (`readLine`);
 * `ResourceBusy` for overlapping calls; `TypeError`/`RangeError` for bad arguments;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const reader = new BufReader(socket, { maxLineLength: 8 * 1024 });
 * for await (const line of reader.lines()) console.log(line);
 * ```
 */
export class BufReader implements AsyncBufRead {
  readonly #inner: AsyncRead;
  readonly #buf: Uint8Array;
  readonly #maxLineLength: number;
  #pos = 0;
  #filled = 0;
  #busy = false;
  /** Delimiter whose too-long segment is being skipped (readUntil/readLine), or -1. */
  #skipping = -1;

  constructor(inner: AsyncRead, options?: BufReaderOptions) {
    checkReader(inner, 'BufReader: inner');
    const capacity = options?.capacity ?? DEFAULT_CAPACITY;
    checkSize(capacity, 'BufReader: options.capacity', 1);
    const max = options?.maxLineLength ?? Number.MAX_SAFE_INTEGER;
    checkSize(max, 'BufReader: options.maxLineLength', 0);
    this.#inner = inner;
    this.#buf = new Uint8Array(capacity);
    this.#maxLineLength = max;
  }

  /** The wrapped reader. Reading from it directly skips the buffered bytes. */
  get inner(): AsyncRead {
    return this.#inner;
  }

  /** Size of the internal buffer. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** The bytes buffered and not yet consumed (a view, valid until the next call). */
  get buffer(): Uint8Array {
    return this.#buf.subarray(this.#pos, this.#filled);
  }

  /** The `maxLineLength` option (`Number.MAX_SAFE_INTEGER` when unlimited). */
  get maxLineLength(): number {
    return this.#maxLineLength;
  }

  /**
   * Copies buffered bytes into `buf`, filling the buffer from the inner reader first if it
   * is empty (or reading straight into a `buf` of at least `capacity` bytes).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** those of the inner reader; `ResourceBusy`; `Cancelled`.
   */
  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'BufReader.read: buf');
    this.#enter('read');
    try {
      if (buf.length === 0) {
        throwIfCancelled(options);
        return 0;
      }
      if (this.#pos >= this.#filled && buf.length >= this.#buf.length) {
        return await this.#inner.read(buf, options);
      }
      const available = await this.#fill(options);
      const n = Math.min(available.length, buf.length);
      buf.set(n === available.length ? available : available.subarray(0, n), 0);
      this.#pos += n;
      return n;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Resolves with the buffered bytes, reading once from the inner reader if none are left;
   * an empty view means end of stream. The view is valid until the next call.
   *
   * **Cancellation:** cancel safe: nothing is consumed until `consume`.
   *
   * **Errors:** those of the inner reader; `ResourceBusy`; `Cancelled`.
   */
  async fillBuf(options?: WaitOptions): Promise<Uint8Array> {
    this.#enter('fillBuf');
    try {
      return await this.#fill(options);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Marks the first `amount` buffered bytes as read.
   *
   * **Errors:** `RangeError` unless `0 <= amount <= buffer.length`.
   */
  consume(amount: number): void {
    const buffered = this.#filled - this.#pos;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0 || amount > buffered) {
      throw new RangeError(`BufReader.consume: amount must be an integer from 0 to ${buffered} (the buffered bytes), got ${describe(amount)}`);
    }
    this.#pos += amount;
  }

  /**
   * Reads up to and including `delimiter` (a byte value), or to end of stream, and
   * resolves with those bytes in a new `Buffer` (empty at end of stream). Tokio's
   * `read_until`.
   *
   * **Cancellation:** not cancel safe: the bytes already taken from the stream are lost.
   * Use `lines()` for a cancel-safe line reader.
   *
   * **Errors:** `LineTooLong` when more than `maxLineLength` bytes come before the
   * delimiter: the bytes seen are dropped, and the rest of that segment is skipped by the
   * next `readUntil`/`readLine` with the same delimiter; `RangeError` for a delimiter that
   * is not a byte; errors of the inner reader; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const record = await reader.readUntil(0); // NUL-terminated
   * ```
   */
  async readUntil(delimiter: number, options?: WaitOptions): Promise<Buffer> {
    if (typeof delimiter !== 'number' || !Number.isInteger(delimiter) || delimiter < 0 || delimiter > 255) {
      throw new RangeError(`BufReader.readUntil: delimiter must be a byte value from 0 to 255, got ${describe(delimiter)}`);
    }
    this.#enter('readUntil');
    const segment = new Segment();
    segment.skipping = this.#skipping === delimiter;
    try {
      await readSegment(this.#self, delimiter, this.#maxLineLength, segment, options);
      return segment.drain();
    } finally {
      this.#skipping = segment.skipping ? delimiter : -1;
      this.#busy = false;
    }
  }

  /**
   * Reads one line, up to and including `\n` (or to end of stream), and resolves with it
   * decoded as UTF-8, terminator included; `''` at end of stream. Tokio's `read_line`.
   *
   * **Cancellation:** not cancel safe: the part of the line already read is lost. Use
   * `lines()` (cancel safe) in `select`-style code.
   *
   * **Errors:** `LineTooLong` past `maxLineLength` (the line is skipped, as for
   * `readUntil`); `InvalidData` if the line is not UTF-8 (it is consumed); errors of the
   * inner reader; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const line = await reader.readLine(); // 'hello\n'
   * ```
   */
  async readLine(options?: WaitOptions): Promise<string> {
    const bytes = await this.readUntil(0x0a, options);
    return bytes.length === 0 ? '' : decodeUtf8(bytes, 'BufReader.readLine');
  }

  /**
   * Returns a `Lines` reader over this buffer: `nextLine()` and `for await` yield lines
   * without their `\n` or `\r\n` (Tokio's `lines()`), limited by this reader's
   * `maxLineLength`.
   *
   * **Cancellation:** `nextLine` is cancel safe (see `Lines`).
   *
   * **Errors:** see `Lines`.
   *
   * **Example**
   * ```ts
   * for await (const line of new BufReader(socket).lines()) console.log(line);
   * ```
   */
  lines(options?: LinesOptions): Lines {
    return new Lines(this, { maxLineLength: this.#maxLineLength, ...options });
  }

  /** fillBuf/consume without the busy check, for the segment loop running inside a call. */
  readonly #self: AsyncBufRead = {
    read: (buf, options) => this.#inner.read(buf, options),
    fillBuf: (options) => this.#fill(options),
    consume: (amount) => this.consume(amount),
  };

  #enter(method: string): void {
    if (this.#busy) throw new ResourceBusy(`BufReader.${method}: another operation is in progress on this reader`);
    this.#busy = true;
  }

  async #fill(options: WaitOptions | undefined): Promise<Uint8Array> {
    if (this.#pos >= this.#filled) {
      const n = await this.#inner.read(this.#buf, options);
      this.#pos = 0;
      this.#filled = n;
    }
    return this.#buf.subarray(this.#pos, this.#filled);
  }
}
