// RESP2 replies, encoded into one growable buffer per connection: every reply of a pipelined
// batch lands there and the connection writes the lot with one `writeAll`. Common replies
// are pre-encoded constants; nothing is allocated per reply unless the buffer must grow.

import { plainBytes } from './plain-bytes.js';

const OK = Buffer.from('+OK\r\n');
const PONG = Buffer.from('+PONG\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const SMALL_INTEGERS = Array.from({ length: 16 }, (_, i) => Buffer.from(`:${i - 2}\r\n`));

/** Encodes RESP2 replies into one buffer; see the file comment. */
export class ReplyWriter {
  #buffer: Buffer;
  /** `#buffer` as a plain Uint8Array: its `subarray` is the engine's, much cheaper than Buffer's. */
  #bytes: Uint8Array;
  #length = 0;

  constructor(initialCapacity = 16 * 1024) {
    this.#buffer = Buffer.allocUnsafe(initialCapacity);
    this.#bytes = plainBytes(this.#buffer);
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.#length;
  }

  /** The encoded bytes (a view, valid until the next write into this writer). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Forgets the encoded bytes (after they were written to the socket). */
  clear(): void {
    this.#length = 0;
    if (this.#buffer.length > 1024 * 1024) {
      this.#buffer = Buffer.allocUnsafe(16 * 1024);
      this.#bytes = plainBytes(this.#buffer);
    }
  }

  /** The encoded bytes as a string (tests). */
  toString(): string {
    return this.#buffer.toString('latin1', 0, this.#length);
  }

  #reserve(n: number): void {
    const need = this.#length + n;
    if (need <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
    this.#bytes = plainBytes(grown);
  }

  #raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #ascii(text: string): void {
    this.#reserve(text.length);
    this.#length += this.#buffer.write(text, this.#length, 'latin1');
  }

  ok(): void {
    this.#raw(OK);
  }

  pong(): void {
    this.#raw(PONG);
  }

  /** `+text` (text must not contain CR or LF). */
  simple(text: string): void {
    this.#ascii(`+${text}\r\n`);
  }

  /** `-text`; `text` starts with the error kind (`ERR …`, `WRONGTYPE …`). */
  error(text: string): void {
    this.#ascii(`-${text.replace(/[\r\n]+/g, ' ')}\r\n`);
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && n >= -2 && n < 14 && Number.isInteger(n)) this.#raw(SMALL_INTEGERS[n + 2]!);
    else this.#ascii(`:${n}\r\n`);
  }

  /** `$len\r\n<bytes>\r\n`, or the null bulk string for `null`. */
  bulk(bytes: Uint8Array | null): void {
    if (bytes === null) {
      this.#raw(NULL_BULK);
      return;
    }
    this.#reserve(bytes.length + 16);
    this.#length += this.#buffer.write(`$${bytes.length}\r\n`, this.#length, 'latin1');
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
    this.#buffer[this.#length++] = 13;
    this.#buffer[this.#length++] = 10;
  }

  /** A bulk string from a latin1 string (one byte per char, as keys are stored). */
  bulkString(text: string): void {
    this.#reserve(text.length + 16);
    this.#length += this.#buffer.write(`$${text.length}\r\n`, this.#length, 'latin1');
    this.#length += this.#buffer.write(text, this.#length, 'latin1');
    this.#buffer[this.#length++] = 13;
    this.#buffer[this.#length++] = 10;
  }

  nullBulk(): void {
    this.#raw(NULL_BULK);
  }

  nullArray(): void {
    this.#raw(NULL_ARRAY);
  }

  /** `*n\r\n`, followed by n replies. */
  arrayHeader(n: number): void {
    this.#ascii(`*${n}\r\n`);
  }
}
