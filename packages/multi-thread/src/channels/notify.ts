// Notify shared by threads.
//
// How and why: shared words count the registered waiters of every thread (`WAITING`), the
// notifications handed out and not yet consumed (`TOKENS`, at most WAITING + 1: one more
// than the waiters is the stored permit of a `notifyOne` with nobody waiting), and
// `notifyWaiters` calls (`GEN`: a waiter registered, or a `Notified` created, before a call
// sees GEN move). A waiter consumes a token under the lock in the step that wakes it, so
// an aborted wait has consumed nothing; a waiter that leaves with tokens outstanding
// leaves them to the others (or as the stored permit).
import type { WaitOptions } from '@rt/scheduler';
import { Closed } from '@rt/sync';
import { sharedBuffer } from './internal/handle-token.js';
import { bump, SeqWatch } from './internal/seq-watch.js';
import { lock, unlock } from './internal/shared-lock.js';
import { CHANNEL_END } from './internal/codec.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import { RESOLVED, checkCancelled, thenParksOwnWait } from '@rt/scheduler/primitives';
import { WaitList, WaitNode, parkOn, releaseNode, retainNode, wakeNode } from './internal/thread-waiters.js';

const LOCK = 0;
const TOKENS = 1;
const WAITING = 2;
const GEN = 3;
const SEQ = 4;
const SLEEPERS = 5;
const WORDS = 6;

const BY_ONE = 1;
const BY_ALL = 2;

/** A shared {@link Notify}'s descriptor: structured-cloneable. */
export interface NotifyDescriptor {
  readonly [TRANSFER_TAG]: 'Notify';
  readonly control: SharedArrayBuffer;
}

const noop = (): void => {};

/** @internal One thread's view of a shared Notify. */
class NotifyCore {
  readonly words: Int32Array;
  readonly waiters = new WaitList<void>();
  readonly watch: SeqWatch;
  constructor(readonly control: SharedArrayBuffer) {
    this.words = new Int32Array(control);
    this.watch = new SeqWatch(this.words, SEQ, SLEEPERS, () => this.poll());
  }

  /** Wakes the local waiters that were notified. Each node's payload is `[gen, notified]`. */
  poll(): boolean {
    const words = this.words;
    const list = this.waiters;
    let node = list.head;
    while (node !== undefined) {
      const next = node.next as typeof node | undefined;
      const record = node.payload as NotifiedRecord;
      lock(words, LOCK);
      let by = 0;
      if (words[GEN] !== record.gen) by = BY_ALL;
      else if (words[TOKENS]! > 0) {
        words[TOKENS]!--;
        words[WAITING]!--;
        by = BY_ONE;
      }
      unlock(words, LOCK);
      if (by !== 0) {
        record.by = by;
        wakeNode(list, node, undefined);
      }
      node = next;
    }
    return list.length !== 0;
  }

  /** A registered waiter leaves without a notification (cancelled or disposed). */
  withdraw(record: NotifiedRecord): void {
    const words = this.words;
    lock(words, LOCK);
    let left = false;
    if (words[GEN] === record.gen) {
      words[WAITING]!--;
      if (words[TOKENS]! > words[WAITING]! + 1) words[TOKENS] = words[WAITING]! + 1;
      left = words[TOKENS]! > 0;
    }
    unlock(words, LOCK);
    if (left) bump(words, SEQ, SLEEPERS);
  }

  notifyOne(): void {
    const words = this.words;
    lock(words, LOCK);
    words[TOKENS] = Math.min(words[TOKENS]! + 1, words[WAITING]! + 1);
    unlock(words, LOCK);
    bump(words, SEQ, SLEEPERS);
  }
}

interface NotifiedRecord {
  gen: number;
  by: number;
}

/**
 * Notifies a task or all waiting tasks, in any worker thread, of an event; it carries no data.
 * Exported as `shared.Notify`: unlike `@rt/sync`'s `Notify`, `notifyOne` wakes some waiter
 * (FIFO only among one thread's) and there is no `notifyLast`.
 *
 * `notifyOne()` wakes one waiter (in any thread), or, if nobody waits, stores **one** permit
 * that the next `notified()` consumes at once. `notifyWaiters()` wakes every waiter of every
 * thread, including each `Notified` created before the call even if not yet awaited, and
 * stores no permit. Pass it to another thread with `transfer()` / `encodeTransferables`;
 * this handle stays usable (the Notify is shared, not moved).
 *
 * Fairness: within a thread, `notifyOne` wakes that thread's waiters in FIFO order; which
 * thread gets it is not ordered (a waiter that registers while a notification is on its way
 * to another thread's waiter may take it first; the other then stays registered for the
 * next one — no notification is lost or counted twice). There is no `notifyLast` across
 * threads.
 *
 * **Cancellation:** `notified()` is cancel safe: an aborted wait consumed nothing, and a
 * `Notified` that received a `notifyOne()` and is disposed without being awaited passes it on.
 *
 * **Errors:** awaiting rejects with `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * const ready = new shared.Notify();
 * worker.postMessage({ ready: ready.transfer() }); // worker: shared.Notify.fromTransfer(m.ready).notifyOne()
 * await ready.notified();
 * ```
 */
export class Notify {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  readonly #core: NotifyCore;

  /** A new Notify. (`control` is internal: other threads get a handle with {@link Notify.fromTransfer}.) */
  constructor(control?: SharedArrayBuffer) {
    this.#core = new NotifyCore(control ?? new SharedArrayBuffer(WORDS * 4));
  }

  /**
   * A handle on a Notify shared with {@link Notify.transfer}.
   *
   * **Errors:** `TypeError` for something that is not a Notify descriptor.
   */
  static fromTransfer(descriptor: NotifyDescriptor): Notify {
    if (descriptor === null || typeof descriptor !== 'object' || descriptor[TRANSFER_TAG] !== 'Notify') {
      throw new TypeError(`Notify.fromTransfer: not a Notify descriptor: ${String(descriptor)}`);
    }
    return new Notify(sharedBuffer(descriptor.control, 'Notify descriptor.control'));
  }

  /** A structured-cloneable descriptor for another thread; this handle stays usable. */
  transfer(): NotifyDescriptor {
    return { [TRANSFER_TAG]: 'Notify', control: this.#core.control };
  }

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
    return new Notified(this.#core, options);
  }

  /**
   * Wakes one waiter (in any thread), or stores one permit if nobody waits.
   *
   * **Cancellation:** never waits. **Errors:** none.
   */
  notifyOne(): void {
    this.#core.notifyOne();
  }

  /**
   * Wakes every waiter in every thread, and every `Notified` created before this call;
   * stores no permit.
   *
   * **Cancellation:** never waits. **Errors:** none.
   */
  notifyWaiters(): void {
    const words = this.#core.words;
    lock(words, LOCK);
    words[GEN]!++;
    words[TOKENS] = words[TOKENS]! > words[WAITING]! ? 1 : 0;
    words[WAITING] = 0;
    unlock(words, LOCK);
    bump(words, SEQ, SLEEPERS);
  }
}

/**
 * One wait on a shared {@link Notify}: `PromiseLike<void>`, with an `enable()` step.
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

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  readonly #core: NotifyCore;
  readonly #options: WaitOptions | undefined;
  readonly #record: NotifiedRecord;
  #done = false;
  #consumed = false;
  #node: WaitNode<void> | undefined = undefined;
  #promise: Promise<void> | undefined = undefined;

  /** @internal */
  constructor(core: NotifyCore, options: WaitOptions | undefined) {
    this.#core = core;
    this.#options = options;
    this.#record = { gen: Atomics.load(core.words, GEN), by: 0 };
  }

  /**
   * Registers this wait with the Notify now (so `notifyOne`/`notifyWaiters` from any
   * thread reach it) and returns true if it is already notified. Idempotent.
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
      if (registered.linked || this.#record.by !== 0) return !registered.linked;
      // Its wait ended before any notification (a `timeout` whose deadline won, a signal, an
      // abort: it was withdrawn): registers afresh, so a retry waits again (pass mt29). An
      // aborted task or signal rejects the new wait at once, as it did the old.
      this.#node = this.#promise = undefined;
    }
    const core = this.#core;
    const words = core.words;
    const record = this.#record;
    lock(words, LOCK);
    let ready = false;
    if (words[GEN] !== record.gen) ready = true;
    else if (words[TOKENS]! > words[WAITING]!) {
      // The stored permit (tokens beyond the registered waiters).
      words[TOKENS]!--;
      ready = true;
    } else words[WAITING]!++;
    unlock(words, LOCK);
    if (ready) {
      this.#done = true;
      return true;
    }
    const node = new WaitNode<void>(1, record, undefined);
    this.#node = node;
    // An `enable()` nobody awaits yet does not hold the thread's event loop open (`wait` does).
    const promise = parkOn(core.waiters, node, 'Notify.notified', this.#options, core.watch, () => core.withdraw(record), !unawaited);
    this.#promise = promise;
    if (unawaited) promise.catch(noop);
    return false;
  }

  /** Waits for the notification (registering first if `enable()` was not called). */
  wait(): Promise<void> {
    const cancelled = checkCancelled(this.#options);
    if (cancelled !== undefined && this.#node === undefined) return cancelled;
    this.#consumed = true;
    if (this.#enable(false)) return this.#promise ?? RESOLVED;
    retainNode(this.#node!); // registered by `enable()`: awaited from now on
    return this.#promise!;
  }

  /** Makes the wait awaitable: `await notified` is `await notified.wait()`. */
  then<R1 = void, R2 = never>(
    onFulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.wait().then(onFulfilled, onRejected);
  }

  /** Withdraws the wait; an unconsumed `notifyOne()` it received goes to another waiter. */
  [Symbol.dispose](): void {
    const node = this.#node;
    if (node === undefined) return;
    // Disposed for good: a later wait is its promise (rejected with Closed), never a new one.
    this.#done = true;
    const core = this.#core;
    if (node.linked) {
      core.waiters.remove(node);
      releaseNode(node);
      core.withdraw(this.#record);
      node.waiter!.fail(new Closed('Notified disposed'));
    } else if (!this.#consumed && this.#record.by === BY_ONE) {
      this.#record.by = 0;
      core.notifyOne();
    }
  }
}

// A `then` registers the Notified's one wait (parked in the task) unless it was registered already
// (`enable()`, an earlier `then`: it parks nothing then). `timeout(ms, notify.notified())` ends
// that wait when the deadline wins, as @rt/sync's Notified (pass mt29): it is withdrawn (a
// notification it got passes on), it leaves the task, and awaiting the Notified again registers
// anew. Before, each elapsed wait stayed registered: the next `notifyOne()` could go to it and be lost.
(Notified.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;
