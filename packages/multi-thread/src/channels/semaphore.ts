// A counting semaphore shared by threads: the permit count lives in a SharedArrayBuffer and
// is taken with compare-and-swap; a thread that finds too few permits parks its acquire
// locally and waits on the semaphore's sequence word (bumped by every release, addPermits
// and close), see internal/seq-watch.ts.
import type { WaitOptions } from '@rt/scheduler';
import { AcquireError, GuardReleased } from '@rt/sync';
import { randomId, sharedBuffer } from './internal/handle-token.js';
import { bump, SeqWatch } from './internal/seq-watch.js';
import { CHANNEL_END } from './internal/codec.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import { coop as budget } from '@rt/scheduler';
import { checkCancelled, checkCount, retryAfter } from '@rt/scheduler/primitives';
import { WaitList, WaitNode, failNode, parkOn, wakeNode } from './internal/thread-waiters.js';

const PERMITS = 0;
const CLOSED = 1;
const SEQ = 2;
const SLEEPERS = 3;
/** The token of the handle whose head acquirer is starving (0: none); see the class docs. */
const HUNGRY = 4;
const WORDS = 5;
/** Wake-ups a parked head acquirer may lose to other threads before it claims priority. */
const STARVE_AFTER = 3;

/** A shared {@link Semaphore}'s descriptor: structured-cloneable. */
export interface SemaphoreDescriptor {
  readonly [TRANSFER_TAG]: 'Semaphore';
  readonly control: SharedArrayBuffer;
}

/**
 * A counting semaphore that works across worker threads (its permits are in shared memory),
 * exported as `shared.Semaphore`: not `@rt/sync`'s `Semaphore`, whose queue is FIFO across
 * all acquirers; this one is FIFO only within a thread (see the fairness paragraph below).
 *
 * Pass it to another thread with `transfer()` (or inside `encodeTransferables`) and rebuild
 * it with `Semaphore.fromTransfer`; unlike a channel end, the semaphore stays usable in
 * this thread too: every thread's handle shares the same permits.
 *
 * Fairness, as guaranteed: acquirers parked in the same thread (on one handle) are served
 * in FIFO order (an `acquireMany(n)` blocks later ones until `n` are free), and a handle with
 * a parked acquirer takes no permit through `tryAcquire` ahead of it. Across threads there
 * is no queue — released permits go to whichever thread takes them first — but no thread
 * starves: a parked head acquirer that has lost 3 wake-ups in a row to other threads claims
 * priority (one shared word), and until it is served every other handle's acquire and
 * tryAcquire waits, so an `acquireMany(n)` gets its `n` even while other threads keep
 * taking single permits. One claim at a time; the next starving thread claims after it.
 *
 * **Cancellation:** `acquire`/`acquireMany` are cancel safe: an aborted call holds no
 * permit (permits are taken only in the step that delivers them).
 *
 * **Errors:** acquiring from a closed semaphore rejects with `AcquireError`; bad counts
 * throw `RangeError`.
 *
 * **Example**
 * ```ts
 * const slots = new shared.Semaphore(4);          // at most 4 in flight across every worker
 * worker.postMessage({ slots: slots.transfer() });
 * using permit = await slots.acquire();
 * ```
 */
export class Semaphore {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  /** The largest number of permits a shared semaphore can hold (one Int32 word). */
  static readonly MAX_PERMITS = 2 ** 31 - 1;

  readonly #control: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #waiters = new WaitList<SemaphorePermit>();
  readonly #watch: SeqWatch;
  /** After a parked acquire is cancelled: a field, so `acquireMany` captures nothing per call. */
  readonly #afterCancel = (): void => {
    if (this.#waiters.length === 0) this.#satisfied();
  };
  /** This handle's nonzero token for the HUNGRY word. */
  readonly #token = randomId() | 1;
  /** Wake-ups the head acquirer lost in a row. */
  #misses = 0;

  /**
   * A semaphore holding `permits` permits. (`control` is internal: other threads get a
   * handle with {@link Semaphore.fromTransfer}.)
   *
   * **Errors:** `RangeError` unless `permits` is an integer in [0, MAX_PERMITS].
   */
  constructor(permits: number, control?: SharedArrayBuffer) {
    checkCount('Semaphore permits', permits, 0, Semaphore.MAX_PERMITS);
    this.#control = control ?? new SharedArrayBuffer(WORDS * 4);
    this.#words = new Int32Array(this.#control);
    if (control === undefined) this.#words[PERMITS] = permits;
    this.#watch = new SeqWatch(this.#words, SEQ, SLEEPERS, () => this.#poll());
  }

  /**
   * A handle on a semaphore shared with {@link Semaphore.transfer}.
   *
   * **Errors:** `TypeError` for something that is not a Semaphore descriptor.
   */
  static fromTransfer(descriptor: SemaphoreDescriptor): Semaphore {
    if (descriptor === null || typeof descriptor !== 'object' || descriptor[TRANSFER_TAG] !== 'Semaphore') {
      throw new TypeError(`Semaphore.fromTransfer: not a Semaphore descriptor: ${String(descriptor)}`);
    }
    return new Semaphore(0, sharedBuffer(descriptor.control, 'Semaphore descriptor.control'));
  }

  /**
   * A structured-cloneable descriptor of this semaphore for another thread. This handle
   * stays usable (the semaphore is shared, not moved).
   *
   * **Errors:** none.
   */
  transfer(): SemaphoreDescriptor {
    return { [TRANSFER_TAG]: 'Semaphore', control: this.#control };
  }

  /** Free permits now (across every thread). */
  get availablePermits(): number {
    return Atomics.load(this.#words, PERMITS);
  }

  /** True after `close()` (in any thread). */
  get isClosed(): boolean {
    return Atomics.load(this.#words, CLOSED) !== 0;
  }

  #tryTake(n: number): boolean {
    const words = this.#words;
    const hungry = Atomics.load(words, HUNGRY);
    if (hungry !== 0 && hungry !== this.#token) return false;
    let current = Atomics.load(words, PERMITS);
    while (current >= n) {
      const seen = Atomics.compareExchange(words, PERMITS, current, current - n);
      if (seen === current) return true;
      current = seen;
    }
    return false;
  }

  /**
   * Waits for one permit.
   *
   * **Cancellation:** cancel safe (see {@link Semaphore}).
   *
   * **Errors:** `AcquireError` once closed; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * using permit = await semaphore.acquire({ signal });
   * ```
   */
  acquire(options?: WaitOptions): Promise<SemaphorePermit> {
    return this.acquireMany(1, options);
  }

  /**
   * Waits until `n` permits can be taken at once.
   *
   * **Cancellation:** cancel safe (see {@link Semaphore}).
   *
   * **Errors:** `RangeError` unless `n` is an integer in [0, MAX_PERMITS]; `AcquireError`
   * once closed; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * using permits = await bytesInFlight.acquireMany(chunk.length);
   * ```
   */
  acquireMany(n: number, options?: WaitOptions): Promise<SemaphorePermit> {
    checkCount('acquireMany n', n, 0, Semaphore.MAX_PERMITS);
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.isClosed) return Promise.reject(new AcquireError());
    if (this.#waiters.length === 0) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.acquireMany, n, options);
      if (this.#tryTake(n)) return Promise.resolve(new SemaphorePermit(this, n));
    }
    return parkOn(this.#waiters, new WaitNode<SemaphorePermit>(n, undefined, undefined), 'Semaphore.acquire', options, this.#watch, this.#afterCancel);
  }

  /** The head acquirer was served (or left with nobody behind it): give up a priority claim. */
  #satisfied(): void {
    this.#misses = 0;
    if (Atomics.compareExchange(this.#words, HUNGRY, this.#token, 0) === this.#token) bump(this.#words, SEQ, SLEEPERS);
  }

  #poll(): boolean {
    const list = this.#waiters;
    let node: WaitNode<SemaphorePermit> | undefined;
    while ((node = list.head) !== undefined) {
      if (this.isClosed) {
        failNode(list, node, new AcquireError());
        this.#satisfied();
        continue;
      }
      if (!this.#tryTake(node.need)) {
        if (++this.#misses >= STARVE_AFTER) Atomics.compareExchange(this.#words, HUNGRY, 0, this.#token);
        return true;
      }
      wakeNode(list, node, new SemaphorePermit(this, node.need));
      this.#satisfied();
    }
    return false;
  }

  /**
   * Takes one permit now, or returns undefined if none is free or an acquire of this
   * thread is waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `AcquireError` if closed.
   */
  tryAcquire(): SemaphorePermit | undefined {
    return this.tryAcquireMany(1);
  }

  /**
   * Takes `n` permits now, or returns undefined.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `RangeError` for a bad `n`; `AcquireError` if closed.
   */
  tryAcquireMany(n: number): SemaphorePermit | undefined {
    checkCount('tryAcquireMany n', n, 0, Semaphore.MAX_PERMITS);
    if (this.isClosed) throw new AcquireError();
    if (this.#waiters.length !== 0) return undefined;
    return this.#tryTake(n) ? new SemaphorePermit(this, n) : undefined;
  }

  /**
   * Adds `n` permits, waking waiters in every thread.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `RangeError` if `n` is not a non-negative integer or the total would exceed
   * `Semaphore.MAX_PERMITS`.
   */
  addPermits(n: number): void {
    checkCount('addPermits n', n, 0, Semaphore.MAX_PERMITS);
    if (n === 0) return;
    // Checked and added in one compare-and-swap: another thread may add at the same time.
    const words = this.#words;
    let current = Atomics.load(words, PERMITS);
    for (;;) {
      if (current > Semaphore.MAX_PERMITS - n) {
        throw new RangeError(`addPermits n: ${n} more permits would exceed Semaphore.MAX_PERMITS (${current} available)`);
      }
      const seen = Atomics.compareExchange(words, PERMITS, current, current + n);
      if (seen === current) break;
      current = seen;
    }
    bump(words, SEQ, SLEEPERS);
  }

  /** @internal Gives `n` permits back. */
  release(n: number): void {
    if (n === 0) return;
    Atomics.add(this.#words, PERMITS, n);
    bump(this.#words, SEQ, SLEEPERS);
  }

  /**
   * Removes up to `n` free permits for good and returns how many it removed.
   *
   * **Errors:** `RangeError` for a bad `n`.
   */
  forgetPermits(n: number): number {
    checkCount('forgetPermits n', n, 0, Semaphore.MAX_PERMITS);
    const words = this.#words;
    let current = Atomics.load(words, PERMITS);
    for (;;) {
      const take = Math.min(current, n);
      const seen = Atomics.compareExchange(words, PERMITS, current, current - take);
      if (seen === current) return take;
      current = seen;
    }
  }

  /**
   * Closes the semaphore in every thread: waiters reject with `AcquireError`, and so does
   * every later acquire. Permits already held stay valid. Idempotent.
   */
  close(): void {
    if (Atomics.exchange(this.#words, CLOSED, 1) === 0) bump(this.#words, SEQ, SLEEPERS);
  }
}

/**
 * Permits held from a shared {@link Semaphore}, in this thread: released with `release()` /
 * `Symbol.dispose`, kept for good with `forget()`.
 *
 * **Cancellation:** not applicable (no waiting).
 *
 * **Errors:** `merge`/`split` on a released permit throw `GuardReleased`; merging permits of
 * different semaphores throws `TypeError`.
 *
 * **Example**
 * ```ts
 * const permit = await semaphore.acquireMany(2);
 * permit.release();
 * ```
 */
export class SemaphorePermit implements Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #semaphore: Semaphore | undefined;
  #permits: number;

  /** @internal */
  constructor(semaphore: Semaphore, permits: number) {
    this.#semaphore = semaphore;
    this.#permits = permits;
  }

  /** How many permits this object holds (0 once released or forgotten). */
  get permits(): number {
    return this.#permits;
  }

  /** Keeps the permits for good: they never return to the semaphore. */
  forget(): void {
    this.#semaphore = undefined;
    this.#permits = 0;
  }

  /** Moves every permit of `other` (same semaphore handle) into this one. */
  merge(other: SemaphorePermit): void {
    if (this.#semaphore === undefined || other.#semaphore === undefined) throw new GuardReleased('SemaphorePermit used after release');
    if (this.#semaphore !== other.#semaphore) throw new TypeError('SemaphorePermit.merge: permits belong to different semaphores');
    this.#permits += other.#permits;
    other.#permits = 0;
    other.#semaphore = undefined;
  }

  /** Splits `n` permits off into a new permit, or returns undefined if this holds fewer than `n`. */
  split(n: number): SemaphorePermit | undefined {
    checkCount('split n', n, 0, Semaphore.MAX_PERMITS);
    if (this.#semaphore === undefined) throw new GuardReleased('SemaphorePermit used after release');
    if (n > this.#permits) return undefined;
    this.#permits -= n;
    return new SemaphorePermit(this.#semaphore, n);
  }

  /** Returns the permits to the semaphore (waking waiters in every thread). Idempotent. */
  release(): void {
    const semaphore = this.#semaphore;
    if (semaphore === undefined) return;
    this.#semaphore = undefined;
    const n = this.#permits;
    this.#permits = 0;
    semaphore.release(n);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
