// Injector: a bounded multi-producer multi-consumer FIFO of job numbers in a
// SharedArrayBuffer, guarded by a spin lock on one Atomics word. The runtime's global
// injector and each worker's inbox of pinned jobs are Injectors.
//
// How and why
// -----------
// Layout (Int32Array `words`, MUST MATCH `Injector.words(capacity)`):
//   [LOCK] 0 free, 1 held   [HEAD] index of the oldest   [LENGTH] jobs queued
//   [BUFFER + i] job numbers, i = index % capacity
// Tokio guards its injector with a mutex too: it is touched once per `globalQueueInterval`
// jobs, on overflow (half a local queue at once) and when a worker runs dry, so it is not the
// hot path. The critical sections are a few loads and stores, so a spin with compareExchange
// is cheaper than a futex, and the main thread (which may not Atomics.wait) can take it.
// LENGTH is also read without the lock as a cheap emptiness test. The capacity is the
// runtime's number of job slots: every queued job owns a slot, so a push never finds it full.

const LOCK = 0;
const HEAD = 1;
const LENGTH = 2;
const BUFFER = 3;

/** @internal The global injector (and the per-worker inbox of pinned jobs). */
export class Injector {
  /** Int32 words an injector of `capacity` needs. */
  static words(capacity: number): number {
    return BUFFER + capacity;
  }

  readonly capacity: number;
  readonly #words: Int32Array;

  constructor(words: Int32Array, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Injector: capacity must be a positive integer, got ${String(capacity)}`);
    if (words.length < Injector.words(capacity)) throw new RangeError('Injector: words too short for the capacity');
    this.capacity = capacity;
    this.#words = words;
  }

  /** Jobs queued (snapshot, no lock). */
  get length(): number {
    return Atomics.load(this.#words, LENGTH);
  }

  #lock(): void {
    const words = this.#words;
    while (Atomics.compareExchange(words, LOCK, 0, 1) !== 0) {
      // Spin: the holder runs a handful of instructions on another thread.
    }
  }

  #unlock(): void {
    Atomics.store(this.#words, LOCK, 0);
  }

  /** Appends `job`. Throws RangeError when full (cannot happen when sized to the job slots). */
  push(job: number): void {
    const words = this.#words;
    this.#lock();
    try {
      const length = Atomics.load(words, LENGTH);
      if (length >= this.capacity) throw new RangeError('Injector: full');
      const head = Atomics.load(words, HEAD);
      Atomics.store(words, BUFFER + ((head + length) % this.capacity), job);
      Atomics.store(words, LENGTH, length + 1);
    } finally {
      this.#unlock();
    }
  }

  /** Appends `count` jobs of `batch` in order. */
  pushBatch(batch: Int32Array | readonly number[], count: number): void {
    const words = this.#words;
    this.#lock();
    try {
      const length = Atomics.load(words, LENGTH);
      if (length + count > this.capacity) throw new RangeError('Injector: full');
      const head = Atomics.load(words, HEAD);
      for (let i = 0; i < count; i++) Atomics.store(words, BUFFER + ((head + length + i) % this.capacity), batch[i]!);
      Atomics.store(words, LENGTH, length + count);
    } finally {
      this.#unlock();
    }
  }

  /** Takes the oldest job, or -1 when empty. */
  pop(): number {
    const words = this.#words;
    if (Atomics.load(words, LENGTH) === 0) return -1;
    this.#lock();
    try {
      const length = Atomics.load(words, LENGTH);
      if (length === 0) return -1;
      const head = Atomics.load(words, HEAD);
      const job = Atomics.load(words, BUFFER + head);
      Atomics.store(words, HEAD, (head + 1) % this.capacity);
      Atomics.store(words, LENGTH, length - 1);
      return job;
    } finally {
      this.#unlock();
    }
  }

  /** Takes up to `max` of the oldest jobs into `out` (appended) and returns how many. */
  popBatch(out: number[], max: number): number {
    const words = this.#words;
    if (Atomics.load(words, LENGTH) === 0) return 0;
    this.#lock();
    try {
      const length = Atomics.load(words, LENGTH);
      const n = Math.min(length, max);
      let head = Atomics.load(words, HEAD);
      for (let i = 0; i < n; i++) {
        out.push(Atomics.load(words, BUFFER + head));
        head = (head + 1) % this.capacity;
      }
      Atomics.store(words, HEAD, head);
      Atomics.store(words, LENGTH, length - n);
      return n;
    } finally {
      this.#unlock();
    }
  }
}
