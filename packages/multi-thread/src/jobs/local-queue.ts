// LocalQueue: a worker's run queue of job slots in a SharedArrayBuffer, Tokio's shape
// (tokio/src/runtime/scheduler/multi_thread/queue.rs) over Atomics.
//
// How and why
// -----------
// Layout (Int32Array `words`, MUST MATCH `LocalQueue.words(capacity)`):
//   [HEAD] packed (steal << 16 | real), two 16-bit wrapping indices
//   [TAIL] 16-bit wrapping index, written only by the owner
//   [BUFFER + i] job numbers, i = index & (capacity - 1)
// The owner pushes at `tail` and pops at `real`. A thief claims a batch in two CAS steps:
// first it moves `real` forward by half of what is queued while leaving `steal` where it was
// (so the owner will not overwrite the slots being copied: a push checks `tail - steal`),
// copies the batch into its own queue, then sets `steal = real` to release the slots. While
// `steal != real` another thief is at work and a second thief gives up (it tries another
// victim). Every hand-over of a slot goes through a CAS on HEAD, so a job number is taken by
// exactly one of: the owner's pop, one thief's batch, or the overflow to the injector.
//
// Costs: push is one load and one store (no CAS: only the owner writes TAIL); pop is one CAS;
// a steal is two CAS plus the copy. Indices are 16 bits, so the capacity is a power of two
// of at most 2^15 (Tokio: 256, 32-bit indices packed in a u64; JS Atomics on 32-bit words
// are cheaper than on BigInt64Array).

const HEAD = 0;
const TAIL = 1;
const BUFFER = 2;
const MASK16 = 0xffff;

function pack(steal: number, real: number): number {
  return ((steal & MASK16) << 16) | (real & MASK16);
}

/** What receives the overflow of a full local queue (the global injector). */
export interface OverflowSink {
  /** Pushes `count` job numbers from `batch` (all of them; the sink never rejects). */
  pushBatch(batch: Int32Array, count: number): void;
}

/** @internal One worker's local run queue. The owner calls push/pop; anyone may steal from it. */
export class LocalQueue {
  /** Int32 words a queue of `capacity` needs. */
  static words(capacity: number): number {
    return BUFFER + capacity;
  }

  /** Checks a capacity: a power of two in 2..32768. */
  static checkCapacity(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > 0x8000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`localQueueCapacity must be a power of two in 2..32768, got ${String(capacity)}`);
    }
  }

  readonly capacity: number;
  readonly #words: Int32Array;
  readonly #mask: number;
  /** Scratch for the overflow batch (owner only). */
  readonly #overflow: Int32Array;

  constructor(words: Int32Array, capacity: number) {
    LocalQueue.checkCapacity(capacity);
    if (words.length < LocalQueue.words(capacity)) throw new RangeError('LocalQueue: words too short for the capacity');
    this.capacity = capacity;
    this.#words = words;
    this.#mask = capacity - 1;
    this.#overflow = new Int32Array(capacity / 2 + 1);
  }

  /** Jobs queued (a snapshot; exact for the owner when no steal is in flight). */
  get length(): number {
    const head = Atomics.load(this.#words, HEAD);
    const tail = Atomics.load(this.#words, TAIL);
    return (tail - (head >>> 16)) & MASK16;
  }

  /** True when nothing is queued (snapshot). */
  isEmpty(): boolean {
    const head = Atomics.load(this.#words, HEAD);
    return (Atomics.load(this.#words, TAIL) & MASK16) === (head & MASK16);
  }

  /**
   * Owner: pushes `job`. When the queue is full, moves half of it plus `job` to `overflow`
   * (or, while a thief is mid-steal, `job` alone) and returns how many went there.
   */
  push(job: number, overflow: OverflowSink): number {
    const words = this.#words;
    for (;;) {
      const head = Atomics.load(words, HEAD);
      const steal = head >>> 16;
      const real = head & MASK16;
      const tail = Atomics.load(words, TAIL);
      if (((tail - steal) & MASK16) < this.capacity) {
        Atomics.store(words, BUFFER + (tail & this.#mask), job);
        Atomics.store(words, TAIL, (tail + 1) & MASK16);
        return 0;
      }
      if (steal !== real) {
        // A thief is copying a batch out: it will make room soon; this job goes to the injector.
        this.#overflow[0] = job;
        overflow.pushBatch(this.#overflow, 1);
        return 1;
      }
      const moved = this.#pushOverflow(job, real, tail, overflow);
      if (moved > 0) return moved;
      // Lost a race with a thief: the queue is no longer full, try again.
    }
  }

  #pushOverflow(job: number, head: number, tail: number, overflow: OverflowSink): number {
    const words = this.#words;
    const half = this.capacity / 2;
    if (((tail - head) & MASK16) !== this.capacity) return 0;
    const expected = pack(head, head);
    const next = pack(head + half, head + half);
    if (Atomics.compareExchange(words, HEAD, expected, next) !== expected) return 0;
    const batch = this.#overflow;
    for (let i = 0; i < half; i++) batch[i] = Atomics.load(words, BUFFER + ((head + i) & this.#mask));
    batch[half] = job;
    overflow.pushBatch(batch, half + 1);
    return half + 1;
  }

  /** Owner: takes the oldest queued job, or -1 when empty. */
  pop(): number {
    const words = this.#words;
    let head = Atomics.load(words, HEAD);
    for (;;) {
      const steal = head >>> 16;
      const real = head & MASK16;
      const tail = Atomics.load(words, TAIL) & MASK16;
      if (real === tail) return -1;
      const nextReal = (real + 1) & MASK16;
      const next = steal === real ? pack(nextReal, nextReal) : pack(steal, nextReal);
      const seen = Atomics.compareExchange(words, HEAD, head, next);
      if (seen === head) return Atomics.load(words, BUFFER + (real & this.#mask));
      head = seen;
    }
  }

  /**
   * Thief (the owner of `into`): moves half of this queue (rounded up) into `into`, keeps one
   * of them to run, and returns it, or -1 when there was nothing to steal (or another thief
   * was at work). `stolen` (optional) receives how many jobs moved, the returned one included.
   */
  stealInto(into: LocalQueue, stolen?: { count: number }): number {
    const dst = into.#words;
    const dstTail = Atomics.load(dst, TAIL) & MASK16;
    const dstSteal = Atomics.load(dst, HEAD) >>> 16;
    if (((dstTail - dstSteal) & MASK16) > into.capacity / 2) return -1;
    let n = this.#stealInto2(into, dstTail);
    if (stolen !== undefined) stolen.count = n;
    if (n === 0) return -1;
    n -= 1;
    const job = Atomics.load(dst, BUFFER + ((dstTail + n) & into.#mask));
    if (n > 0) Atomics.store(dst, TAIL, (dstTail + n) & MASK16);
    return job;
  }

  #stealInto2(into: LocalQueue, dstTail: number): number {
    const words = this.#words;
    const dst = into.#words;
    let prev = Atomics.load(words, HEAD);
    let next: number;
    let n: number;
    let srcSteal: number;
    for (;;) {
      srcSteal = prev >>> 16;
      const srcReal = prev & MASK16;
      if (srcSteal !== srcReal) return 0;
      const srcTail = Atomics.load(words, TAIL) & MASK16;
      n = (srcTail - srcReal) & MASK16;
      n -= n >>> 1;
      if (n === 0) return 0;
      // Never more than the thief has room for (its queue is at most half full here).
      if (n > into.capacity / 2) n = into.capacity / 2;
      next = pack(srcSteal, srcReal + n);
      const seen = Atomics.compareExchange(words, HEAD, prev, next);
      if (seen === prev) break;
      prev = seen;
    }
    for (let i = 0; i < n; i++) {
      const job = Atomics.load(words, BUFFER + ((srcSteal + i) & this.#mask));
      Atomics.store(dst, BUFFER + ((dstTail + i) & into.#mask), job);
    }
    // Release the slots: steal catches up with real (the owner may have popped meanwhile).
    let prevPacked = next;
    for (;;) {
      const real = prevPacked & MASK16;
      const released = pack(real, real);
      const seen = Atomics.compareExchange(words, HEAD, prevPacked, released);
      if (seen === prevPacked) return n;
      prevPacked = seen;
    }
  }

  /**
   * Anyone, when the owner is gone (a crashed worker): takes every queued job into `out`
   * and returns how many. Thieves may still race; each job goes to one side.
   */
  drainAll(out: number[]): number {
    const words = this.#words;
    let count = 0;
    for (let spins = 0; ; ) {
      const head = Atomics.load(words, HEAD);
      const steal = head >>> 16;
      const real = head & MASK16;
      if (steal !== real) {
        // A thief is mid-copy: wait for its release (it runs on another thread). A thief
        // terminated mid-steal never releases; give up then rather than spin forever.
        if (++spins > 1_000_000) return count;
        continue;
      }
      const tail = Atomics.load(words, TAIL) & MASK16;
      const n = (tail - real) & MASK16;
      if (n === 0) return count;
      const next = pack(real + n, real + n);
      if (Atomics.compareExchange(words, HEAD, head, next) !== head) continue;
      for (let i = 0; i < n; i++) out.push(Atomics.load(words, BUFFER + ((real + i) & this.#mask)));
      count += n;
    }
  }
}
