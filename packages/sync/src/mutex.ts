import type { WaitOptions } from '@rt/scheduler';
import { GuardReleased } from './errors.js';
import { BatchSemaphore } from './internal/batch-semaphore.js';
import { notThenable } from './internal/not-thenable.js';
import { unwatchLostWake as unwatchLostWakeOf, watchLostWake as watchLostWakeOf } from '@rt/scheduler/primitives';

// The imports every guard reads, as module-local constants: an imported binding is read through
// its module cell with a TDZ check each time, a module's own `const` is folded (issue 16: @rt/net's
// README, pass eu30; sync README, pass sm31).
const watchLostWake = watchLostWakeOf;
const unwatchLostWake = unwatchLostWakeOf;

/** @internal The state a Mutex shares with its guards. */
export interface MutexState<T> {
  value: T;
  readonly semaphore: BatchSemaphore;
}

/**
 * An asynchronous mutual-exclusion lock around a value of type `T`.
 *
 * `lock()` resolves with a {@link MutexGuard}: the only way to read or write the value.
 * Waiters are served in strict FIFO order, and the lock is handed directly to the next
 * waiter on release, so a steady stream of new `lock()` calls cannot starve a waiter, and
 * `tryLock()` never jumps the queue. Works inside and outside an rt task.
 *
 * **Cancellation:** `lock({ signal })` is cancel safe. An abort before the lock is handed
 * over rejects with `Cancelled` and leaves the queue as if the call never happened; once the
 * lock has been handed over, a later abort changes nothing: the guard is delivered and the
 * abort is seen at the task's next rt await point. An aborted `lock()` never leaks the lock.
 *
 * **Errors:** `lock()` rejects with `Cancelled` when aborted. Using a released guard throws
 * {@link GuardReleased}.
 *
 * **Example**
 * ```ts
 * const counter = new Mutex(0);
 * {
 *   using guard = await counter.lock();
 *   guard.value += 1;
 * } // released here
 * ```
 */
export class Mutex<T> {
  readonly #state: MutexState<T>;

  constructor(value: T) {
    this.#state = { value, semaphore: new BatchSemaphore(1, 'Mutex.lock') };
  }

  /**
   * Waits for the lock (FIFO) and resolves with its guard.
   *
   * Consumes cooperative budget when the lock is free.
   *
   * **Cancellation:** cancel safe (see {@link Mutex}).
   *
   * **Errors:** rejects with `Cancelled` if the task or `options.signal` is aborted first.
   *
   * **Example**
   * ```ts
   * using guard = await mutex.lock({ signal: AbortSignal.timeout(1000) });
   * ```
   */
  lock(options?: WaitOptions): Promise<MutexGuard<T>> {
    const state = this.#state;
    return state.semaphore.acquireWith(1, options, makeGuard<T>, state);
  }

  /**
   * Takes the lock now if it is free and nobody waits; otherwise returns undefined.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * const guard = mutex.tryLock();
   * if (guard) { try { guard.value++; } finally { guard.release(); } }
   * ```
   */
  tryLock(): MutexGuard<T> | undefined {
    const state = this.#state;
    return state.semaphore.tryAcquire(1) ? new MutexGuard(state) : undefined;
  }

  /** True while a guard is held (a snapshot: it may change at the next await). */
  get isLocked(): boolean {
    return this.#state.semaphore.permits === 0;
  }
}

/**
 * Exclusive access to a {@link Mutex}'s value until `release()` (or `Symbol.dispose`).
 *
 * A guard is an ordinary object: it may be stored and released later, from another
 * function or task (Tokio's `OwnedMutexGuard`). `release()` is idempotent.
 *
 * **Cancellation:** not applicable (no waiting).
 *
 * **Errors:** reading or writing `value` after release throws {@link GuardReleased}.
 *
 * **Example**
 * ```ts
 * const guard = await mutex.lock();
 * guard.value = { ...guard.value, ready: true };
 * guard.release();
 * ```
 */
export class MutexGuard<T> implements Disposable {
  #state: MutexState<T> | undefined;

  /** @internal Created by {@link Mutex.lock}. */
  constructor(state: MutexState<T>) {
    this.#state = state;
    watchLostWake(this, state, guardCollected);
  }

  /** The protected value. */
  get value(): T {
    if (this.#state === undefined) throw new GuardReleased('MutexGuard used after release');
    return this.#state.value;
  }

  set value(value: T) {
    if (this.#state === undefined) throw new GuardReleased('MutexGuard used after release');
    this.#state.value = value;
  }

  /** True once released. */
  get released(): boolean {
    return this.#state === undefined;
  }

  /** Releases the lock, handing it to the next waiter if any. Idempotent. */
  release(): void {
    const state = this.#state;
    if (state === undefined) return;
    this.#state = undefined;
    unwatchLostWake(this);
    state.semaphore.release(1);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

// Resolving `lock()`'s promise looks `then` up on the guard: found here, at its first prototype.
notThenable(MutexGuard.prototype);

/** A guard was garbage-collected unreleased: the lock is held forever (lost-wake detection). */
function guardCollected(state: MutexState<unknown>): void {
  state.semaphore.guardLost(1, 1, 'the MutexGuard holding the lock was garbage-collected without release()');
}

function makeGuard<T>(state: MutexState<T>): MutexGuard<T> {
  return new MutexGuard(state);
}
