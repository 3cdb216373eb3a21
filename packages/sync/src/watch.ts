// watch: one sender, many receivers, only the latest value is kept.
//
// How and why: the shared state holds the value and a version that every send increments;
// each receiver remembers the version it saw last. `changed()` completes when the versions
// differ, so no notification is lost between two awaits, and many sends between two reads
// are seen as one change (receivers read the latest value, not every value).
import type { WaitOptions } from '@rt/scheduler';
import { RecvError, SendError } from './errors.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, ReusableNode, WaitList, WaitNode, checkCancelled, parkIn, parkSimple, retryAfter } from '@rt/scheduler/primitives';

/** @internal */
const CHANGED_LABEL = 'watch.Receiver.changed';

export class WatchShared<T> {
  version = 0;
  senderClosed = false;
  receivers = 0;
  readonly waiters = new WaitList<void>();
  readonly closedWaiters = new WaitList<void>();
  constructor(public value: T) {}

  bump(): void {
    const version = ++this.version;
    if (this.waiters.length !== 0) {
      // The change is handed over with the wake-up: marked seen here, so the woken
      // changed() has nothing left to do (and an abort after this point loses nothing).
      let node;
      while ((node = this.waiters.shift()) !== undefined) {
        if (node.waiter!.wake(undefined)) (node.payload as { markSeen(version: number): void }).markSeen(version);
      }
    }
  }
}

/**
 * Creates a watch channel holding `init`; returns `[sender, receiver]`.
 *
 * **What closes it**: `sender.close()` / dispose ends it for the receivers (`changed()`
 * rejects with `RecvError` once they have seen the last value; `borrow()` still works);
 * when every receiver is closed/disposed, `send` fails and `sender.closed()` resolves.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = watch.channel('starting');
 * tx.send('ready');
 * await rx.changed();
 * console.log(rx.borrowAndUpdate()); // 'ready'
 * ```
 */
export function channel<T>(init: T): [Sender<T>, Receiver<T>] {
  const shared = new WatchShared(init);
  return [new Sender(shared), new Receiver(shared, 0)];
}

/**
 * The sending half of a {@link channel}.
 *
 * **Cancellation:** `closed({ signal })` is cancel safe; sends never wait.
 *
 * **Errors:** `send` throws `SendError` when no receiver is left.
 *
 * **Example**
 * ```ts
 * tx.sendModify((state) => { state.count++; });
 * ```
 */
export class Sender<T> implements Disposable {
  readonly #shared: WatchShared<T>;

  /** @internal */
  constructor(shared: WatchShared<T>) {
    this.#shared = shared;
  }

  /** Receivers alive now. */
  get receiverCount(): number {
    return this.#shared.receivers;
  }

  /** True once every receiver is closed. */
  get isClosed(): boolean {
    return this.#shared.receivers === 0;
  }

  /**
   * Stores `value` and notifies every receiver.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`; nothing is stored) if no receiver is left or the
   * sender was closed.
   */
  send(value: T): void {
    const s = this.#shared;
    if (s.receivers === 0 || s.senderClosed) throw new SendError(value, s.senderClosed ? 'watch Sender closed' : 'no watch receiver');
    s.value = value;
    s.bump();
  }

  /**
   * Stores `value` even with no receiver, notifies, and returns the previous value.
   *
   * **Errors:** `SendError` if the sender was closed.
   */
  sendReplace(value: T): T {
    const s = this.#shared;
    if (s.senderClosed) throw new SendError(value, 'watch Sender closed');
    const previous = s.value;
    s.value = value;
    s.bump();
    return previous;
  }

  /**
   * Modifies the value in place (or replaces it with what `modify` returns, if not
   * undefined) and notifies unconditionally, even with no receiver.
   *
   * **Errors:** what `modify` throws (then nothing is notified); `SendError` if closed.
   *
   * **Example**
   * ```ts
   * tx.sendModify((n) => n + 1);
   * ```
   */
  sendModify(modify: (value: T) => T | void): void {
    const s = this.#shared;
    if (s.senderClosed) throw new SendError(undefined, 'watch Sender closed');
    const next = modify(s.value);
    if (next !== undefined) s.value = next;
    s.bump();
  }

  /**
   * Calls `modify` on the value (to change it in place); notifies only if it returns true.
   * Returns what `modify` returned.
   *
   * **Errors:** what `modify` throws (then nothing is notified); `SendError` if closed.
   *
   * **Example**
   * ```ts
   * tx.sendIfModified((s) => { if (s.done) return false; s.done = true; return true; });
   * ```
   */
  sendIfModified(modify: (value: T) => boolean): boolean {
    const s = this.#shared;
    if (s.senderClosed) throw new SendError(undefined, 'watch Sender closed');
    const modified = modify(s.value);
    if (modified) s.bump();
    return modified;
  }

  /** The current value. Never waits. */
  borrow(): T {
    return this.#shared.value;
  }

  /** A new receiver that has seen the current value. */
  subscribe(): Receiver<T> {
    return new Receiver(this.#shared, this.#shared.version);
  }

  /**
   * Resolves when every receiver is closed.
   *
   * **Cancellation:** cancel safe. **Errors:** `Cancelled` when aborted.
   */
  closed(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#shared.receivers === 0) return RESOLVED;
    return parkSimple(this.#shared.closedWaiters, 'watch.Sender.closed', options);
  }

  /** Closes the sender: receivers' `changed()` rejects with `RecvError` once they are up to date. Idempotent. */
  close(): void {
    const s = this.#shared;
    if (s.senderClosed) return;
    s.senderClosed = true;
    // Waiting receivers have seen the latest value: nothing more will come.
    for (const node of s.waiters.drain()) node.waiter!.fail(new RecvError('watch sender closed'));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A receiving half of a watch {@link channel}: reads the latest value and waits for changes.
 *
 * **Cancellation:** `changed` and `waitFor` are cancel safe: an aborted wait marks nothing
 * as seen.
 *
 * **Errors:** `RecvError` when the sender is closed and there is no unseen change.
 *
 * **Example**
 * ```ts
 * while (true) { await rx.changed(); render(rx.borrowAndUpdate()); }
 * ```
 */
export class Receiver<T> implements Disposable {
  readonly #shared: WatchShared<T>;
  #seen: number;
  #open = true;
  /**
   * This receiver's parked `changed()`, reused from one park to the next (made at its first
   * park): a `changed()` without options that parks while it is free allocates only its
   * promise. Others (with options, or a second one while the first is parked) park a fresh node.
   */
  #node: ReusableNode<void> | undefined = undefined;

  /** @internal */
  constructor(shared: WatchShared<T>, seen: number) {
    this.#shared = shared;
    this.#seen = seen;
    shared.receivers++;
  }

  /** The latest value, without marking it seen. Never waits. */
  borrow(): T {
    return this.#shared.value;
  }

  /** The latest value, marking it seen. Never waits. */
  borrowAndUpdate(): T {
    this.#seen = this.#shared.version;
    return this.#shared.value;
  }

  /**
   * True if a value was sent since this receiver last marked one seen.
   *
   * **Errors:** `RecvError` if the sender is closed.
   */
  hasChanged(): boolean {
    if (this.#shared.senderClosed) throw new RecvError('watch sender closed');
    return this.#seen !== this.#shared.version;
  }

  /** Makes the next `changed()` complete at once. */
  markChanged(): void {
    this.#seen = -1;
  }

  /** Marks the current value seen. */
  markUnchanged(): void {
    this.#seen = this.#shared.version;
  }

  /** True if `other` watches the same channel. */
  sameChannel(other: Receiver<T>): boolean {
    return this.#shared === other.#shared;
  }

  /**
   * Waits until a value this receiver has not seen is sent, and marks it seen.
   *
   * Consumes cooperative budget when a change is already there. Without options it parks on
   * the receiver's own reused waiter (no allocation but its promise) while no other
   * `changed()` of this receiver is parked.
   *
   * **Cancellation:** cancel safe: an abort (of the task or the signal) before the wake marks
   * nothing seen and unlinks the wait at once; a wake that came first has marked the change
   * seen and resolves.
   *
   * **Errors:** `RecvError` if the sender is closed with no unseen change; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await rx.changed({ signal });
   * ```
   */
  changed(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    const s = this.#shared;
    if (this.#seen !== s.version) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.changed, options);
      this.#seen = s.version;
      return RESOLVED;
    }
    if (s.senderClosed || !this.#open) return Promise.reject(new RecvError('watch sender closed'));
    if (options === undefined) {
      const node = (this.#node ??= new ReusableNode<void>(s.waiters, CHANGED_LABEL, this, true));
      if (node.reusable.settled) return node.parkIn(s.waiters);
    }
    return parkIn(s.waiters, new WaitNode<void>(1, this, true), CHANGED_LABEL, options);
  }

  /** @internal Marks `version` seen (a hand-off from the sender). */
  markSeen(version: number): void {
    this.#seen = version;
  }

  /**
   * Resolves with the first value (the current one included) for which `predicate` is
   * true, marking it seen.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `RecvError` if the sender closes before a value matches; what `predicate`
   * throws; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await state.waitFor((s) => s === 'ready');
   * ```
   */
  async waitFor(predicate: (value: T) => boolean, options?: WaitOptions): Promise<T> {
    for (;;) {
      const value = this.borrowAndUpdate();
      if (predicate(value)) return value;
      await this.changed(options);
    }
  }

  /** Another receiver on the same channel, with the same seen state. */
  clone(): Receiver<T> {
    return new Receiver(this.#shared, this.#seen);
  }

  /** Closes this receiver. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    const s = this.#shared;
    let node = s.waiters.head;
    while (node !== undefined) {
      const next = node.next;
      if (node.payload === this) {
        s.waiters.remove(node);
        node.waiter!.fail(new RecvError('this watch Receiver was closed'));
      }
      node = next;
    }
    if (--s.receivers === 0) for (const node of s.closedWaiters.drain()) node.waiter!.wake(undefined);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
