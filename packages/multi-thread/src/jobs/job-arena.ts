// JobArena: the shared memory every job lives in while it is queued or running, so any
// worker can run any job without asking the thread that spawned it.
//
// How and why
// -----------
// Two bounded pools, each with an allocation bitmap updated by compareExchange:
// - job slots (JOB_SLOTS = 4096): a header of 8 Int32 words per job. A queue holds slot
//   numbers, never payloads. A slot is held from spawn until the job's result is sent.
// - payload blocks (PAYLOAD_BLOCKS = 8192 of BLOCK_SIZE = 1 KiB: an 8 MiB arena): a job's
//   serialized module/export/args take 1..32 contiguous blocks inside one bitmap word, so
//   one CAS allocates them (max 32 KiB of arguments per job). Blocks are freed as soon as
//   the runner has read them.
// `allocate` reports full pools (the spawner then holds the job back until a slot frees up:
// back-pressure); arguments above 32 KiB fail with ERR_RT_JOB_TOO_LARGE (send big data
// through a channel or a SharedArrayBuffer).
//
// Exactly once: a slot's STATE word packs (generation << 12 | (runner + 1) << 3 | state).
// A worker runs a job only after its CAS QUEUED → RUNNING succeeded; an abort of a queued
// job is a CAS QUEUED → CANCELLED with the generation the spawner saw, so it can never hit
// a slot that was freed and reused; whoever dequeues a CANCELLED slot frees it unrun.

/** Header words per job slot (MUST MATCH the field offsets below). */
export const HEADER_WORDS = 8;
export const STATE = 0;
export const SPAWNER = 1;
export const TARGET = 2;
export const BLOCK = 3;
export const BLOCKS = 4;
export const LENGTH = 5;
export const JOB_ID = 6;
/** Bit 0: the payload refers to SharedArrayBuffers parked at the supervisor. */
export const FLAGS = 7;
export const FLAG_SHARED = 1;
/** Bit 1: the job was pushed onto a queue (a job allocated but not yet queued has it clear). */
export const FLAG_QUEUED = 2;

export const FREE = 0;
export const QUEUED = 1;
export const RUNNING = 2;
export const CANCELLED = 3;

/** Default pool sizes (see the file comment). */
export const JOB_SLOTS = 4096;
export const PAYLOAD_BLOCKS = 8192;
export const BLOCK_SIZE = 1024;
export const MAX_BLOCKS_PER_JOB = 32;

export function stateOf(word: number): number {
  return word & 7;
}
export function runnerOf(word: number): number {
  return ((word >>> 3) & 0x1ff) - 1;
}
export function generationOf(word: number): number {
  return (word >>> 12) & 0xffff;
}
function makeState(generation: number, runner: number, state: number): number {
  return ((generation & 0xffff) << 12) | (((runner + 1) & 0x1ff) << 3) | state;
}

/** The shared buffers of an arena (structured-cloned into each worker). */
export interface JobArenaBuffers {
  readonly headers: SharedArrayBuffer;
  readonly slotBitmap: SharedArrayBuffer;
  readonly blockBitmap: SharedArrayBuffer;
  readonly payload: SharedArrayBuffer;
  readonly slots: number;
  readonly blocks: number;
}

function allocBit(bitmap: Int32Array, start: number, run: number): number {
  const words = bitmap.length;
  const mask = run === 32 ? -1 : (1 << run) - 1;
  for (let k = 0; k < words; k++) {
    const w = (start + k) % words;
    let bits = Atomics.load(bitmap, w);
    for (let shift = 0; shift <= 32 - run; ) {
      const want = run === 32 ? -1 : mask << shift;
      if ((bits & want) === 0) {
        const seen = Atomics.compareExchange(bitmap, w, bits, bits | want);
        if (seen === bits) return w * 32 + shift;
        bits = seen;
        continue;
      }
      shift++;
    }
  }
  return -1;
}

function freeBits(bitmap: Int32Array, first: number, run: number): void {
  const w = first >>> 5;
  const shift = first & 31;
  const want = run === 32 ? -1 : ((1 << run) - 1) << shift;
  Atomics.and(bitmap, w, ~want);
}

/** @internal The job slots and payload blocks of one runtime. */
export class JobArena {
  static create(slots = JOB_SLOTS, blocks = PAYLOAD_BLOCKS): JobArenaBuffers {
    if (slots % 32 !== 0 || blocks % 32 !== 0) throw new RangeError('JobArena: slots and blocks must be multiples of 32');
    return {
      headers: new SharedArrayBuffer(slots * HEADER_WORDS * 4),
      slotBitmap: new SharedArrayBuffer((slots / 32) * 4),
      blockBitmap: new SharedArrayBuffer((blocks / 32) * 4),
      payload: new SharedArrayBuffer(blocks * BLOCK_SIZE),
      slots,
      blocks,
    };
  }

  readonly slots: number;
  readonly headers: Int32Array;
  readonly #slotBitmap: Int32Array;
  readonly #blockBitmap: Int32Array;
  readonly #payload: Uint8Array;
  #slotHint: number;
  #blockHint: number;

  constructor(buffers: JobArenaBuffers, hint = 0) {
    this.slots = buffers.slots;
    this.headers = new Int32Array(buffers.headers);
    this.#slotBitmap = new Int32Array(buffers.slotBitmap);
    this.#blockBitmap = new Int32Array(buffers.blockBitmap);
    this.#payload = new Uint8Array(buffers.payload);
    // Each thread starts its searches elsewhere, so spawners rarely race on one word.
    this.#slotHint = (hint * 7) % this.#slotBitmap.length;
    this.#blockHint = (hint * 13) % this.#blockBitmap.length;
  }

  /** Bytes a payload may take. */
  get maxPayload(): number {
    return MAX_BLOCKS_PER_JOB * BLOCK_SIZE;
  }

  /** Slots in use (a scan; for metrics and tests). */
  slotsInUse(): number {
    let n = 0;
    for (let i = 0; i < this.#slotBitmap.length; i++) {
      let bits = Atomics.load(this.#slotBitmap, i);
      while (bits !== 0) {
        bits &= bits - 1;
        n++;
      }
    }
    return n;
  }

  /** Blocks in use (a scan; for metrics and tests). */
  blocksInUse(): number {
    let n = 0;
    for (let i = 0; i < this.#blockBitmap.length; i++) {
      let bits = Atomics.load(this.#blockBitmap, i);
      while (bits !== 0) {
        bits &= bits - 1;
        n++;
      }
    }
    return n;
  }

  /**
   * Allocates a slot for job `id` and copies `payload` into blocks. Returns the slot, -1 when
   * no slot is free, -2 when no run of blocks is free. Throws RangeError above `maxPayload`.
   * The slot is left QUEUED: push it onto a queue next.
   */
  allocate(id: number, spawner: number, target: number, payload: Uint8Array, flags = 0): number {
    const run = Math.max(1, Math.ceil(payload.length / BLOCK_SIZE));
    if (run > MAX_BLOCKS_PER_JOB) throw new RangeError(`job payload of ${payload.length} bytes is above ${this.maxPayload}`);
    const slot = allocBit(this.#slotBitmap, this.#slotHint, 1);
    if (slot < 0) return -1;
    this.#slotHint = slot >>> 5;
    const block = allocBit(this.#blockBitmap, this.#blockHint, run);
    if (block < 0) {
      freeBits(this.#slotBitmap, slot, 1);
      return -2;
    }
    this.#blockHint = block >>> 5;
    this.#payload.set(payload, block * BLOCK_SIZE);
    const h = slot * HEADER_WORDS;
    const headers = this.headers;
    Atomics.store(headers, SPAWNER + h, spawner);
    Atomics.store(headers, TARGET + h, target);
    Atomics.store(headers, BLOCK + h, block);
    Atomics.store(headers, BLOCKS + h, run);
    Atomics.store(headers, LENGTH + h, payload.length);
    Atomics.store(headers, JOB_ID + h, id);
    Atomics.store(headers, FLAGS + h, flags);
    const generation = generationOf(Atomics.load(headers, STATE + h));
    Atomics.store(headers, STATE + h, makeState(generation, -1, QUEUED));
    return slot;
  }

  /** The STATE word of `slot` (snapshot). */
  state(slot: number): number {
    return Atomics.load(this.headers, STATE + slot * HEADER_WORDS);
  }

  /** Sets bits in a header field. */
  setFlags(slot: number, bits: number): void {
    Atomics.or(this.headers, FLAGS + slot * HEADER_WORDS, bits);
  }

  /** Reads a header field. */
  field(slot: number, offset: number): number {
    return Atomics.load(this.headers, offset + slot * HEADER_WORDS);
  }

  /**
   * Claims `slot` for `runner`: true when it was QUEUED (now RUNNING, this caller runs it);
   * false when it was cancelled (then the caller must `free` it) or is not queued.
   */
  claim(slot: number, runner: number): boolean {
    const i = STATE + slot * HEADER_WORDS;
    const word = Atomics.load(this.headers, i);
    if (stateOf(word) !== QUEUED) return false;
    return Atomics.compareExchange(this.headers, i, word, makeState(generationOf(word), runner, RUNNING)) === word;
  }

  /**
   * Cancels a queued job if `slot` still holds job `id` in state QUEUED. Returns 'cancelled',
   * or the runner's index when it is running, or -1 when the job is gone (finished).
   */
  cancel(slot: number, id: number): 'cancelled' | number {
    const h = slot * HEADER_WORDS;
    for (;;) {
      const word = Atomics.load(this.headers, STATE + h);
      if (Atomics.load(this.headers, JOB_ID + h) !== id) return -1;
      const state = stateOf(word);
      if (state === RUNNING) {
        // The id may have been read before a free and reuse: check the id again after the state.
        return Atomics.load(this.headers, JOB_ID + h) === id ? runnerOf(word) : -1;
      }
      if (state !== QUEUED) return -1;
      if (Atomics.compareExchange(this.headers, STATE + h, word, makeState(generationOf(word), -1, CANCELLED)) === word) {
        return Atomics.load(this.headers, JOB_ID + h) === id ? 'cancelled' : -1;
      }
    }
  }

  /** Copies the payload of a claimed slot out and frees its blocks. */
  takePayload(slot: number): Buffer {
    return this.readPayload(slot, (view) => Buffer.from(view));
  }

  /**
   * Calls `read` with a view of the payload of a claimed slot (valid during the call only),
   * then frees its blocks; returns what `read` returned. Saves the copy of `takePayload`.
   */
  readPayload<T>(slot: number, read: (view: Uint8Array) => T): T {
    const h = slot * HEADER_WORDS;
    const block = Atomics.load(this.headers, BLOCK + h);
    if (block < 0) return read(new Uint8Array(0));
    const length = Atomics.load(this.headers, LENGTH + h);
    try {
      return read(this.#payload.subarray(block * BLOCK_SIZE, block * BLOCK_SIZE + length));
    } finally {
      freeBits(this.#blockBitmap, block, Atomics.load(this.headers, BLOCKS + h));
      Atomics.store(this.headers, BLOCK + h, -1);
    }
  }

  /** Frees `slot` (and its blocks if not taken yet); bumps its generation. */
  free(slot: number): void {
    const h = slot * HEADER_WORDS;
    const block = Atomics.load(this.headers, BLOCK + h);
    if (block >= 0) {
      freeBits(this.#blockBitmap, block, Atomics.load(this.headers, BLOCKS + h));
      Atomics.store(this.headers, BLOCK + h, -1);
    }
    const word = Atomics.load(this.headers, STATE + h);
    Atomics.store(this.headers, JOB_ID + h, 0);
    Atomics.store(this.headers, STATE + h, makeState(generationOf(word) + 1, -1, FREE));
    freeBits(this.#slotBitmap, slot, 1);
  }
}
