// Counts tasks and promises until they finish, and lets code wait for "closed and empty"
// (tokio-util's TaskTracker).
//
// A tracked task leaves the count when it finishes (returned, thrown, cancelled, or aborted
// before it started), learnt through `JoinHandle.onFinished`: a completion hook that does not
// join, so the task's error stays unobserved and the runtime still reports it if nobody
// awaits the handle.
import { spawn } from '@rt/scheduler';
import type { JoinHandle, SpawnOptions, WaitOptions } from '@rt/scheduler';
import { RESOLVED, WaitList, WaitNode, checkCancelled, isThenable, parkIn } from '@rt/scheduler/primitives';
import { checkFunction, describe } from './internal/validate.js';

/**
 * Keeps count of a group of tasks so a shutdown can wait for all of them:
 * `spawn(fn)` or `track(promise)` adds one, `close()` says no more will be added, and
 * `wait()` resolves once the tracker is closed and every tracked task has finished.
 * Tokio's `tokio_util::task::TaskTracker`.
 *
 * Unlike a `JoinSet` it keeps no results (a tracked task's value or error goes only to its
 * `JoinHandle`), so memory stays bounded however many tasks pass through; and it never
 * aborts anything: pair it with a `CancellationToken` to tell the tasks to stop. Closing is
 * not final: `reopen()` undoes it, and tasks may still be added to a closed tracker (they
 * delay `wait()` like the others).
 *
 * **Cancellation:** `wait()` is cancel safe (an aborted wait changes nothing).
 *
 * **Errors:** see each method.
 *
 * **Example**
 * ```ts
 * const tracker = new TaskTracker();
 * for (let i = 0; i < 3; i++) tracker.spawn(async () => { await sleep(10 * i); });
 * tracker.close();
 * await tracker.wait(); // every task has finished
 * ```
 */
export class TaskTracker {
  #count = 0;
  #closed = false;
  readonly #waiters = new WaitList<void>();

  /** Tasks and promises tracked and not yet finished. */
  get len(): number {
    return this.#count;
  }

  /** True when nothing tracked is still running. */
  get isEmpty(): boolean {
    return this.#count === 0;
  }

  /** True after `close()` (until `reopen()`). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the tracker: `wait()` can now resolve once the count reaches zero. Returns true if
   * this call closed it, false if it was already closed.
   */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#wakeIfDone();
    return true;
  }

  /** Reopens a closed tracker; returns true if this call reopened it. */
  reopen(): boolean {
    if (!this.#closed) return false;
    this.#closed = false;
    return true;
  }

  /**
   * Spawns `fn` as a task on the current runtime (as `spawn` of `@rt/scheduler`) and
   * tracks it until its function settles. Returns the task's `JoinHandle`.
   *
   * **Cancellation:** aborting the handle aborts the task; it leaves the tracker when it
   * finishes (at once if it had not started).
   *
   * **Errors:** TypeError if `fn` is not a function; `RuntimeShutdown`.
   *
   * **Example**
   * ```ts
   * const handle = tracker.spawn(async () => 42, { name: 'answer' });
   * console.log(await handle); // 42
   * ```
   */
  spawn<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
    checkFunction(fn, 'TaskTracker.spawn(fn): fn');
    const handle = spawn(fn, options);
    this.#count++;
    // Non-joining: the task's error stays with its handle (and is reported if nobody joins).
    handle.onFinished(this.#untrack);
    return handle as JoinHandle<Awaited<T>>;
  }

  /**
   * Tracks `promise` (any PromiseLike) until it settles, and returns a promise of the same
   * outcome. The tracker does not consume a rejection: handle the returned promise (or the
   * original).
   *
   * **Cancellation:** not applicable (nothing is awaited here).
   *
   * **Errors:** TypeError if `promise` is not thenable.
   *
   * **Example**
   * ```ts
   * const flushed = tracker.track(writer.flush());
   * ```
   */
  track<T>(promise: PromiseLike<T>): Promise<T> {
    if (!isThenable(promise)) {
      throw new TypeError(`TaskTracker.track(promise): promise must be a promise or thenable, got ${describe(promise)}`);
    }
    this.#count++;
    const settled = Promise.resolve(promise);
    settled.then(this.#untrack, this.#untrack);
    return settled;
  }

  readonly #untrack = (): void => {
    this.#count--;
    this.#wakeIfDone();
  };

  #wakeIfDone(): void {
    if (!this.#closed || this.#count !== 0) return;
    if (this.#waiters.head === undefined) return;
    for (const node of this.#waiters.drain()) node.waiter!.wake(undefined);
  }

  /**
   * Waits until the tracker is closed and empty; resolves at once (after a cancellation
   * check) if it already is. A tracker that is reopened before the wait is woken keeps it
   * waiting.
   *
   * **Cancellation:** cancel safe: an aborted wait rejects with `Cancelled` and changes
   * nothing. Use a signal to put a deadline on a shutdown:
   * `await tracker.wait({ signal: AbortSignal.timeout(10_000) })`.
   *
   * **Errors:** `Cancelled` on abort; TypeError for malformed `options`.
   *
   * **Example**
   * ```ts
   * tracker.close();
   * await tracker.wait();
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#closed && this.#count === 0) return RESOLVED;
    return parkIn(this.#waiters, new WaitNode<void>(), 'TaskTracker.wait', options);
  }
}
