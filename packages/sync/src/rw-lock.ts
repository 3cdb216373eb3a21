import type { WaitOptions } from '@rt/scheduler';
import { GuardReleased } from './errors.js';
import { BatchSemaphore } from './internal/batch-semaphore.js';
import { notThenable } from './internal/not-thenable.js';
import { checkCount, unwatchLostWake as unwatchLostWakeOf, watchLostWake as watchLostWakeOf } from '@rt/scheduler/primitives';

// The imports every guard reads, as module-local constants: an imported binding is read through
// its module cell with a TDZ check each time, a module's own `const` is folded (issue 16: @rt/net's
// README, pass eu30; sync README, passes sm31 and dr32).
const watchLostWake = watchLostWakeOf;
const unwatchLostWake = unwatchLostWakeOf;

/** Tokio's limit: u32::MAX >> 3. */
const MAX_READS = 0x1fffffff;

/** @internal The state an RwLock shares with its guards. */
export interface RwLockState<T> {
  value: T;
  readonly semaphore: BatchSemaphore;
  readonly maxReaders: number;
}

/**
 * An asynchronous reader-writer lock: many readers or one writer.
 *
 * Fair and write-preferring, like Tokio's: requests are served in strict FIFO order, a
 * reader takes one of `maxReaders` permits and a writer takes them all, so once a writer
 * waits, readers that arrive after it wait behind it (writers cannot starve), and readers
 * that arrived before it still share the lock.
 *
 * **Cancellation:** `read`/`write` are cancel safe: an aborted call holds nothing and
 * leaves the queue as if it never happened; once the lock was handed over, a later abort
 * changes nothing (the guard is delivered). Never leaks the lock.
 *
 * **Errors:** `RangeError` for a bad `maxReaders`; `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * const config = new RwLock({ port: 80 });
 * { using r = await config.read(); console.log(r.value.port); }
 * { using w = await config.write(); w.value = { port: 8080 }; }
 * ```
 */
export class RwLock<T> {
  readonly #state: RwLockState<T>;

  constructor(value: T, options?: { maxReaders?: number }) {
    const maxReaders = options?.maxReaders ?? MAX_READS;
    checkCount('RwLock maxReaders', maxReaders, 1, MAX_READS);
    this.#state = { value, semaphore: new BatchSemaphore(maxReaders, 'RwLock.read'), maxReaders };
  }

  /** The most readers that may hold the lock at once. */
  get maxReaders(): number {
    return this.#state.maxReaders;
  }

  /**
   * Waits for shared read access (FIFO; behind any waiting writer).
   *
   * **Cancellation:** cancel safe (see {@link RwLock}).
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * using guard = await lock.read();
   * ```
   */
  read(options?: WaitOptions): Promise<RwLockReadGuard<T>> {
    const state = this.#state;
    return state.semaphore.acquireWith(1, options, makeReadGuard<T>, state, 'RwLock.read');
  }

  /**
   * Waits for exclusive write access (FIFO).
   *
   * **Cancellation:** cancel safe (see {@link RwLock}).
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * using guard = await lock.write();
   * guard.value = next;
   * ```
   */
  write(options?: WaitOptions): Promise<RwLockWriteGuard<T>> {
    const state = this.#state;
    return state.semaphore.acquireWith(state.maxReaders, options, makeWriteGuard<T>, state, 'RwLock.write');
  }

  /** Read access now if no writer holds or waits for the lock, else undefined. Never waits. */
  tryRead(): RwLockReadGuard<T> | undefined {
    const state = this.#state;
    return state.semaphore.tryAcquire(1) ? new RwLockReadGuard(state, 1) : undefined;
  }

  /** Write access now if nobody holds or waits for the lock, else undefined. Never waits. */
  tryWrite(): RwLockWriteGuard<T> | undefined {
    const state = this.#state;
    return state.semaphore.tryAcquire(state.maxReaders) ? new RwLockWriteGuard(state) : undefined;
  }
}

/**
 * Shared read access to an {@link RwLock}'s value until `release()` / `Symbol.dispose`.
 *
 * **Cancellation:** not applicable. **Errors:** `value` after release throws {@link GuardReleased}.
 *
 * **Example**
 * ```ts
 * const guard = await lock.read();
 * console.log(guard.value);
 * guard.release();
 * ```
 */
export class RwLockReadGuard<T> implements Disposable {
  #state: RwLockState<T> | undefined;
  readonly #permits: number;

  /** @internal */
  constructor(state: RwLockState<T>, permits: number) {
    this.#state = state;
    this.#permits = permits;
    watchLostWake(this, state, readGuardCollected);
  }

  /** The protected value (read-only through this guard). */
  get value(): T {
    if (this.#state === undefined) throw new GuardReleased('RwLockReadGuard used after release');
    return this.#state.value;
  }

  /** Releases read access. Idempotent. */
  release(): void {
    const state = this.#state;
    if (state === undefined) return;
    this.#state = undefined;
    unwatchLostWake(this);
    state.semaphore.release(this.#permits);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Exclusive write access to an {@link RwLock}'s value until `release()` / `Symbol.dispose`.
 *
 * **Cancellation:** not applicable. **Errors:** `value` after release throws {@link GuardReleased}.
 *
 * **Example**
 * ```ts
 * using guard = await lock.write();
 * guard.value.items.push(item);
 * ```
 */
export class RwLockWriteGuard<T> implements Disposable {
  #state: RwLockState<T> | undefined;

  /** @internal */
  constructor(state: RwLockState<T>) {
    this.#state = state;
    watchLostWake(this, state, writeGuardCollected);
  }

  /** The protected value. */
  get value(): T {
    if (this.#state === undefined) throw new GuardReleased('RwLockWriteGuard used after release');
    return this.#state.value;
  }

  set value(value: T) {
    if (this.#state === undefined) throw new GuardReleased('RwLockWriteGuard used after release');
    this.#state.value = value;
  }

  /**
   * Turns write access into read access atomically (no writer can slip in between); this
   * guard is released and the returned read guard holds the lock.
   *
   * **Errors:** {@link GuardReleased} if already released.
   */
  downgrade(): RwLockReadGuard<T> {
    const state = this.#state;
    if (state === undefined) throw new GuardReleased('RwLockWriteGuard used after release');
    this.#state = undefined;
    unwatchLostWake(this);
    state.semaphore.release(state.maxReaders - 1);
    return new RwLockReadGuard(state, 1);
  }

  /** Releases write access. Idempotent. */
  release(): void {
    const state = this.#state;
    if (state === undefined) return;
    this.#state = undefined;
    unwatchLostWake(this);
    state.semaphore.release(state.maxReaders);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

// Lost-wake detection: a guard garbage-collected unreleased keeps its permits forever.
function readGuardCollected(state: RwLockState<unknown>): void {
  state.semaphore.guardLost(1, state.maxReaders, 'an RwLockReadGuard was garbage-collected without release() (its permit never comes back)');
}

function writeGuardCollected(state: RwLockState<unknown>): void {
  state.semaphore.guardLost(state.maxReaders, state.maxReaders, 'the RwLockWriteGuard holding the lock was garbage-collected without release()');
}

// Resolving `read()`'s and `write()`'s promises looks `then` up on the guard: found at its first prototype.
notThenable(RwLockReadGuard.prototype);
notThenable(RwLockWriteGuard.prototype);

function makeReadGuard<T>(state: RwLockState<T>): RwLockReadGuard<T> {
  return new RwLockReadGuard(state, 1);
}

function makeWriteGuard<T>(state: RwLockState<T>): RwLockWriteGuard<T> {
  return new RwLockWriteGuard(state);
}
