import type { WaitOptions } from '@rt/scheduler';
import { GuardReleased } from './errors.js';
import { BatchSemaphore } from './internal/batch-semaphore.js';
import { notThenable } from './internal/not-thenable.js';
import { checkCount } from '@rt/scheduler/primitives';

const MAX_PERMITS = 2 ** 50 - 1;

/**
 * A counting semaphore: a pool of permits that operations acquire and release.
 *
 * Fair: acquirers are served in strict FIFO order, including `acquireMany(n)` calls, which
 * block the queue behind them until `n` permits are free (no starvation of large
 * requests). `tryAcquire*` never jumps the queue. Each acquisition returns a
 * {@link SemaphorePermit} that gives its permits back on `release()` / `Symbol.dispose`,
 * or never, after `forget()`.
 *
 * **Cancellation:** `acquire`/`acquireMany` are cancel safe: an aborted call rejects with
 * `Cancelled` and holds no permit; once permits have been handed to it, a later abort
 * changes nothing (the permit is delivered). An aborted acquire never leaks a permit.
 *
 * **Errors:** acquiring from a closed semaphore rejects with `AcquireError`; a bad count
 * throws `RangeError`.
 *
 * **Example**
 * ```ts
 * const connections = new Semaphore(10);
 * using permit = await connections.acquire();
 * await talkToServer();
 * ```
 */
export class Semaphore {
  /** The largest number of permits a semaphore can hold. */
  static readonly MAX_PERMITS = MAX_PERMITS;

  readonly #core: BatchSemaphore;

  constructor(permits: number) {
    checkCount('Semaphore permits', permits, 0, MAX_PERMITS);
    this.#core = new BatchSemaphore(permits, 'Semaphore.acquire');
  }

  /** Free permits now. */
  get availablePermits(): number {
    return this.#core.permits;
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.#core.closed;
  }

  /**
   * Waits for one permit (FIFO).
   *
   * **Cancellation:** cancel safe (see {@link Semaphore}).
   *
   * **Errors:** `AcquireError` once closed; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * const permit = await semaphore.acquire({ signal });
   * try { await work(); } finally { permit.release(); }
   * ```
   */
  acquire(options?: WaitOptions): Promise<SemaphorePermit> {
    return this.#core.acquireWith(1, options, makePermit, this.#core);
  }

  /**
   * Waits until `n` permits can be taken at once (FIFO; the request blocks later ones).
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
    checkCount('acquireMany n', n, 0, MAX_PERMITS);
    return this.#core.acquireWith(n, options, makePermit, this.#core);
  }

  /**
   * Takes one permit now, or returns undefined if none is free or someone is waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `AcquireError` if closed.
   *
   * **Example**
   * ```ts
   * const permit = semaphore.tryAcquire();
   * if (!permit) return 'busy';
   * ```
   */
  tryAcquire(): SemaphorePermit | undefined {
    return this.tryAcquireMany(1);
  }

  /**
   * Takes `n` permits now, or returns undefined (not enough free, or someone waiting).
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `RangeError` for a bad `n`; `AcquireError` if closed.
   *
   * **Example**
   * ```ts
   * const permit = semaphore.tryAcquireMany(3);
   * ```
   */
  tryAcquireMany(n: number): SemaphorePermit | undefined {
    checkCount('tryAcquireMany n', n, 0, MAX_PERMITS);
    const core = this.#core;
    return core.tryAcquire(n) ? new SemaphorePermit(core, n) : undefined;
  }

  /**
   * Adds `n` permits, waking waiters in FIFO order.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `RangeError` if `n` is not a non-negative integer or the total would
   * exceed `Semaphore.MAX_PERMITS`.
   *
   * **Example**
   * ```ts
   * semaphore.addPermits(2);
   * ```
   */
  addPermits(n: number): void {
    checkCount('addPermits n', n, 0, MAX_PERMITS - this.#core.permits);
    this.#core.release(n);
  }

  /**
   * Removes up to `n` free permits for good and returns how many it removed.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `RangeError` for a bad `n`.
   *
   * **Example**
   * ```ts
   * const removed = semaphore.forgetPermits(5);
   * ```
   */
  forgetPermits(n: number): number {
    checkCount('forgetPermits n', n, 0, MAX_PERMITS);
    return this.#core.forget(n);
  }

  /**
   * Closes the semaphore: every waiter rejects with `AcquireError`, and so does every later
   * acquire. Permits already held stay valid. Idempotent.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * semaphore.close();
   * ```
   */
  close(): void {
    this.#core.close();
  }
}

/**
 * Permits held from a {@link Semaphore}: released with
 * `release()` / `Symbol.dispose`, kept for good with `forget()`.
 *
 * **Cancellation:** not applicable (no waiting).
 *
 * **Errors:** `merge`/`split` on a released permit throw {@link GuardReleased}; merging
 * permits of different semaphores throws `TypeError`.
 *
 * **Example**
 * ```ts
 * const a = await semaphore.acquireMany(3);
 * const b = a.split(1); // a holds 2, b holds 1
 * b.release();
 * a.release();
 * ```
 */
export class SemaphorePermit implements Disposable {
  #core: BatchSemaphore | undefined;
  #permits: number;

  /** @internal Created by {@link Semaphore}. */
  constructor(core: BatchSemaphore, permits: number) {
    this.#core = core;
    this.#permits = permits;
  }

  /** How many permits this object holds (0 once released or forgotten). */
  get permits(): number {
    return this.#permits;
  }

  /** Keeps the permits for good: they never return to the semaphore. */
  forget(): void {
    this.#core = undefined;
    this.#permits = 0;
  }

  /** Moves every permit of `other` (same semaphore) into this one; `other` ends up empty. */
  merge(other: SemaphorePermit): void {
    if (this.#core === undefined || other.#core === undefined) throw new GuardReleased('SemaphorePermit used after release');
    if (this.#core !== other.#core) throw new TypeError('SemaphorePermit.merge: permits belong to different semaphores');
    this.#permits += other.#permits;
    other.#permits = 0;
    other.#core = undefined;
  }

  /** Splits `n` permits off into a new permit, or returns undefined if this holds fewer than `n`. */
  split(n: number): SemaphorePermit | undefined {
    checkCount('split n', n, 0, MAX_PERMITS);
    if (this.#core === undefined) throw new GuardReleased('SemaphorePermit used after release');
    if (n > this.#permits) return undefined;
    this.#permits -= n;
    return new SemaphorePermit(this.#core, n);
  }

  /** Returns the permits to the semaphore (waking waiters). Idempotent. */
  release(): void {
    const core = this.#core;
    if (core === undefined) return;
    this.#core = undefined;
    const n = this.#permits;
    this.#permits = 0;
    if (n > 0) core.release(n);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

// Resolving `acquire()`'s promise looks `then` up on the permit: found here, at its first prototype.
notThenable(SemaphorePermit.prototype);

function makePermit(core: BatchSemaphore, n: number): SemaphorePermit {
  return new SemaphorePermit(core, n);
}
