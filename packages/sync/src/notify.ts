import type { WaitOptions } from '@rt/scheduler';
import { Closed } from './errors.js';
import { RESOLVED, WaitList, WaitNode, checkCancelled, parkIn, thenParksOwnWait } from '@rt/scheduler/primitives';

const NOTIFY_ONE = 1;
const NOTIFY_ALL = 2;

/** @internal The state a Notify shares with its Notified futures. */
export class NotifyState {
  permit = false;
  /** How many times notifyWaiters() ran: a Notified created before a call completes. */
  waitersCalls = 0;
  readonly waiters = new WaitList<void>();
}

const noop = (): void => {};

/**
 * Notifies a single task or all waiting tasks of an event; it carries no data.
 *
 * `notifyOne()` wakes the longest-waiting `notified()` (FIFO), or, if nobody waits, stores
 * **one** permit that the next `notified()` consumes at once (several calls still store
 * one). `notifyLast()` wakes the most recent waiter instead. `notifyWaiters()` wakes every
 * current waiter, including each `Notified` created before the call even if not yet
 * awaited, and stores no permit. Use `enable()` to register before checking a condition,
 * so a notification between the check and the await is not missed.
 *
 * **Cancellation:** `notified()` is cancel safe in Tokio's sense: an aborted wait that was
 * not yet notified loses nothing; a `Notified` that received a `notifyOne()` and is then
 * disposed without being awaited passes the notification on to the next waiter.
 *
 * **Errors:** awaiting rejects with `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * const notify = new Notify();
 * const waiting = notify.notified();
 * notify.notifyOne();
 * await waiting;
 * ```
 */
export class Notify {
  readonly #state = new NotifyState();

  /**
   * Returns a {@link Notified}: await it to wait for a notification.
   *
   * **Cancellation:** see {@link Notify}; `options.signal` aborts the wait.
   *
   * **Errors:** none at creation.
   *
   * **Example**
   * ```ts
   * const n = notify.notified({ signal });
   * n.enable();
   * if (!ready()) await n;
   * ```
   */
  notified(options?: WaitOptions): Notified {
    return new Notified(this.#state, options);
  }

  /**
   * Wakes the first waiter (FIFO), or stores one permit if nobody waits.
   *
   * **Cancellation:** never waits. **Errors:** none.
   *
   * **Example**
   * ```ts
   * notify.notifyOne();
   * ```
   */
  notifyOne(): void {
    this.#wakeOne(false);
  }

  /**
   * Wakes the most recent waiter (LIFO), or stores one permit if nobody waits.
   *
   * **Cancellation:** never waits. **Errors:** none.
   *
   * **Example**
   * ```ts
   * notify.notifyLast();
   * ```
   */
  notifyLast(): void {
    this.#wakeOne(true);
  }

  /**
   * Wakes every waiter, and every `Notified` created before this call; stores no permit.
   *
   * **Cancellation:** never waits. **Errors:** none.
   *
   * **Example**
   * ```ts
   * notify.notifyWaiters();
   * ```
   */
  notifyWaiters(): void {
    const s = this.#state;
    s.waitersCalls++;
    for (const node of s.waiters.drain()) {
      node.payload = NOTIFY_ALL;
      node.waiter!.wake(undefined);
    }
  }

  #wakeOne(last: boolean): void {
    const s = this.#state;
    let node: WaitNode<void> | undefined;
    while ((node = last ? s.waiters.pop() : s.waiters.shift()) !== undefined) {
      node.payload = NOTIFY_ONE;
      if (node.waiter!.wake(undefined)) return;
    }
    s.permit = true;
  }
}

/**
 * One wait on a {@link Notify}: `PromiseLike<void>`, with an `enable()` step.
 *
 * **Cancellation:** see {@link Notify}. `Symbol.dispose` withdraws a registered wait (its
 * promise rejects with `Closed`) and passes on an unconsumed `notifyOne()`.
 *
 * **Errors:** rejects with `Cancelled` when aborted, `Closed` when disposed while waiting.
 *
 * **Example**
 * ```ts
 * using n = notify.notified();
 * if (!n.enable()) await n;
 * ```
 */
export class Notified implements PromiseLike<void>, Disposable {
  readonly #state: NotifyState;
  readonly #options: WaitOptions | undefined;
  readonly #calls: number;
  #done = false;
  #consumed = false;
  #node: WaitNode<void> | undefined = undefined;
  #promise: Promise<void> | undefined = undefined;

  /** @internal */
  constructor(state: NotifyState, options: WaitOptions | undefined) {
    this.#state = state;
    this.#options = options;
    this.#calls = state.waitersCalls;
  }

  /**
   * Registers this wait with the Notify now (so `notifyOne`/`notifyWaiters` reach it) and
   * returns true if it is already notified. Idempotent.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** throws `Cancelled` if the task or signal is already aborted.
   */
  enable(): boolean {
    return this.#enable(true);
  }

  #enable(unawaited: boolean): boolean {
    if (this.#done) return true;
    const registered = this.#node;
    if (registered !== undefined) {
      if (registered.linked || registered.payload !== 0) return !registered.linked;
      // Its wait ended before any notification (a `timeout` whose deadline won, a signal, an
      // abort): registers afresh, so a retry waits again (pass mt29). An aborted task or signal
      // rejects the new wait at once, as it did the old.
      this.#node = this.#promise = undefined;
    }
    const s = this.#state;
    if (s.waitersCalls !== this.#calls || s.permit) {
      if (s.waitersCalls === this.#calls) s.permit = false;
      this.#done = true;
      return true;
    }
    const node = new WaitNode<void>(1, 0, false);
    this.#node = node;
    const promise = parkIn(s.waiters, node, 'Notify.notified', this.#options);
    this.#promise = promise;
    // Registered but perhaps never awaited: an abort must not become an unhandled rejection.
    if (unawaited) promise.catch(noop);
    return false;
  }

  /** Waits for the notification (registering first if `enable()` was not called). */
  wait(): Promise<void> {
    const cancelled = checkCancelled(this.#options);
    if (cancelled !== undefined && this.#node === undefined) return cancelled;
    this.#consumed = true;
    if (this.#enable(false)) return this.#promise ?? RESOLVED;
    return this.#promise!;
  }

  /** Makes the wait awaitable: `await notified` is `await notified.wait()`. */
  then<R1 = void, R2 = never>(
    onFulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.wait().then(onFulfilled, onRejected);
  }

  /** Withdraws the wait; an unconsumed `notifyOne()` it received goes to the next waiter. */
  [Symbol.dispose](): void {
    const node = this.#node;
    if (node === undefined) return;
    // Disposed for good: a later wait is its promise (rejected with Closed), never a new one.
    this.#done = true;
    if (node.linked) {
      this.#state.waiters.remove(node);
      node.waiter!.fail(new Closed('Notified disposed'));
    } else if (!this.#consumed && node.payload === NOTIFY_ONE) {
      node.payload = 0;
      const s = this.#state;
      let next: WaitNode<void> | undefined;
      while ((next = s.waiters.shift()) !== undefined) {
        next.payload = NOTIFY_ONE;
        if (next.waiter!.wake(undefined)) return;
      }
      s.permit = true;
    }
  }
}

// A `then` registers the Notified's one wait (parked in the task) unless it was registered already
// (`enable()`, an earlier `then`: it parks nothing then). `timeout(ms, notify.notified())` ends
// that wait when the deadline wins, as Tokio's timeout drops the `Notified`: it leaves the task and
// the Notify's waiters, and the next `notifyOne()` goes to a task really waiting (pass mt29; before,
// it went to the oldest abandoned wait and was lost). Awaiting the Notified again registers anew.
(Notified.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;
