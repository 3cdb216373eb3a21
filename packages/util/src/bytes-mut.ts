// A growable byte buffer that hands out frames from its front without copying them (the
// `bytes` crate's BytesMut, as Tokio's codecs use it).
//
// How it works: the live bytes are `storage[start, end)`; bytes are appended at `end` and
// consumed at `start`. Consuming is O(1): `advance(n)` moves `start`, `splitTo(n)` returns
// the view `storage[start, start + n)` and moves `start` past it, so a decoded frame is
// the bytes that came off the socket, with no copy.
//
// Invariant that keeps handed-out frames valid: once a view of the storage has been given
// away (`splitTo`, `split`), the storage before `start` is never written again. The storage
// is then a slab (as Node's Buffer pool, or a `bytes::BytesMut` whose frames are still
// alive): reads go on filling its tail and frames are cut from it, and when the tail cannot
// hold what is needed the buffer starts a fresh slab and moves only its live bytes (the
// partial frame) there; the old slab stays alive as long as the frames that view it. Slabs
// double from 8 KiB with each one started, up to SLAB_MAX, so a connection that reads little
// keeps small slabs and a busy one allocates once per many frames. Room needed above
// OWN_STORAGE_MIN with no live bytes (a large frame reserved ahead) gets a storage of exactly
// that size of its own instead, so a large frame neither wastes a slab's tail nor is copied
// into one more than once; live bytes of a partial frame move to a slab (or, above SLAB_MAX,
// to exactly what is needed).
// The memory trade: a kept frame keeps its whole slab alive (at most SLAB_MAX, or its own
// storage); copy a frame (`frame.slice()`) that is kept long while the stream goes on.
// Without a view given away the buffer compacts in place (`copyWithin`) when at least half of
// the storage is free, else it grows by doubling. Either way a byte is copied O(1) times
// amortised. The storage is a plain Uint8Array (not a Buffer), and the views handed out are
// made with `new Uint8Array(arrayBuffer, offset, length)`, which the optimizing compiler
// inlines: about 16 ns a view against 28 for `Uint8Array.prototype.subarray` (a builtin call)
// and 41 for Buffer's `subarray`.
import { checkInteger, describe } from './internal/validate.js';

const utf8 = new TextEncoder();
const MIN_CAPACITY = 64;
/** First slab a buffer that handed out views starts afresh with; each next one is twice the last. */
const SLAB_MIN = 8 * 1024;
/**
 * Largest slab (see the top of the file): what one kept frame can keep alive at most. Measured
 * (callgrind, 121 B echo over a socket): a 256 KiB cap cost ~3,000 more instructions per frame
 * than 64 KiB (25,352 against 22,196).
 */
const SLAB_MAX = 64 * 1024;
/** Room needed above this (a frame of more than a quarter slab) gets storage of its own. */
const OWN_STORAGE_MIN = SLAB_MAX / 4;
const EMPTY = new Uint8Array(0);
/** Largest value `putUint` writes without BigInt, by size (sizes 1 to 6; else -1: the slow path). */
const UINT_MAX: readonly number[] = [-1, 2 ** 8 - 1, 2 ** 16 - 1, 2 ** 24 - 1, 2 ** 32 - 1, 2 ** 40 - 1, 2 ** 48 - 1, -1, -1];

/**
 * The RangeError of a length out of `[0, max]`. Out of line, so that the methods that check a
 * length (`advance`, `splitTo`, `commit`: once or twice per frame) stay small enough for the
 * optimizing compiler to inline them into their callers.
 */
function outOfRange(what: string, max: number, n: unknown): RangeError {
  return new RangeError(`${what} must be an integer from 0 to ${max}, got ${describe(n)}`);
}

/**
 * Uninitialised storage as a plain Uint8Array (not a Buffer): its `subarray` is the engine's
 * own, several times cheaper per frame than Buffer's.
 */
function allocate(size: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
}

/**
 * A growable byte buffer with a cheap front: the buffer every codec decodes from and
 * encodes into. Tokio's `BytesMut`.
 *
 * - Read side: `length`, `at(i)`, `indexOf(byte, from)`, `chunk()` (a view of the live
 *   bytes, valid until the next change), `advance(n)` (discard), `splitTo(n)` and `split()`
 *   (take bytes from the front as a `Uint8Array` that shares the storage: no copy).
 * - Write side: `put(bytes)`, `putString(text)` (UTF-8), `putUint(value, size, littleEndian)`,
 *   or, to read straight into it, `spare(min)` (a writable view past the live bytes) then
 *   `commit(n)`. `reserve(n)` makes room for `n` more bytes ahead of time.
 *
 * A view returned by `splitTo`/`split` stays valid and unchanged for as long as it is kept:
 * the buffer never writes over storage it has given away.
 *
 * **Memory:** once views have been handed out, the buffer cuts them from slabs that double
 * from 8 KiB up to 64 KiB as the stream goes on, and a view keeps its whole slab alive (as a
 * small Node Buffer keeps its pool alive): copy (`slice()`) a small frame that is kept long
 * while the stream goes on. Room for more than 16 KiB (a large frame) reserved while the
 * buffer is empty is a storage of its own instead, of exactly the size needed. When a slab's
 * tail cannot hold what is needed, only the live bytes (a partial frame) move to the next one.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `RangeError` for lengths out of range (`advance(5)` with 4 bytes); `TypeError`
 * for a `put` of something that is not a Uint8Array.
 *
 * **Example**
 * ```ts
 * const buf = new BytesMut();
 * buf.putString('hello\nworld');
 * const newline = buf.indexOf(0x0a);
 * const line = buf.splitTo(newline); // 'hello', no copy
 * buf.advance(1); // drop the '\n'
 * console.log(buf.length); // 5 ('world')
 * ```
 */
export class BytesMut {
  #storage: Uint8Array;
  /** `storage.buffer` (storage starts at its offset 0): views are made with `new Uint8Array(buffer, at, n)`, cheaper than `subarray`. */
  #arrayBuffer: ArrayBufferLike;
  #start = 0;
  #end = 0;
  /** True once a view of `storage` was handed out: never write before `start` again. */
  #shared = false;
  /** Bytes taken from the front for the last view handed out, with those discarded before it (its header): `spare` makes room for one more frame of that size. */
  #lastSplit = 0;
  /** Bytes discarded (`advance`) since the last view handed out, while the buffer held more (reset when it empties). */
  #advanced = 0;

  constructor(capacity = 0) {
    checkInteger(capacity, 'BytesMut(capacity)', 0);
    this.#storage = capacity === 0 ? EMPTY : allocate(capacity);
    this.#arrayBuffer = this.#storage.buffer;
  }

  /** Live bytes (written and not yet consumed). */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes the buffer can hold from its front without allocating (live + spare). */
  get capacity(): number {
    return this.#storage.length - this.#start;
  }

  /** True when there is no live byte. */
  isEmpty(): boolean {
    return this.#end === this.#start;
  }

  /** The live byte at `index` (0 = the front), or `undefined` past the end. */
  at(index: number): number | undefined {
    return index >= 0 && index < this.#end - this.#start ? this.#storage[this.#start + index] : undefined;
  }

  /** Index (from the front) of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0): number {
    if (from >= this.#end - this.#start) return -1;
    const found = this.#storage.indexOf(byte, this.#start + Math.max(0, from));
    return found < 0 || found >= this.#end ? -1 : found - this.#start;
  }

  /**
   * A view of the live bytes. It is valid until the next call that changes the buffer
   * (copy it, or use `splitTo`, to keep bytes).
   */
  chunk(): Uint8Array {
    // The same live range as the last call (a writer sending messages of one size: each is
    // written from [0, n) of the same storage) gets the same view back: a view costs ~200
    // instructions to make (callgrind), two field compares do not.
    const length = this.#end - this.#start;
    if (this.#chunkAt === this.#start && this.#chunk.length === length) return this.#chunk;
    this.#chunkAt = this.#start;
    return (this.#chunk = new Uint8Array(this.#arrayBuffer, this.#start, length));
  }

  /** The view `chunk()` made last and where in the storage it starts (-1: none of the current storage). */
  #chunk: Uint8Array = EMPTY;
  #chunkAt = -1;

  /**
   * The array the live bytes are stored in: they are `storage[start, start + length)`
   * (see `start`). For a decoder that parses in place: reading these two costs no
   * allocation, where `chunk()` makes a view per call. Read it only (the bytes outside the
   * live ones may belong to frames handed out or to a read in progress); valid until the
   * next call that changes the buffer, and it is replaced when the buffer grows.
   */
  get storage(): Uint8Array {
    return this.#storage;
  }

  /** Index in `storage` of the first live byte. */
  get start(): number {
    return this.#start;
  }

  /** Makes room for at least `additional` more bytes past the live ones. */
  reserve(additional: number): void {
    if (additional >= 0 && this.#storage.length - this.#end >= additional) return;
    checkInteger(additional, 'BytesMut.reserve(additional)', 0);
    const length = this.#end - this.#start;
    const needed = length + additional;
    if (!this.#shared && this.#start > 0 && needed <= this.#storage.length && this.#start >= this.#storage.length >>> 1) {
      this.#storage.copyWithin(0, this.#start, this.#end);
    } else {
      // Not shared: double. Shared (the old storage lives on in handed-out frames): start a
      // fresh slab twice as large as the last, from SLAB_MIN up to SLAB_MAX, moving only the
      // live bytes there; more than OWN_STORAGE_MIN gets exactly what is needed, of its own.
      const old = this.#storage.length;
      // A partial frame (live bytes) that grows past OWN_STORAGE_MIN by one more read is not a
      // frame of known size: it goes to a slab too (room for the rest of it and what follows),
      // else every such frame took an extra read and a second move (40 KB frames: 1.6 reads each).
      const size = !this.#shared
        ? Math.max(needed, MIN_CAPACITY, old * 2)
        : needed > OWN_STORAGE_MIN && length === 0
          ? needed
          : Math.max(needed, Math.min(SLAB_MAX, Math.max(old * 2, SLAB_MIN)));
      const next = allocate(size);
      next.set(this.#storage.subarray(this.#start, this.#end));
      this.#storage = next;
      this.#arrayBuffer = next.buffer;
      this.#chunk = EMPTY; // not to keep the old storage alive
      this.#chunkAt = -1;
      this.#shared = false;
    }
    this.#start = 0;
    this.#end = length;
  }

  /**
   * A writable view of at least `min` bytes just past the live ones (reserving first), to
   * read into; then `commit(n)` makes the first `n` of them live. Valid until the next change.
   */
  spare(min = 1): Uint8Array {
    // Empty after handing out frames: make room for a whole frame of the last one's size, so
    // that a stream of similar frames starts a fresh slab before a read instead of reading a
    // frame into the old slab's tail in part, then moving it (and reading again).
    this.reserve(this.#start === this.#end && this.#shared && this.#lastSplit > min ? this.#lastSplit : min);
    // An empty buffer reads into its whole storage: no view to make.
    return this.#end === 0 ? this.#storage : new Uint8Array(this.#arrayBuffer, this.#end, this.#storage.length - this.#end);
  }

  /** Makes `n` bytes written into `spare()` live. */
  commit(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= this.#storage.length - this.#end)) throw outOfRange('BytesMut.commit(n): n', this.#storage.length - this.#end, n);
    this.#end += n;
  }

  /** Appends a copy of `bytes`. */
  put(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`BytesMut.put(bytes): bytes must be a Uint8Array, got ${describe(bytes)}`);
    this.reserve(bytes.length);
    this.#storage.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Appends `text` as UTF-8; returns how many bytes that took. */
  putString(text: string): number {
    if (typeof text !== 'string') throw new TypeError(`BytesMut.putString(text): text must be a string, got ${describe(text)}`);
    this.reserve(text.length * 3);
    const { written } = utf8.encodeInto(text, this.#storage.subarray(this.#end));
    this.#end += written;
    return written;
  }

  /** Appends one byte. */
  putU8(value: number): void {
    this.putUint(value, 1);
  }

  /**
   * Appends `value` as an unsigned integer of `size` bytes (1 to 8), big-endian unless
   * `littleEndian`. Values above 2^53 - 1 must be given as a bigint.
   */
  putUint(value: number | bigint, size: number, littleEndian = false): void {
    if (typeof value === 'number' && typeof size === 'number' && value >= 0 && value <= UINT_MAX[size]! && Number.isInteger(value)) {
      // The common case (a length field, size 1 to 6): no BigInt.
      if (this.#storage.length - this.#end < size) this.reserve(size);
      const storage = this.#storage;
      const at = this.#end;
      if (size <= 4 && !littleEndian) {
        // Network order of up to 32 bits (LengthDelimitedCodec's default), without the loop.
        if (size === 4) storage[at + size - 4] = value >>> 24;
        if (size >= 3) storage[at + size - 3] = value >>> 16;
        if (size >= 2) storage[at + size - 2] = value >>> 8;
        storage[at + size - 1] = value;
      } else {
        for (let i = 0, rest = value; i < size; i++, rest = Math.floor(rest / 256)) {
          storage[littleEndian ? at + i : at + size - 1 - i] = rest & 0xff;
        }
      }
      this.#end += size;
      return;
    }
    this.#putUintSlow(value, size, littleEndian);
  }

  /** `putUint` past its common case (BigInt, sizes 7 and 8, bad input): out of line, so that `putUint` can be inlined. */
  #putUintSlow(value: number | bigint, size: number, littleEndian: boolean): void {
    checkInteger(size, 'BytesMut.putUint(value, size): size', 1, 8);
    let big: bigint;
    if (typeof value === 'bigint') big = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
    else throw new TypeError(`BytesMut.putUint(value): value must be a safe integer or a bigint, got ${describe(value)}`);
    if (big < 0n || big >= 1n << BigInt(size * 8)) {
      throw new RangeError(`BytesMut.putUint(value, ${size}): value must fit in ${size} unsigned bytes, got ${describe(value)}`);
    }
    this.reserve(size);
    const storage = this.#storage;
    const at = this.#end;
    for (let i = 0; i < size; i++) {
      const byte = Number((big >> BigInt(8 * i)) & 0xffn);
      storage[littleEndian ? at + i : at + size - 1 - i] = byte;
    }
    this.#end += size;
  }

  /**
   * Reads (without consuming) an unsigned integer of `size` bytes (1 to 8) at `offset`,
   * big-endian unless `littleEndian`, as a number; a value above 2^53 - 1 reads as
   * `Infinity` (no safe length is that large). The bytes must be live.
   */
  getUint(offset: number, size: number, littleEndian = false): number {
    const storage = this.#storage;
    if (offset >= 0 && offset + size <= this.#end - this.#start && Number.isInteger(offset)) {
      // The common cases (a length field of 1 to 4 bytes), without the checks or the loop.
      const at = this.#start + offset;
      if (!littleEndian) {
        if (size === 4) return storage[at]! * 0x1000000 + ((storage[at + 1]! << 16) | (storage[at + 2]! << 8) | storage[at + 3]!);
        if (size === 2) return (storage[at]! << 8) | storage[at + 1]!;
        if (size === 1) return storage[at]!;
      } else if (size === 4) {
        return storage[at + 3]! * 0x1000000 + ((storage[at + 2]! << 16) | (storage[at + 1]! << 8) | storage[at]!);
      } else if (size === 2) {
        return (storage[at + 1]! << 8) | storage[at]!;
      }
    }
    return this.#getUintSlow(offset, size, littleEndian);
  }

  /** `getUint` past its common cases: out of line, so that `getUint` can be inlined. */
  #getUintSlow(offset: number, size: number, littleEndian: boolean): number {
    const storage = this.#storage;
    checkInteger(size, 'BytesMut.getUint(offset, size): size', 1, 8);
    if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + size <= this.length)) {
      throw new RangeError(`BytesMut.getUint(offset, ${size}): offset must leave ${size} live bytes, got ${describe(offset)} with length ${this.length}`);
    }
    const at = this.#start + offset;
    let value = 0;
    for (let i = 0; i < size; i++) {
      value = value * 256 + storage[littleEndian ? at + size - 1 - i : at + i]!;
    }
    return value > Number.MAX_SAFE_INTEGER ? Infinity : value;
  }

  /** Discards the first `n` live bytes. */
  advance(n: number): void {
    const length = this.#end - this.#start;
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= length)) throw outOfRange('BytesMut.advance(n): n', length, n);
    this.#start += n;
    if (this.#start === this.#end) {
      // Emptied: what was discarded is no header of a frame still to come (a codec skipping
      // data between frames would otherwise have spare() reserve all it ever skipped).
      this.#advanced = 0;
      if (!this.#shared) this.#start = this.#end = 0;
    } else {
      this.#advanced += n;
    }
  }

  /**
   * Removes the first `n` live bytes and returns them, as a view of the storage (no copy).
   * The view stays valid and unchanged however the buffer is used afterwards.
   */
  splitTo(n: number): Uint8Array {
    const length = this.#end - this.#start;
    if (!(Number.isSafeInteger(n) && n >= 0 && n <= length)) throw outOfRange('BytesMut.splitTo(n): n', length, n);
    if (n === 0) return new Uint8Array(0);
    const view = new Uint8Array(this.#arrayBuffer, this.#start, n);
    this.#start += n;
    this.#shared = true;
    this.#lastSplit = this.#advanced + n;
    this.#advanced = 0;
    return view;
  }

  /** Removes and returns every live byte (as `splitTo(length)`). */
  split(): Uint8Array {
    return this.splitTo(this.#end - this.#start);
  }

  /**
   * Declares that no view handed out by `splitTo`/`split` so far is used any more, so the
   * storage before the live bytes may be written again (compacted, reused) instead of
   * replaced by a fresh allocation. Views handed out earlier may then change under their
   * holders: call it only when you know they are done with (Tokio reclaims such storage when
   * the last `Bytes` is dropped; JavaScript cannot see that).
   */
  reclaim(): void {
    this.#shared = false;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Keeps the first `length` live bytes and drops the rest (no effect if there are fewer). */
  truncate(length: number): void {
    checkInteger(length, 'BytesMut.truncate(length)', 0);
    if (length < this.#end - this.#start) this.#end = this.#start + length;
  }

  /** Discards every live byte (keeping the storage when no view of it was given away). */
  clear(): void {
    this.advance(this.#end - this.#start);
  }
}
