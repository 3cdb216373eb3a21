import type { WaitOptions } from '@rt/scheduler';
import { AcquireError, SetError } from './errors.js';
import { BatchSemaphore } from './internal/batch-semaphore.js';

/**
 * A cell that is written once, asynchronously: `getOrInit` runs one initialiser at a time
 * and every caller gets the value it stored.
 *
 * Callers of `getOrInit` queue FIFO; the first runs its initialiser while the others wait.
 * If that initialiser throws or rejects (including with `Cancelled` because its task was
 * aborted), the cell stays empty and the next waiter runs *its* initialiser. Once set, every
 * waiter resolves with the value. `take()` empties the cell again.
 *
 * **Cancellation:** `getOrInit({ signal })` is cancel safe while waiting for another
 * initialiser (an aborted waiter leaves the queue). Once this caller's initialiser runs, it
 * runs to completion and its value is stored: rt cannot cancel a JavaScript promise, so an
 * abort reaches the initialiser only through rt awaits inside it (which reject and let the
 * next waiter try).
 *
 * **Errors:** what the initialiser throws; `Cancelled` when aborted while waiting;
 * `set` throws {@link SetError}.
 *
 * **Example**
 * ```ts
 * const config = new OnceCell<Config>();
 * const c = await config.getOrInit(() => loadConfig());
 * ```
 */
export class OnceCell<T> {
  #value: T | undefined = undefined;
  #initialized = false;
  #semaphore = new BatchSemaphore(1, 'OnceCell.getOrInit');

  /** True once a value is stored. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** The value, or undefined if none is stored yet. Never waits. */
  get(): T | undefined {
    return this.#value;
  }

  /**
   * Stores `value` if the cell is empty and no initialiser is running.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link SetError} `'AlreadyInitialized'` or `'Initializing'`, with the value back.
   */
  set(value: T): void {
    if (this.#initialized) throw new SetError('AlreadyInitialized', value);
    if (this.#semaphore.permits === 0) throw new SetError('Initializing', value);
    this.#store(value);
  }

  /**
   * Returns the value, running `init` to create it if the cell is empty (one initialiser at
   * a time, FIFO; a failed one lets the next caller try).
   *
   * **Cancellation:** see {@link OnceCell}.
   *
   * **Errors:** whatever `init` throws (the cell stays empty); `Cancelled` when aborted while waiting.
   *
   * **Example**
   * ```ts
   * const db = await pool.getOrInit(async () => connect(url), { signal });
   * ```
   */
  async getOrInit(init: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    for (;;) {
      if (this.#initialized) return this.#value as T;
      const semaphore = this.#semaphore;
      try {
        await semaphore.acquire(1, options);
      } catch (error) {
        // Closed: someone stored a value (or took it again: then loop and try once more).
        if (error instanceof AcquireError) continue;
        throw error;
      }
      if (this.#initialized) {
        semaphore.release(1);
        return this.#value as T;
      }
      let value: T;
      try {
        value = await init();
      } catch (error) {
        semaphore.release(1);
        throw error;
      }
      this.#store(value);
      return value;
    }
  }

  /**
   * As {@link OnceCell.getOrInit}, for initialisers that may fail (Tokio's
   * `get_or_try_init`): a thrown error or rejection propagates to this caller only, and the
   * next waiter tries its own initialiser.
   *
   * **Cancellation:** see {@link OnceCell}.
   *
   * **Errors:** what `init` throws; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const token = await cell.getOrTryInit(() => fetchToken());
   * ```
   */
  getOrTryInit(init: () => PromiseLike<T>, options?: WaitOptions): Promise<T> {
    return this.getOrInit(init, options);
  }

  /** Empties the cell and returns the value it held (undefined if none). Never waits. */
  take(): T | undefined {
    if (!this.#initialized) return undefined;
    const value = this.#value;
    this.#value = undefined;
    this.#initialized = false;
    this.#semaphore = new BatchSemaphore(1, 'OnceCell.getOrInit');
    return value;
  }

  #store(value: T): void {
    this.#value = value;
    this.#initialized = true;
    // Waiters of getOrInit wake with AcquireError and read the value.
    this.#semaphore.close();
  }
}
