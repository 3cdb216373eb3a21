// The shared ring of an mpsc channel: structured-clone bytes of each message in a growable
// SharedArrayBuffer, and the channel's counters in a small Int32Array beside it.
//
// How and why:
// - A record is a little-endian u32 length and the encoded value (codec.ts),
//   padded to 4 bytes. Records wrap around the end of the data buffer (a record may be
//   split in two; the header never is, since every offset is a multiple of 4).
// - Capacity is counted in messages (`CAPACITY`, 0 = unbounded), as in @rt/sync: a bounded
//   channel is full when buffered + reserved messages reach it. Bytes are a separate, soft
//   limit: the data buffer starts small and doubles (`SharedArrayBuffer.grow`, seen by every
//   thread) up to `maxBytes`; a record that does not fit at that size waits like a full
//   channel (bounded) or is refused (unbounded).
// - Every operation holds the control word lock (shared-lock.ts) for its few loads and
//   stores and one memcpy; serialisation and deserialisation happen outside it (the
//   receiver copies a record into its own scratch buffer first). Many producers and one
//   consumer therefore never see a torn record.
// - After a push, `DATA_SEQ` is bumped (wakes the receiver); after a pop, a release of
//   reserved slots or a receiver close, `SPACE_SEQ` (wakes the senders); when the last
//   sender closes, `DATA_SEQ` (the receiver may be finished). See seq-watch.ts.
import { decode } from './codec.js';
import { lock, unlock } from './shared-lock.js';
import { asGrowable, growableSharedArrayBuffer, type GrowableSharedArrayBuffer } from './es2024.js';
import { bump } from './seq-watch.js';

export const LOCK = 0;
export const COUNT = 1;
export const CAPACITY = 2;
export const HEAD = 3;
export const TAIL = 4;
export const USED = 5;
export const SIZE = 6;
export const SENDERS = 7;
export const RX_CLOSED = 8;
export const RESERVED = 9;
export const DATA_SEQ = 10;
export const DATA_SLEEPERS = 11;
export const SPACE_SEQ = 12;
export const SPACE_SLEEPERS = 13;
export const ID = 14;
const WORDS = 16;

export const PUSHED = 0;
export const FULL = 1;
export const CLOSED = 2;
export type PushResult = typeof PUSHED | typeof FULL | typeof CLOSED;

/** What `tryPop` returns when nothing is buffered. */
export const EMPTY: unique symbol = Symbol('rt.channels.empty');

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class ByteRing {
  readonly words: Int32Array;
  readonly maxBytes: number;
  #u8: Uint8Array;
  #u32: Uint32Array;
  #scratch: Buffer = Buffer.allocUnsafe(256);

  readonly data: GrowableSharedArrayBuffer;

  constructor(
    readonly control: SharedArrayBuffer,
    data: SharedArrayBuffer,
  ) {
    this.data = asGrowable(data);
    this.words = new Int32Array(control);
    this.#u8 = new Uint8Array(data);
    this.#u32 = new Uint32Array(data);
    this.maxBytes = this.data.maxByteLength;
  }

  static create(capacity: number, id: number, initialBytes: number, maxBytes: number): ByteRing {
    const control = new SharedArrayBuffer(WORDS * 4);
    const size = Math.min(initialBytes, maxBytes);
    const data = growableSharedArrayBuffer(size, maxBytes);
    const words = new Int32Array(control);
    words[CAPACITY] = capacity;
    words[SIZE] = size;
    words[SENDERS] = 1;
    words[ID] = id;
    return new ByteRing(control, data);
  }

  get count(): number {
    return Atomics.load(this.words, COUNT);
  }

  get capacity(): number {
    return this.words[CAPACITY]!;
  }

  get receiverClosed(): boolean {
    return Atomics.load(this.words, RX_CLOSED) !== 0;
  }

  /** Free message slots now (Infinity when unbounded). */
  get freeSlots(): number {
    const cap = this.words[CAPACITY]!;
    if (cap === 0) return Infinity;
    return Math.max(0, cap - Atomics.load(this.words, COUNT) - Atomics.load(this.words, RESERVED));
  }

  /** Nothing buffered and nothing can arrive any more (receiver closed, or every sender closed and no slot reserved). */
  get finished(): boolean {
    const w = this.words;
    // The end first, then the count: once no sender is left and no slot is reserved, every push
    // has happened (the loads are sequentially consistent), so a count read after that is final.
    // Read the other way round, a sender could push its last values and leave between the two
    // loads: the count read 0 before them, the end after them, and those values were reported
    // as never coming (a cross-thread recv lost its channel's last values at load, CI).
    const ended = Atomics.load(w, RX_CLOSED) !== 0 || (Atomics.load(w, SENDERS) === 0 && Atomics.load(w, RESERVED) === 0);
    return ended && Atomics.load(w, COUNT) === 0;
  }

  /** Bytes one record of `payload` bytes takes. */
  static recordBytes(payload: number): number {
    return 4 + pad4(payload);
  }

  /**
   * Appends a record. `reserved`: the slot was reserved earlier (a Permit), so neither the
   * message capacity nor a closed receiver refuses it.
   */
  tryPush(bytes: Uint8Array, reserved: boolean): PushResult {
    const w = this.words;
    const need = 4 + pad4(bytes.length);
    lock(w, LOCK);
    if (!reserved) {
      if (w[RX_CLOSED] !== 0) {
        unlock(w, LOCK);
        return CLOSED;
      }
      const cap = w[CAPACITY]!;
      if (cap !== 0 && w[COUNT]! + w[RESERVED]! >= cap) {
        unlock(w, LOCK);
        return FULL;
      }
    }
    let size = w[SIZE]!;
    const used = w[USED]!;
    if (used + need > size) {
      if (!this.#grow(used + need)) {
        unlock(w, LOCK);
        return FULL;
      }
      size = w[SIZE]!;
    }
    let tail = w[TAIL]!;
    this.#u32[tail >> 2] = bytes.length;
    tail += 4;
    if (tail === size) tail = 0;
    const first = Math.min(bytes.length, size - tail);
    this.#u8.set(first === bytes.length ? bytes : bytes.subarray(0, first), tail);
    if (first < bytes.length) this.#u8.set(bytes.subarray(first), 0);
    tail = (tail + pad4(bytes.length)) % size;
    w[TAIL] = tail;
    w[USED] = used + need;
    Atomics.add(w, COUNT, 1);
    if (reserved) w[RESERVED]!--;
    unlock(w, LOCK);
    bump(w, DATA_SEQ, DATA_SLEEPERS);
    return PUSHED;
  }

  /** Grows the data buffer to hold `needed` bytes (doubling, linearising the records). Lock held. */
  #grow(needed: number): boolean {
    const w = this.words;
    const size = w[SIZE]!;
    if (needed > this.maxBytes) return false;
    let next = size;
    while (next < needed) next *= 2;
    next = Math.min(next, this.maxBytes & ~3);
    if (next < needed) return false;
    const used = w[USED]!;
    const head = w[HEAD]!;
    this.data.grow(next);
    const u8 = this.#u8;
    if (used > 0 && head + used > size) {
      // Wrapped: [head, size) then [0, tail). Put them in order at the start.
      const ordered = new Uint8Array(used);
      ordered.set(u8.subarray(head, size), 0);
      ordered.set(u8.subarray(0, used - (size - head)), size - head);
      u8.set(ordered, 0);
      w[HEAD] = 0;
      w[TAIL] = used;
    } else if (used === 0) {
      w[HEAD] = 0;
      w[TAIL] = 0;
    } else {
      w[TAIL] = head + used;
    }
    w[SIZE] = next;
    return true;
  }

  /** Takes the oldest record and deserializes it, or returns EMPTY. One consumer only. */
  tryPop(): unknown {
    const w = this.words;
    if (Atomics.load(w, COUNT) === 0) return EMPTY;
    lock(w, LOCK);
    const size = w[SIZE]!;
    let head = w[HEAD]!;
    const length = this.#u32[head >> 2]!;
    head += 4;
    if (head === size) head = 0;
    if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(Math.max(length, this.#scratch.length * 2));
    const scratch = this.#scratch;
    const u8 = this.#u8;
    const first = Math.min(length, size - head);
    scratch.set(u8.subarray(head, head + first), 0);
    if (first < length) scratch.set(u8.subarray(0, length - first), first);
    w[HEAD] = (head + pad4(length)) % size;
    w[USED] = w[USED]! - 4 - pad4(length);
    Atomics.sub(w, COUNT, 1);
    unlock(w, LOCK);
    bump(w, SPACE_SEQ, SPACE_SLEEPERS);
    return decode(scratch.subarray(0, length));
  }

  /** Reserves `n` message slots if free now. */
  tryReserve(n: number): PushResult {
    const w = this.words;
    lock(w, LOCK);
    let result: PushResult = PUSHED;
    if (w[RX_CLOSED] !== 0) result = CLOSED;
    else if (w[CAPACITY] !== 0 && w[COUNT]! + w[RESERVED]! + n > w[CAPACITY]!) result = FULL;
    else w[RESERVED] = w[RESERVED]! + n;
    unlock(w, LOCK);
    return result;
  }

  /** Gives back `n` unused reserved slots. */
  releaseReserved(n: number): void {
    const w = this.words;
    lock(w, LOCK);
    w[RESERVED] = w[RESERVED]! - n;
    unlock(w, LOCK);
    bump(w, SPACE_SEQ, SPACE_SLEEPERS);
    bump(w, DATA_SEQ, DATA_SLEEPERS);
  }

  /** Adds a sender only while at least one is alive (WeakSender.upgrade). */
  tryAddSender(): boolean {
    const w = this.words;
    let current = Atomics.load(w, SENDERS);
    while (current > 0) {
      const seen = Atomics.compareExchange(w, SENDERS, current, current + 1);
      if (seen === current) return true;
      current = seen;
    }
    return false;
  }

  addSender(): void {
    Atomics.add(this.words, SENDERS, 1);
  }

  dropSender(): void {
    if (Atomics.sub(this.words, SENDERS, 1) === 1) bump(this.words, DATA_SEQ, DATA_SLEEPERS);
  }

  closeReceiver(): void {
    const w = this.words;
    if (Atomics.exchange(w, RX_CLOSED, 1) === 0) {
      bump(w, SPACE_SEQ, SPACE_SLEEPERS);
      bump(w, DATA_SEQ, DATA_SLEEPERS);
    }
  }
}
