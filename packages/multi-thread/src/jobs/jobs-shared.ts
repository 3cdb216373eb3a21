// JobsShared: every SharedArrayBuffer of the jobs service, and the views one thread uses.
//
// Memory (defaults, per runtime): job arena 4096 slots × 32 B of header + 8 MiB of payload
// blocks (see job-arena.ts); the injector 4096 slots × 4 B; per worker a local queue of
// `localQueueCapacity` × 4 B, an inbox of pinned jobs 4096 × 4 B, and 16 words of state and
// counters. The injector and inboxes are as large as the arena, so they can never overflow.
import { JobArena, type JobArenaBuffers } from './job-arena.js';
import { Injector } from './injector.js';
import { LocalQueue } from './local-queue.js';

/** Global words. */
const NEXT_ID = 0;
const SEARCHING = 1;
const PARKED = 2;
const SHUTDOWN = 3;
const CONTROL_WORDS = 8;

/** Per-worker words (MUST MATCH the metrics names below). */
export const W_PARKED = 0;
export const W_WAKE = 1;
export const W_EVENTFD = 2;
export const W_SPAWNED = 3;
export const W_RUN = 4;
export const W_STEALS = 5;
export const W_STOLEN = 6;
export const W_ALIVE = 7;
export const W_RUNNING = 8;
const WORKER_WORDS = 16;

/** The buffers handed to each worker in `workerData`. */
export interface JobsSharedBuffers {
  readonly count: number;
  readonly capacity: number;
  readonly interval: number;
  readonly control: SharedArrayBuffer;
  readonly workers: SharedArrayBuffer;
  readonly arena: JobArenaBuffers;
  readonly injector: SharedArrayBuffer;
  readonly locals: readonly SharedArrayBuffer[];
  readonly inboxes: readonly SharedArrayBuffer[];
}

/** A function that wakes worker `index` (the eventfd, or Atomics.notify). */
export type WakeFunction = (index: number) => void;

/** @internal One thread's views of the jobs service's shared memory. */
export class JobsShared {
  static create(count: number, capacity: number, interval: number, slots?: number, blocks?: number): JobsSharedBuffers {
    LocalQueue.checkCapacity(capacity);
    const arena = JobArena.create(slots, blocks);
    const words = new Int32Array(new SharedArrayBuffer(count * WORKER_WORDS * 4));
    for (let i = 0; i < count; i++) Atomics.store(words, i * WORKER_WORDS + W_EVENTFD, -1);
    return {
      count,
      capacity,
      interval,
      control: new SharedArrayBuffer(CONTROL_WORDS * 4),
      workers: words.buffer as SharedArrayBuffer,
      arena,
      injector: new SharedArrayBuffer(Injector.words(arena.slots) * 4),
      locals: Array.from({ length: count }, () => new SharedArrayBuffer(LocalQueue.words(capacity) * 4)),
      inboxes: Array.from({ length: count }, () => new SharedArrayBuffer(Injector.words(arena.slots) * 4)),
    };
  }

  readonly count: number;
  readonly interval: number;
  readonly buffers: JobsSharedBuffers;
  readonly control: Int32Array;
  readonly workers: Int32Array;
  readonly arena: JobArena;
  readonly injector: Injector;
  readonly locals: readonly LocalQueue[];
  readonly inboxes: readonly Injector[];
  /** How this thread wakes a worker (set by the owner of the views). */
  wake: WakeFunction = (index) => {
    Atomics.store(this.workers, index * WORKER_WORDS + W_WAKE, 1);
    Atomics.notify(this.workers, index * WORKER_WORDS + W_WAKE);
  };

  constructor(buffers: JobsSharedBuffers, hint: number) {
    this.buffers = buffers;
    this.count = buffers.count;
    this.interval = buffers.interval;
    this.control = new Int32Array(buffers.control);
    this.workers = new Int32Array(buffers.workers);
    this.arena = new JobArena(buffers.arena, hint);
    this.injector = new Injector(new Int32Array(buffers.injector), buffers.arena.slots);
    this.locals = buffers.locals.map((b) => new LocalQueue(new Int32Array(b), buffers.capacity));
    this.inboxes = buffers.inboxes.map((b) => new Injector(new Int32Array(b), buffers.arena.slots));
  }

  /** A fresh job id (unique in the runtime, from 1). */
  nextId(): number {
    return (Atomics.add(this.control, NEXT_ID, 1) + 1) & 0x7fffffff;
  }

  word(index: number, field: number): number {
    return Atomics.load(this.workers, index * WORKER_WORDS + field);
  }

  setWord(index: number, field: number, value: number): void {
    Atomics.store(this.workers, index * WORKER_WORDS + field, value);
  }

  addWord(index: number, field: number, delta: number): void {
    Atomics.add(this.workers, index * WORKER_WORDS + field, delta);
  }

  /** Index of the per-worker word (for Atomics.waitAsync). */
  wordIndex(index: number, field: number): number {
    return index * WORKER_WORDS + field;
  }

  get shuttingDown(): boolean {
    return Atomics.load(this.control, SHUTDOWN) !== 0;
  }

  markShutdown(): void {
    Atomics.store(this.control, SHUTDOWN, 1);
  }

  /** Workers looking for work right now. */
  get searching(): number {
    return Atomics.load(this.control, SEARCHING);
  }

  beginSearch(): void {
    Atomics.add(this.control, SEARCHING, 1);
  }

  endSearch(): void {
    Atomics.sub(this.control, SEARCHING, 1);
  }

  /** Marks worker `index` parked (before its last look at the queues). */
  park(index: number): void {
    if (Atomics.exchange(this.workers, index * WORKER_WORDS + W_PARKED, 1) === 0) Atomics.add(this.control, PARKED, 1);
  }

  /** Clears worker `index`'s parked mark; true when this call cleared it. */
  unpark(index: number): boolean {
    if (Atomics.compareExchange(this.workers, index * WORKER_WORDS + W_PARKED, 1, 0) !== 1) return false;
    Atomics.sub(this.control, PARKED, 1);
    return true;
  }

  /** Wakes worker `index` if it is parked. */
  notifyWorker(index: number): void {
    if (this.unpark(index)) this.wake(index);
  }

  /**
   * Tokio's rule: new stealable work wakes one parked worker, unless a worker is already
   * searching (it will find the work, and wake another if it finds more).
   */
  notifyOne(except: number): void {
    if (Atomics.load(this.control, PARKED) === 0 || Atomics.load(this.control, SEARCHING) > 0) return;
    const start = except < 0 ? 0 : except + 1;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.count;
      if (i === except || this.word(i, W_ALIVE) === 0) continue;
      if (this.unpark(i)) {
        this.wake(i);
        return;
      }
    }
  }

  /** Per-worker metrics. */
  metrics(index: number): Readonly<Record<string, number>> {
    return {
      jobsSpawned: this.word(index, W_SPAWNED),
      jobsRun: this.word(index, W_RUN),
      jobsRunning: this.word(index, W_RUNNING),
      steals: this.word(index, W_STEALS),
      jobsStolen: this.word(index, W_STOLEN),
      localQueueDepth: this.locals[index]!.length,
      pinnedQueueDepth: this.inboxes[index]!.length,
    };
  }

  /** Runtime-wide figures. */
  totals(): Readonly<Record<string, number>> {
    return {
      injectorDepth: this.injector.length,
      jobSlotsInUse: this.arena.slotsInUse(),
    };
  }
}
