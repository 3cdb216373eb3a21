// A FIFO queue of values: a ring buffer (power-of-two capacity, O(1) push and shift, no
// Array.shift) of a fixed size, and beyond it, chunks that are never copied. Slots are cleared
// when taken, so a consumed value is never kept alive.
//
// Why chunks past the ring: a ring that doubles copies its whole content at every doubling.
// An unbounded channel whose consumer falls behind (the cooperative budget lets a consumer task
// take 128 values per event-loop turn while a producer may push thousands) built a backlog of
// ~1,750,000 values in sync.bench.mjs's unbounded row, and the doublings (a new array of up to
// 2^21 slots, filled, then the copy) were ~6% of that run's CPU profile. Past the ring (and while
// any value is chunked, to keep the order) a push appends to the newest chunk; a shift takes from
// the ring while it holds values (always the oldest), then from the oldest chunk: each value is
// written once and read once, nothing copied in bulk.
//
// Why the ring does not grow and the chunks start small (16 values, then each twice the one before,
// up to MAX_CHUNK): every path of push and shift runs within a channel's first ~130 values of
// backlog (the first chunk, a chunk drained and the next one read, a new chunk, a reused one), so
// they have type feedback before TurboFan compiles the loops that inline them. When the ring
// doubled to 4,096 first, a consumer under the budget (128 per turn) read its first chunked value
// at turn 32 and moved to its second chunk at turn 64, each after its loop had been optimized: a
// deopt and a recompile of the consumer's whole loop each (sync README, "mpsc pass 5"). Small
// first chunks also keep a channel that once held a few dozen values from holding a 32 KB chunk.

/** Values per chunk at most (the chunks of a long backlog). */
const MAX_CHUNK = 4096;
/** Values of the first chunk (and of the ring of an unbounded channel). */
const MIN_CHUNK = 16;
/** Ring slots at most (a bounded channel's ring holds its capacity up to this). */
const MAX_RING = 1024;

/** Values waiting beyond a full ring, oldest at `read`, the next one goes at `write`. */
class Chunk<T> {
  /** Allocated at its full size once (no growth copies as it fills), then reused. */
  readonly values: (T | undefined)[];
  /** `values.length`, fixed. */
  readonly size: number;
  read = 0;
  write = 0;
  next: Chunk<T> | undefined = undefined;

  constructor(size: number) {
    this.values = new Array<T | undefined>(size).fill(undefined);
    this.size = size;
  }
}

/** Index of a chunk size in `Ring.spares`: 16 → 0, 32 → 1, …, 4,096 → 8. */
const sizeClass = (size: number): number => 27 - Math.clz32(size);

export class Ring<T> {
  // Set in the constructor (`declare`d: a class field would be defined as `undefined` first).
  declare private slots: (T | undefined)[];
  declare private mask: number;
  private head = 0;
  /** Values in the ring (the oldest ones); the rest are in the chunks. */
  private inRing = 0;
  /** Values pushed past a full ring, oldest chunk first; all newer than the ring's values. */
  private firstChunk: Chunk<T> | undefined = undefined;
  private lastChunk: Chunk<T> | undefined = undefined;
  /**
   * Drained chunks (every slot cleared), at most one of each size, taken by the next chunk of
   * that size: a backlog that stays past the ring, or one that builds and drains every turn,
   * allocates nothing once it has run through its sizes.
   */
  private readonly spares: (Chunk<T> | undefined)[] = new Array<Chunk<T> | undefined>(sizeClass(MAX_CHUNK) + 1).fill(undefined);
  /** Values held (ring and chunks). */
  length = 0;
  /** Values shifted so far, wrapping at 2^31 (a receiver compares two readings). */
  shifts = 0;

  constructor(initialCapacity = MIN_CHUNK) {
    let capacity = MIN_CHUNK;
    while (capacity < initialCapacity && capacity < MAX_RING) capacity <<= 1;
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  push(value: T): void {
    if (this.firstChunk !== undefined || this.inRing > this.mask) {
      // Past a full ring (or behind values already chunked: order), a chunk.
      this.pushChunk(value);
    } else {
      this.slots[(this.head + this.inRing) & this.mask] = value;
      this.inRing++;
    }
    this.length++;
  }

  /** Takes the oldest value; the caller checks `length > 0` first. */
  shift(): T {
    this.length--;
    this.shifts = (this.shifts + 1) | 0;
    if (this.inRing === 0) return this.shiftChunk();
    const value = this.slots[this.head] as T;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.inRing--;
    return value;
  }

  /** Appends to the newest chunk (the ring is full, or values are chunked already). */
  private pushChunk(value: T): void {
    let last = this.lastChunk;
    if (last === undefined || last.write === last.size) last = this.addChunk(last);
    last.values[last.write++] = value;
  }

  /** A new newest chunk: the first one MIN_CHUNK values, each next one twice its predecessor, up to MAX_CHUNK. */
  private addChunk(last: Chunk<T> | undefined): Chunk<T> {
    const size = last === undefined ? MIN_CHUNK : Math.min(last.size * 2, MAX_CHUNK);
    const k = sizeClass(size);
    const chunk = this.spares[k] ?? new Chunk<T>(size);
    this.spares[k] = undefined;
    if (last === undefined) this.firstChunk = chunk;
    else last.next = chunk;
    this.lastChunk = chunk;
    return chunk;
  }

  /** Takes the oldest chunked value (the ring is empty: every chunked value is newer than the ring's). */
  private shiftChunk(): T {
    const chunk = this.firstChunk!;
    const value = chunk.values[chunk.read] as T;
    chunk.values[chunk.read] = undefined;
    if (++chunk.read === chunk.write) this.chunkDrained(chunk);
    return value;
  }

  /** A full chunk gives way to the next; the newest (partly filled) ends the chunks. Kept for reuse. */
  private chunkDrained(chunk: Chunk<T>): void {
    if (chunk === this.lastChunk) this.firstChunk = this.lastChunk = undefined;
    else this.firstChunk = chunk.next;
    chunk.read = chunk.write = 0;
    chunk.next = undefined;
    this.spares[sizeClass(chunk.size)] = chunk;
  }
}
