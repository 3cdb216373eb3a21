import type { WaitOptions } from '@rt/scheduler';
import { SetError } from './errors.js';
import { coop as budget } from '@rt/scheduler';
import { WaitList, checkCancelled, parkSimple, retryAfter } from '@rt/scheduler/primitives';

/**
 * A value set at most once, that tasks can wait for (Tokio's `SetOnce`).
 *
 * **Cancellation:** `wait({ signal })` is cancel safe: it consumes nothing.
 *
 * **Errors:** a second `set` throws {@link SetError} `'AlreadyInitialized'`; `wait` rejects
 * with `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * const ready = new SetOnce<number>();
 * setImmediate(() => ready.set(7));
 * console.log(await ready.wait()); // 7
 * ```
 */
export class SetOnce<T> {
  #value: T | undefined = undefined;
  #initialized = false;
  readonly #waiters = new WaitList<T>();

  /** True once set. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** The value, or undefined if not set yet. Never waits. */
  get(): T | undefined {
    return this.#value;
  }

  /**
   * Sets the value and wakes every waiter.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link SetError} `'AlreadyInitialized'` (value back) if already set.
   */
  set(value: T): void {
    if (this.#initialized) throw new SetError('AlreadyInitialized', value);
    this.#value = value;
    this.#initialized = true;
    for (const node of this.#waiters.drain()) node.waiter!.wake(value);
  }

  /**
   * Resolves with the value once it is set.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * const port = await listening.wait({ signal });
   * ```
   */
  wait(options?: WaitOptions): Promise<T> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#initialized) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.wait, options);
      return Promise.resolve(this.#value as T);
    }
    return parkSimple(this.#waiters, 'SetOnce.wait', options);
  }
}
