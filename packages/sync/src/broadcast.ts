// broadcast: multi-producer, multi-consumer; every receiver sees every value.
//
// How and why: values live in a ring of `capacity` slots (a power of two) indexed by a
// monotonic position; each receiver keeps the position it reads next. A send overwrites
// the oldest slot and never waits. A receiver more than `capacity` positions behind has
// lost values: it gets `Lagged(n)` once and continues from the oldest retained value.
// A receiver that waits is exactly caught up, so a send hands it the value directly and
// advances its position in the same call: an abort after that hand-off loses nothing.
import type { WaitOptions } from '@rt/scheduler';
import { Closed, Lagged, RecvError, SendError, TryRecvError } from './errors.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, WaitList, WaitNode, checkCancelled, checkCount, parkIn, parkSimple, retryAfter } from '@rt/scheduler/primitives';

const MAX_CAPACITY = 2 ** 30;

/** @internal */
export class BroadcastShared<T> {
  readonly slots: (T | undefined)[];
  readonly mask: number;
  tail = 0;
  senders = 1;
  receivers = 0;
  readonly waiters = new WaitList<T>();
  readonly closedWaiters = new WaitList<void>();

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  dropReceiver(): void {
    if (--this.receivers === 0) {
      this.slots.fill(undefined);
      for (const node of this.closedWaiters.drain()) node.waiter!.wake(undefined);
    }
  }
}

/**
 * Creates a broadcast channel; returns `[sender, receiver]`. `capacity` is rounded up to a
 * power of two; it is how many values a slow receiver may fall behind before it lags.
 *
 * **What closes it**: receivers see the end (`RecvError`) once every {@link Sender} is
 * closed/disposed and they have read what was sent; `send` fails once every receiver is
 * closed/disposed. Values are kept until overwritten (at most `capacity` of them).
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `RangeError` unless `capacity` is an integer in [1, 2^30].
 *
 * **Example**
 * ```ts
 * const [tx, rx1] = broadcast.channel<string>(16);
 * const rx2 = tx.subscribe();
 * tx.send('hi');
 * console.log(await rx1.recv(), await rx2.recv()); // hi hi
 * ```
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  checkCount('broadcast.channel capacity', capacity, 1, MAX_CAPACITY);
  let rounded = 1;
  while (rounded < capacity) rounded *= 2;
  const shared = new BroadcastShared<T>(rounded);
  return [new Sender(shared), new Receiver(shared)];
}

/**
 * The sending half of a broadcast {@link channel}; `send` never waits.
 *
 * **Cancellation:** `closed({ signal })` is cancel safe.
 *
 * **Errors:** `send` throws `SendError` when no receiver is left.
 *
 * **Example**
 * ```ts
 * const delivered = tx.send(event); // number of receivers
 * ```
 */
export class Sender<T> implements Disposable {
  readonly #shared: BroadcastShared<T>;
  #open = true;

  /** @internal */
  constructor(shared: BroadcastShared<T>) {
    this.#shared = shared;
  }

  /** Receivers alive now. */
  get receiverCount(): number {
    return this.#shared.receivers;
  }

  /**
   * Sends `value` to every current receiver (overwriting the oldest retained value) and
   * returns how many receivers there are.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`) if there is no receiver or this handle is closed.
   *
   * **Example**
   * ```ts
   * tx.send({ price: 10 });
   * ```
   */
  send(value: T): number {
    const s = this.#shared;
    if (!this.#open) throw new SendError(value, 'this broadcast Sender was closed');
    if (s.receivers === 0) throw new SendError(value, 'no broadcast receiver');
    s.slots[s.tail & s.mask] = value;
    s.tail++;
    if (s.waiters.length !== 0) {
      // Waiting receivers are caught up: hand them the value. A receiver with two
      // concurrent recv() calls gets it once; its other call keeps waiting for the next.
      const position = s.tail - 1;
      let node = s.waiters.head;
      while (node !== undefined) {
        const next = node.next;
        const receiver = node.payload as Receiver<T>;
        if (receiver.position === position) {
          s.waiters.remove(node);
          if (node.waiter!.wake(value)) receiver.advanceTo(s.tail);
        }
        node = next;
      }
    }
    return s.receivers;
  }

  /** A new receiver that sees every value sent from now on. */
  subscribe(): Receiver<T> {
    return new Receiver(this.#shared);
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
    return parkSimple(this.#shared.closedWaiters, 'broadcast.Sender.closed', options);
  }

  /** True if `other` sends into the same channel. */
  sameChannel(other: Sender<T>): boolean {
    return this.#shared === other.#shared;
  }

  /** Another sender handle; it must be closed too before receivers see the end. @throws Closed if this handle is closed. */
  clone(): Sender<T> {
    if (!this.#open) throw new Closed('cannot clone a closed broadcast Sender');
    this.#shared.senders++;
    return new Sender(this.#shared);
  }

  /** Closes this handle; when the last one closes, receivers drain and then see `RecvError`. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    const s = this.#shared;
    if (--s.senders === 0) {
      for (const node of s.waiters.drain()) node.waiter!.fail(new RecvError());
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A receiving half of a broadcast {@link channel}: reads every value sent after it was
 * created, in order.
 *
 * **Cancellation:** `recv({ signal })` is cancel safe: an aborted receive loses nothing
 * (the value stays for the next `recv`, unless it is overwritten, which shows as `Lagged`).
 * Async iteration ends at the close and rethrows `Lagged` (iterate again to continue).
 *
 * **Errors:** {@link Lagged} when values were overwritten unread; `RecvError` when closed.
 *
 * **Example**
 * ```ts
 * for await (const event of rx) handle(event);
 * ```
 */
export class Receiver<T> implements Disposable, AsyncIterable<T> {
  readonly #shared: BroadcastShared<T>;
  #next: number;
  #open = true;

  /** @internal */
  constructor(shared: BroadcastShared<T>) {
    this.#shared = shared;
    this.#next = shared.tail;
    shared.receivers++;
  }

  /** @internal The position this receiver reads next. */
  get position(): number {
    return this.#next;
  }

  /** @internal */
  advanceTo(position: number): void {
    this.#next = position;
  }

  /** Values this receiver has not read yet (at most the capacity). */
  get len(): number {
    return Math.min(this.#shared.tail - this.#next, this.#shared.capacity);
  }

  /** True if nothing is waiting to be read. */
  get isEmpty(): boolean {
    return this.#shared.tail === this.#next;
  }

  /** True once every sender is closed (values may still be buffered). */
  get isClosed(): boolean {
    return this.#shared.senders === 0;
  }

  /**
   * Receives the next value, waiting if there is none.
   *
   * Consumes cooperative budget when a value is ready.
   *
   * **Cancellation:** cancel safe (see {@link Receiver}).
   *
   * **Errors:** {@link Lagged} (then the next call continues from the oldest retained
   * value); `RecvError` when every sender is closed and everything was read; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const v = await rx.recv({ signal });
   * ```
   */
  recv(options?: WaitOptions): Promise<T> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (!this.#open) return Promise.reject(new RecvError('this broadcast Receiver was closed'));
    const s = this.#shared;
    if (this.#next !== s.tail) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.recv, options);
      try {
        return Promise.resolve(this.#take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (s.senders === 0) return Promise.reject(new RecvError());
    return parkIn(s.waiters, new WaitNode<T>(1, this, true), 'broadcast.Receiver.recv', options);
  }

  /**
   * Takes the next value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link Lagged}; `TryRecvError` `'Empty'` or `'Disconnected'`.
   */
  tryRecv(): T {
    if (this.#next !== this.#shared.tail) return this.#take();
    throw new TryRecvError(this.#shared.senders === 0 || !this.#open ? 'Disconnected' : 'Empty');
  }

  /** A new receiver on the same channel that starts at the newest position (sees only later values). */
  resubscribe(): Receiver<T> {
    return new Receiver(this.#shared);
  }

  /** Closes this receiver: it stops counting as a receiver. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    const s = this.#shared;
    let node = s.waiters.head;
    while (node !== undefined) {
      const next = node.next;
      if (node.payload === this) {
        s.waiters.remove(node);
        node.waiter!.fail(new RecvError('this broadcast Receiver was closed'));
      }
      node = next;
    }
    s.dropReceiver();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const slow = (): Promise<IteratorResult<T>> =>
      this.recv().then(
        (value): IteratorResult<T> => ({ done: false, value }),
        (error: unknown): IteratorResult<T> => {
          if (error instanceof RecvError) return { done: true, value: undefined };
          throw error;
        },
      );
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.#open && this.#next !== this.#shared.tail && this.#shared.tail - this.#next <= this.#shared.capacity) {
          // Fast path (no lag to report): one promise per value.
          const cancelled = checkCancelled(undefined);
          if (cancelled !== undefined) return cancelled;
          const y = budget();
          if (y === undefined) return Promise.resolve({ done: false, value: this.#take() });
          // The budget ran out (one forced yield, counted): take the value after the yield.
          // (Going on to recv() at once spent the budget again: a second yield counted for
          // the same turn.)
          return y.then(slow);
        }
        return slow();
      },
    };
  }

  #take(): T {
    const s = this.#shared;
    const behind = s.tail - this.#next;
    if (behind > s.capacity) {
      const skipped = behind - s.capacity;
      this.#next = s.tail - s.capacity;
      throw new Lagged(skipped);
    }
    const value = s.slots[this.#next & s.mask] as T;
    this.#next++;
    return value;
  }
}
