// Who owns which connection fd, in shared memory, so that no fd is ever leaked or closed
// twice when connections move between threads and workers die.
//
// How and why. fds are process-wide: a worker thread that ends (cleanly or not) does not
// close the sockets it held, and a number that was closed is reused at once by the next
// socket anyone opens. So every connection a shared listener gives a worker is entered in
// one table (a SharedArrayBuffer all threads see) under a slot:
//
//   FREE ──claim──▶ CLAIMING ──publish──▶ PENDING (handed off, in flight to the worker)
//                                   └───▶ HELD    (the worker's stream owns it)
//   PENDING ──worker takes it──▶ HELD ──stream closes──▶ FREE
//   PENDING / HELD ──worker exited, supervisor reclaims──▶ FREE (and the supervisor closes the fd)
//
// Every transition is a compare-and-swap, so the supervisor and a worker never both think
// they own an fd. A stream frees its slot BEFORE it closes its fd: if the worker dies in
// between, the fd leaks (the kernel closes it at process exit) but no one ever closes a
// number that another socket has since been given.
//
// Slots are claimed with a rotating hint, so the usual claim is one CAS. The table has a
// fixed size (SLOTS); when it is full, a hand-off waits (backpressure) and a reusePort
// accept keeps the connection untracked (counted in metrics as `untracked`).
//
// Per-worker counters (Int32, updated with Atomics) follow the slots:
//   ACTIVE   connections the worker's streams hold now (the hand-off's load figure)
//   ACCEPTED connections the worker has taken in total
//   TAKEN    hand-offs the worker took (the supervisor compares with what it posted)
//   UNTRACKED connections accepted while the table was full
import { closeSync } from 'node:fs';
import { available, sys } from '@rt/mio-native';

export const SLOTS = 16384;
const SLOT_WORDS = 3; // state, fd, worker

export const FREE = 0;
export const CLAIMING = 1;
export const PENDING = 2;
export const HELD = 3;

export const ACTIVE = 0;
export const ACCEPTED = 1;
export const TAKEN = 2;
export const UNTRACKED = 3;
const COUNTER_WORDS = 4;

/** The shared memory of one runtime's listener service (structured-cloned into each worker). */
export interface FdTableMemory {
  readonly slots: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
}

export function createFdTableMemory(workers: number): FdTableMemory {
  return {
    slots: new SharedArrayBuffer(SLOTS * SLOT_WORDS * 4),
    counters: new SharedArrayBuffer(Math.max(1, workers) * COUNTER_WORDS * 4),
  };
}

/**
 * Closes an fd this thread owns, ignoring EBADF (nothing else can be done). Through the
 * addon when it is loaded: `fs.closeSync` on an fd `fs` did not open warns in a worker.
 */
export function closeFd(fd: number): void {
  if (available) {
    sys.close(fd);
    return;
  }
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

export class FdTable {
  readonly #slots: Int32Array;
  readonly #counters: Int32Array;
  #hint = 0;

  constructor(memory: FdTableMemory) {
    this.#slots = new Int32Array(memory.slots);
    this.#counters = new Int32Array(memory.counters);
  }

  /** Enters `fd` for `worker` in state PENDING or HELD; -1 when the table is full. */
  claim(fd: number, worker: number, state: typeof PENDING | typeof HELD): number {
    const slots = this.#slots;
    for (let n = 0; n < SLOTS; n++) {
      const slot = this.#hint;
      this.#hint = slot + 1 === SLOTS ? 0 : slot + 1;
      const at = slot * SLOT_WORDS;
      if (Atomics.load(slots, at) !== FREE) continue;
      if (Atomics.compareExchange(slots, at, FREE, CLAIMING) !== FREE) continue;
      Atomics.store(slots, at + 1, fd);
      Atomics.store(slots, at + 2, worker);
      Atomics.store(slots, at, state);
      return slot;
    }
    return -1;
  }

  fdOf(slot: number): number {
    return Atomics.load(this.#slots, slot * SLOT_WORDS + 1);
  }

  /** PENDING → HELD: the worker takes a handed-off fd. False when it was reclaimed. */
  take(slot: number): boolean {
    return Atomics.compareExchange(this.#slots, slot * SLOT_WORDS, PENDING, HELD) === PENDING;
  }

  /**
   * A PENDING hand-off of `fd` to `from` goes to `to` instead (the supervisor, after `from`
   * bounced it). False — and nothing changed — unless the slot still holds exactly that.
   */
  reassign(slot: number, fd: number, from: number, to: number): boolean {
    const slots = this.#slots;
    const at = slot * SLOT_WORDS;
    if (Atomics.compareExchange(slots, at, PENDING, CLAIMING) !== PENDING) return false;
    if (Atomics.load(slots, at + 1) !== fd || Atomics.load(slots, at + 2) !== from) {
      Atomics.store(slots, at, PENDING);
      return false;
    }
    Atomics.store(slots, at + 2, to);
    Atomics.store(slots, at, PENDING);
    return true;
  }

  /** HELD → FREE: the stream lets go (call before closing the fd). */
  release(slot: number): void {
    Atomics.compareExchange(this.#slots, slot * SLOT_WORDS, HELD, FREE);
  }

  /** PENDING → FREE and close the fd: a hand-off nobody will take. True when it did. */
  drop(slot: number): boolean {
    const at = slot * SLOT_WORDS;
    const fd = Atomics.load(this.#slots, at + 1);
    if (Atomics.compareExchange(this.#slots, at, PENDING, FREE) !== PENDING) return false;
    closeFd(fd);
    return true;
  }

  /** Frees and closes every fd entered for `worker` (it exited). Returns how many. */
  reclaim(worker: number): number {
    const slots = this.#slots;
    let closed = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const at = slot * SLOT_WORDS;
      const state = Atomics.load(slots, at);
      if ((state !== PENDING && state !== HELD) || Atomics.load(slots, at + 2) !== worker) continue;
      const fd = Atomics.load(slots, at + 1);
      if (Atomics.compareExchange(slots, at, state, FREE) !== state) continue;
      closeFd(fd);
      closed++;
    }
    return closed;
  }

  /** How many slots are in use (PENDING or HELD or being claimed). */
  inUse(): number {
    let n = 0;
    for (let slot = 0; slot < SLOTS; slot++) if (Atomics.load(this.#slots, slot * SLOT_WORDS) !== FREE) n++;
    return n;
  }

  add(worker: number, counter: number, delta: number): void {
    Atomics.add(this.#counters, worker * COUNTER_WORDS + counter, delta);
  }

  counter(worker: number, counter: number): number {
    return Atomics.load(this.#counters, worker * COUNTER_WORDS + counter);
  }

  /** A replacement worker starts from zero (its predecessor's connections were reclaimed). */
  resetActive(worker: number): void {
    Atomics.store(this.#counters, worker * COUNTER_WORDS + ACTIVE, 0);
  }
}
