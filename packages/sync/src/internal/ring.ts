// A FIFO queue of values: a growable ring buffer (power-of-two capacity, O(1) push and shift,
// no Array.shift) of up to MAX_RING slots, and beyond that, chunks of MAX_RING values that are
// never copied. Slots are cleared when taken, so a consumed value is never kept alive.
//
// Why chunks past MAX_RING: a ring that doubles copies its whole content at every doubling.
// An unbounded channel whose consumer falls behind (the cooperative budget lets a consumer task
// take 128 values per event-loop turn while a producer may push thousands) built a backlog of
// ~1,750,000 values in sync.bench.mjs's unbounded row, and the doublings (a new array of up to
// 2^21 slots, filled, then the copy) were ~6% of that run's CPU profile: 30-90 ms per 2,000,000
// messages. Past MAX_RING (and while any value is chunked, to keep the order) a push appends to
// the newest chunk; a shift takes from the ring while it holds values (always the oldest), then
// from the oldest chunk: each value is written once and read once, nothing copied in bulk.

/** Slots of the ring at most, and values per overflow chunk. */
const MAX_RING = 4096;

/** Values waiting beyond a full ring, oldest at `read`, the next one goes at `write`. */
class Chunk<T> {
  /** Allocated at its full size once (no growth copies as it fills), then reused. */
  readonly values: (T | undefined)[] = new Array<T | undefined>(MAX_RING).fill(undefined);
  read = 0;
  write = 0;
  next: Chunk<T> | undefined = undefined;
}

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
   * The last drained chunk (every slot cleared), taken by the next chunk needed: a backlog that
   * stays past the ring (a full bounded channel of more than MAX_RING slots) allocates nothing.
   */
  private spare: Chunk<T> | undefined = undefined;
  /** Values held (ring and chunks). */
  length = 0;
  /** Values shifted so far, wrapping at 2^31 (a receiver compares two readings). */
  shifts = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity && capacity < MAX_RING) capacity <<= 1;
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  push(value: T): void {
    if (this.firstChunk !== undefined || this.inRing > this.mask) {
      if (this.firstChunk !== undefined || this.mask + 1 >= MAX_RING) {
        // Past a full ring of MAX_RING (or behind values already chunked: order), a chunk.
        this.pushChunk(value);
        this.length++;
        return;
      }
      this.grow();
    }
    this.slots[(this.head + this.inRing) & this.mask] = value;
    this.inRing++;
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

  /** Appends to the newest chunk (the ring is full and at its largest). */
  private pushChunk(value: T): void {
    let last = this.lastChunk;
    if (last === undefined || last.write === MAX_RING) {
      const chunk = this.spare ?? new Chunk<T>();
      this.spare = undefined;
      if (last === undefined) this.firstChunk = chunk;
      else last.next = chunk;
      this.lastChunk = last = chunk;
    }
    last.values[last.write++] = value;
  }

  /** Takes the oldest chunked value (the ring is empty: every chunked value is newer than the ring's). */
  private shiftChunk(): T {
    const chunk = this.firstChunk!;
    const value = chunk.values[chunk.read] as T;
    chunk.values[chunk.read] = undefined;
    chunk.read++;
    if (chunk.read === chunk.write) {
      // Drained: a full chunk gives way to the next; the newest (partly filled) ends the chunks.
      if (chunk === this.lastChunk) this.firstChunk = this.lastChunk = undefined;
      else this.firstChunk = chunk.next;
      chunk.read = chunk.write = 0;
      chunk.next = undefined;
      this.spare = chunk;
    }
    return value;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = old.length * 2;
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.inRing; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
