// The RESP2 request parser: turns the bytes a client sent into commands (arrays of
// binary-safe arguments), the way Redis's `processMultibulkBuffer`/`processInlineBuffer` do.
//
// How and why:
// - The socket reads straight into the parser's buffer (`spare()` then `commit(n)`), so a
//   request is never copied on its way in. `next()` parses one complete command and
//   exposes its arguments as (start, end) offsets into that buffer; `string(i)` and
//   `bytes(i)` read them without copying the rest. Offsets stay valid until the next
//   `spare()`, which may compact the buffer (every command before it has been executed).
// - Pipelining: `next()` is called until it returns -1, so every complete command in the
//   buffer is executed before the next read and the replies go out in one write.
// - Bounded memory: a declared length above `maxBulkLength` (512 MiB, as Redis's
//   `proto-max-bulk-len`), an argument count above `maxArrayLength`, a length line or an
//   inline command longer than `maxInlineLength` are protocol errors raised as soon as the
//   header is read, before anything is buffered for them. So the buffer never holds more
//   than one incomplete command, and that command's size is bounded by the caps
//   (`maxBufferedBytes`, default 1 GiB like Redis's `client-query-buffer-limit`, is the
//   last guard).
// - A command arriving in many small reads is not rescanned from its start each time:
//   `#needed` remembers how many bytes the last attempt lacked.

import { plainBytes } from './plain-bytes.js';

/** Limits of a {@link RespParser}; every one has Redis's default. */
export interface RespLimits {
  /** Largest bulk string (one argument) in bytes; default 512 MiB. */
  readonly maxBulkLength?: number;
  /** Most arguments in one command; default 1024 * 1024. */
  readonly maxArrayLength?: number;
  /** Longest inline command or header line in bytes; default 64 KiB. */
  readonly maxInlineLength?: number;
  /** Most bytes buffered for one incomplete command; default 1 GiB. */
  readonly maxBufferedBytes?: number;
}

/**
 * A malformed or oversized request. The server replies `-ERR Protocol error: …` and closes
 * the connection, as Redis does.
 */
export class ProtocolError extends Error {
  readonly code = 'ERR_RT_REDIS_PROTOCOL';

  constructor(detail: string) {
    super(`Protocol error: ${detail}`);
    this.name = 'ProtocolError';
  }
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const INITIAL_CAPACITY = 16 * 1024;
const MIN_READ = 4 * 1024;

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`RespParser: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * A set of upper-case command names (letters only, up to 15) that `RespParser.upper(i, names)`
 * recognises in any case without making a string: on a pipelined server the command name is
 * read once per command, and a latin1 string plus `toUpperCase()` per command was a visible
 * part of its cost.
 */
export class NameTable {
  /** Candidates by (length, first letter): slot `length * 32 + (letter & 31)`. */
  readonly #slots: (string[] | undefined)[] = new Array<string[] | undefined>(16 * 32);

  constructor(names: Iterable<string>) {
    for (const name of names) {
      if (typeof name !== 'string' || !/^[A-Z]{1,15}$/.test(name)) {
        throw new TypeError(`NameTable: a name must be 1 to 15 upper-case letters, got ${JSON.stringify(name)}`);
      }
      const slot = (name.length << 5) | (name.charCodeAt(0) & 31);
      const candidates = (this.#slots[slot] ??= []);
      if (!candidates.includes(name)) candidates.push(name);
    }
  }

  /** The name `buffer[start, end)` spells in any case, or undefined. */
  find(buffer: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    if (length < 1 || length > 15) return undefined;
    const candidates = this.#slots[(length << 5) | (buffer[start]! & 31)];
    if (candidates === undefined) return undefined;
    next: for (const name of candidates) {
      // `& 0xdf` upper-cases a letter and leaves every other byte unequal to one.
      for (let i = 0; i < length; i++) if ((buffer[start + i]! & 0xdf) !== name.charCodeAt(i)) continue next;
      return name;
    }
    return undefined;
  }
}

/** Incremental RESP2 parser with bounded buffering; see the file comment. */
export class RespParser {
  readonly maxBulkLength: number;
  readonly maxArrayLength: number;
  readonly maxInlineLength: number;
  readonly maxBufferedBytes: number;

  #buffer: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  /** `#buffer` as a plain Uint8Array: its `subarray` is the engine's, cheaper than Buffer's. */
  #bytes: Uint8Array = plainBytes(this.#buffer);
  #start = 0;
  #end = 0;
  #needed = 0;
  #argc = 0;
  #attached = false;
  #starts: Int32Array = new Int32Array(16);
  #ends: Int32Array = new Int32Array(16);

  constructor(limits: RespLimits = {}) {
    this.maxBulkLength = checkLimit('maxBulkLength', limits.maxBulkLength, 512 * 1024 * 1024);
    this.maxArrayLength = checkLimit('maxArrayLength', limits.maxArrayLength, 1024 * 1024);
    this.maxInlineLength = checkLimit('maxInlineLength', limits.maxInlineLength, 64 * 1024);
    this.maxBufferedBytes = checkLimit('maxBufferedBytes', limits.maxBufferedBytes, 1024 * 1024 * 1024);
  }

  /** Bytes received and not yet consumed by a parsed command. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The buffer's capacity (what this connection holds in memory for requests). */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** Number of arguments of the command `next()` returned last. */
  get argc(): number {
    return this.#argc;
  }

  /**
   * Free space to read into. Compacts the buffer first (so arguments of earlier commands
   * become invalid) and grows it when the incomplete command needs more room.
   */
  spare(): Buffer {
    if (this.#attached) throw new Error('RespParser.spare: this parser reads from attached storage');
    const pending = this.#end - this.#start;
    if (this.#start > 0) {
      if (pending > 0) this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#start = 0;
      this.#end = pending;
    }
    const want = Math.max(this.#needed, pending + MIN_READ);
    if (want > this.#buffer.length) {
      let size = this.#buffer.length;
      while (size < want) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, Math.max(want, this.maxBufferedBytes + MIN_READ)));
      this.#buffer.copy(grown, 0, 0, pending);
      this.#buffer = grown;
      this.#bytes = plainBytes(grown);
    } else if (pending === 0 && this.#buffer.length > 4 * INITIAL_CAPACITY) {
      // A big command came and went: give its memory back.
      this.#buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
      this.#bytes = plainBytes(this.#buffer);
    }
    return this.#end === 0 ? this.#buffer : this.#buffer.subarray(this.#end);
  }

  /** Declares that `n` bytes were written at the start of the last `spare()`. */
  commit(n: number): void {
    if (!Number.isInteger(n) || n < 0 || this.#end + n > this.#buffer.length) {
      throw new RangeError(`RespParser.commit: ${String(n)} bytes do not fit the spare space`);
    }
    this.#end += n;
  }

  /**
   * Parses out of storage the caller owns instead of the parser's own buffer (the
   * {@link RespCodec} points it at its `BytesMut`): `buffer[start, end)` are the bytes not
   * yet consumed, the front one first. `next()` then parses from there and `offset` tells
   * where it stopped. A parser once attached must not be read into (`spare`, `push`).
   */
  attach(buffer: Buffer, start: number, end: number): void {
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#bytes = plainBytes(buffer);
    }
    this.#start = start;
    this.#end = end;
    this.#attached = true;
  }

  /** Where the next command starts in the parser's buffer (after a `next()` that returned ≥ 0, the end of that command). */
  get offset(): number {
    return this.#start;
  }

  /** Copies `chunk` in (for tests and callers that already have the bytes). */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const spare = this.spare();
      const n = Math.min(spare.length, chunk.length - offset);
      spare.set(chunk.subarray(offset, offset + n));
      this.commit(n);
      offset += n;
    }
  }

  /**
   * Parses the next complete command and returns its argument count (read them with
   * `string(i)`/`bytes(i)`), 0 for an empty command to skip, or -1 when more bytes are
   * needed.
   *
   * Errors: {@link ProtocolError} for a malformed or oversized request; the parser is then
   * unusable (the connection must be closed).
   */
  next(): number {
    const available = this.#end - this.#start;
    if (available === 0 || available < this.#needed) return -1;
    const argc = this.#buffer[this.#start] === STAR ? this.#multibulk() : this.#inline();
    if (argc >= 0) this.#needed = 0;
    else if (this.#end - this.#start > this.maxBufferedBytes) {
      throw new ProtocolError(`request larger than ${this.maxBufferedBytes} bytes`);
    }
    return argc;
  }

  /** Argument `i` of the last command, as a latin1 string (one char per byte: binary safe). */
  string(i: number): string {
    return this.#buffer.toString('latin1', this.#starts[i]!, this.#ends[i]!);
  }

  /** Argument `i` of the last command, as a view into the parser's buffer (not a copy). */
  bytes(i: number): Buffer {
    return this.#buffer.subarray(this.#starts[i]!, this.#ends[i]!);
  }

  /**
   * A copy of argument `i` in a Buffer of its own (what the keyspace keeps); cheaper than
   * `Buffer.from(bytes(i))`, which makes a Buffer view first.
   */
  copy(i: number): Buffer {
    const start = this.#starts[i]!;
    const end = this.#ends[i]!;
    const copy = Buffer.allocUnsafe(end - start);
    copy.set(this.#bytes.subarray(start, end));
    return copy;
  }

  /** Length of argument `i` in bytes. */
  length(i: number): number {
    return this.#ends[i]! - this.#starts[i]!;
  }

  /**
   * Argument `i` upper-cased (command names, options); a name of `known` comes from the
   * table without making a string.
   */
  upper(i: number, known?: NameTable): string {
    if (known !== undefined) {
      const name = known.find(this.#buffer, this.#starts[i]!, this.#ends[i]!);
      if (name !== undefined) return name;
    }
    return this.string(i).toUpperCase();
  }

  /** Every argument of the last command as strings (tests, debugging). */
  args(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#argc; i++) out.push(this.string(i));
    return out;
  }

  #setArgument(index: number, start: number, end: number): void {
    if (index >= this.#starts.length) {
      const size = Math.min(this.#starts.length * 2, this.maxArrayLength) || 1;
      const starts = new Int32Array(Math.max(size, index + 1));
      const ends = new Int32Array(starts.length);
      starts.set(this.#starts);
      ends.set(this.#ends);
      this.#starts = starts;
      this.#ends = ends;
    }
    this.#starts[index] = start;
    this.#ends[index] = end;
  }

  /**
   * Reads a `<prefix><integer>\r\n` line at `at`; returns the integer and sets
   * `#lineEnd`, or returns undefined when the line is incomplete.
   */
  #lineEnd = 0;
  #integerLine(at: number, what: string): number | undefined {
    const buffer = this.#buffer;
    const end = this.#end;
    const limit = Math.min(end, at + 1 + this.maxInlineLength);
    let i = at + 1;
    let negative = false;
    if (i < limit && buffer[i] === 45 /* - */) {
      negative = true;
      i++;
    }
    const digitsStart = i;
    let value = 0;
    for (; i < limit; i++) {
      const c = buffer[i]!;
      if (c === CR) break;
      if (c < 48 || c > 57) throw new ProtocolError(`invalid ${what} length`);
      value = value * 10 + (c - 48);
      if (value > Number.MAX_SAFE_INTEGER) throw new ProtocolError(`invalid ${what} length`);
    }
    if (i === limit) {
      if (limit < end || i - at > this.maxInlineLength) throw new ProtocolError(`too big ${what} count string`);
      this.#needed = i - this.#start + 2;
      return undefined;
    }
    if (i + 1 >= end) {
      this.#needed = i - this.#start + 2;
      return undefined;
    }
    if (buffer[i + 1] !== LF || i === digitsStart) throw new ProtocolError(`invalid ${what} length`);
    this.#lineEnd = i + 2;
    return negative ? -value : value;
  }

  #multibulk(): number {
    const count = this.#integerLine(this.#start, 'multibulk');
    if (count === undefined) return -1;
    if (count > this.maxArrayLength) throw new ProtocolError('invalid multibulk length');
    let at = this.#lineEnd;
    if (count <= 0) {
      // `*0` and `*-1` are empty commands: Redis skips them.
      this.#start = at;
      this.#argc = 0;
      return 0;
    }
    const buffer = this.#buffer;
    for (let index = 0; index < count; index++) {
      if (at >= this.#end) {
        this.#needed = at - this.#start + 1;
        return -1;
      }
      if (buffer[at] !== DOLLAR) {
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(buffer[at]!)}'`);
      }
      const length = this.#integerLine(at, 'bulk');
      if (length === undefined) return -1;
      if (length < 0 || length > this.maxBulkLength) throw new ProtocolError('invalid bulk length');
      const dataStart = this.#lineEnd;
      const dataEnd = dataStart + length;
      if (dataEnd + 2 > this.#end) {
        this.#needed = dataEnd + 2 - this.#start;
        return -1;
      }
      if (buffer[dataEnd] !== CR || buffer[dataEnd + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
      this.#setArgument(index, dataStart, dataEnd);
      at = dataEnd + 2;
    }
    this.#start = at;
    this.#argc = count;
    return count;
  }

  /** An inline command (`PING\r\n`, as telnet and `nc` send): arguments split on spaces. */
  #inline(): number {
    const buffer = this.#buffer;
    const newline = buffer.indexOf(LF, this.#start);
    if (newline < 0 || newline >= this.#end) {
      if (this.#end - this.#start > this.maxInlineLength) throw new ProtocolError('too big inline request');
      this.#needed = this.#end - this.#start + 1;
      return -1;
    }
    if (newline - this.#start > this.maxInlineLength) throw new ProtocolError('too big inline request');
    let lineEnd = newline;
    if (lineEnd > this.#start && buffer[lineEnd - 1] === CR) lineEnd--;
    let argc = 0;
    let i = this.#start;
    while (i < lineEnd) {
      while (i < lineEnd && (buffer[i] === 32 || buffer[i] === 9)) i++;
      if (i === lineEnd) break;
      const start = i;
      while (i < lineEnd && buffer[i] !== 32 && buffer[i] !== 9) i++;
      if (argc >= this.maxArrayLength) throw new ProtocolError('invalid multibulk length');
      this.#setArgument(argc++, start, i);
    }
    this.#start = newline + 1;
    this.#argc = argc;
    return argc;
  }
}
