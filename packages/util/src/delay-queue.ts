// A queue of values that come out when their delay has passed (tokio-util's DelayQueue).
//
// How: the entries live in a binary min-heap ordered by (deadline, insertion order), with a
// map from key to entry for O(1) lookup; insert, remove and reset are O(log n). Waiting uses
// one `Sleep` of @rt/time (so one entry of the runtime's timer wheel, whatever the queue
// holds) armed for the earliest deadline while `next()` waits; any change to the head of the
// queue re-arms it with `Sleep.reset`. Time is the runtime's clock, so `pause()`/`advance()`
// drive a DelayQueue in tests like any other timer.
import { ResourceBusy } from '@rt/io';
import { coop, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { Instant, sleepUntil, type Sleep } from '@rt/time';
import { iterateUntilUndefined } from './internal/iterate.js';
import { describe } from './internal/validate.js';

/**
 * An item that came out of a `DelayQueue` (or was removed from it).
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { key, value, deadline } = (await queue.next())!;
 * ```
 */
export interface Expired<T> {
  readonly key: number;
  readonly value: T;
  readonly deadline: Instant;
}

interface Entry<T> {
  readonly key: number;
  readonly value: T;
  when: number;
  seq: number;
  index: number;
}

/** The Instant of a clock reading (Instant has no public constructor from a number). */
function instantOf(when: number): Instant {
  const now = Instant.now();
  const delta = when - now.valueOf();
  return delta >= 0 ? now.add(delta) : now.sub(-delta);
}

function checkDelay(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) throw new RangeError(`${what} must be a number of milliseconds >= 0, got ${describe(ms)}`);
  return ms;
}

function checkInstant(at: unknown, what: string): number {
  if (!(at instanceof Instant)) throw new TypeError(`${what} must be an Instant, got ${describe(at)}`);
  return at.valueOf();
}

/**
 * Values that each come out after their own delay: `insert(value, ms)` returns a key,
 * `next()` resolves with the next value whose deadline has passed (earliest deadline first,
 * insertion order among equal deadlines). `remove(key)` takes a value out early,
 * `reset(key, ms)` gives it a new deadline. Tokio's `tokio_util::time::DelayQueue`: the
 * building block for caches with expiry, retry schedules and idle timeouts.
 *
 * `next()` resolves with `undefined` when the queue is empty (also when it becomes empty
 * while waiting); `for await` yields expired items until the queue is empty. Deadlines are
 * rounded up to the millisecond of the runtime's clock.
 *
 * **Cancellation:** `next()` is cancel safe: an aborted call removes nothing; the item it
 * waited for comes out of the next call.
 *
 * **Errors:** `RangeError`/`TypeError` for a bad delay, deadline or key (`remove` and
 * `reset` of a key that is not in the queue); `ResourceBusy` for overlapping `next` calls;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const queue = new DelayQueue<string>();
 * const key = queue.insert('session-1', 30_000);
 * queue.reset(key, 60_000); // seen again: expire later
 * for await (const { value } of queue) evict(value);
 * ```
 */
export class DelayQueue<T> implements AsyncIterable<Expired<T>>, Disposable {
  readonly #heap: Entry<T>[] = [];
  readonly #entries = new Map<number, Entry<T>>();
  #nextKey = 1;
  #seq = 0;
  #timer: Sleep | undefined;
  #busy = false;

  /** Items in the queue (expired or not, not yet returned). */
  get len(): number {
    return this.#heap.length;
  }

  /** True when the queue holds no item. */
  isEmpty(): boolean {
    return this.#heap.length === 0;
  }

  /** True if `key` is in the queue. */
  has(key: number): boolean {
    return this.#entries.has(key);
  }

  /** The deadline of `key`, or `undefined` if it is not in the queue. */
  deadline(key: number): Instant | undefined {
    const entry = this.#entries.get(key);
    return entry === undefined ? undefined : instantOf(entry.when);
  }

  /** The earliest deadline in the queue, or `undefined` when empty. */
  peekDeadline(): Instant | undefined {
    const head = this.#heap[0];
    return head === undefined ? undefined : instantOf(head.when);
  }

  /** Inserts `value` to come out `ms` milliseconds from now; returns its key. */
  insert(value: T, ms: number): number {
    return this.#insert(value, Instant.now().valueOf() + checkDelay(ms, 'DelayQueue.insert(value, ms): ms'));
  }

  /** Inserts `value` to come out at `deadline`; returns its key. */
  insertAt(value: T, deadline: Instant): number {
    return this.#insert(value, checkInstant(deadline, 'DelayQueue.insertAt(value, deadline): deadline'));
  }

  #insert(value: T, when: number): number {
    const entry: Entry<T> = { key: this.#nextKey++, value, when: Math.ceil(when), seq: this.#seq++, index: this.#heap.length };
    this.#entries.set(entry.key, entry);
    this.#heap.push(entry);
    this.#up(entry.index);
    if (entry.index === 0) this.#rearm();
    return entry.key;
  }

  #entry(key: number, what: string): Entry<T> {
    const entry = this.#entries.get(key);
    if (entry === undefined) throw new RangeError(`${what}: key ${describe(key)} is not in the queue (expired and returned, removed, or never inserted)`);
    return entry;
  }

  /** Removes the item of `key` and returns it; `RangeError` if `key` is not in the queue. */
  remove(key: number): Expired<T> {
    const entry = this.#entry(key, 'DelayQueue.remove(key)');
    const expired = this.#expired(entry);
    this.#delete(entry);
    return expired;
  }

  /** Removes the item of `key` if it is there; `undefined` otherwise. */
  tryRemove(key: number): Expired<T> | undefined {
    return this.#entries.has(key) ? this.remove(key) : undefined;
  }

  /** Gives the item of `key` a new deadline `ms` from now (earlier or later). */
  reset(key: number, ms: number): void {
    this.#reset(this.#entry(key, 'DelayQueue.reset(key)'), Instant.now().valueOf() + checkDelay(ms, 'DelayQueue.reset(key, ms): ms'));
  }

  /** Gives the item of `key` the deadline `deadline`. */
  resetAt(key: number, deadline: Instant): void {
    this.#reset(this.#entry(key, 'DelayQueue.resetAt(key)'), checkInstant(deadline, 'DelayQueue.resetAt(key, deadline): deadline'));
  }

  /** Removes every item. */
  clear(): void {
    this.#heap.length = 0;
    this.#entries.clear();
    this.#rearm();
  }

  #reset(entry: Entry<T>, when: number): void {
    const wasHead = entry.index === 0;
    entry.when = Math.ceil(when);
    entry.seq = this.#seq++;
    this.#up(entry.index);
    this.#down(entry.index);
    if (wasHead || entry.index === 0) this.#rearm();
  }

  #expired(entry: Entry<T>): Expired<T> {
    return { key: entry.key, value: entry.value, deadline: instantOf(entry.when) };
  }

  #delete(entry: Entry<T>): void {
    this.#entries.delete(entry.key);
    const heap = this.#heap;
    const last = heap.pop()!;
    const wasHead = entry.index === 0;
    if (last !== entry) {
      heap[entry.index] = last;
      last.index = entry.index;
      this.#up(last.index);
      this.#down(last.index);
    }
    if (wasHead) this.#rearm();
  }

  /** Points a waiting `next()` at the (new) earliest deadline, or wakes it when empty. */
  #rearm(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    const head = this.#heap[0];
    timer.reset(head === undefined ? Instant.now() : instantOf(head.when));
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.when < b.when || (a.when === b.when && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    b.index = i;
    a.index = j;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#heap[i]!, this.#heap[parent]!)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child = right < heap.length && this.#less(heap[right]!, heap[left]!) ? right : left;
      if (!this.#less(heap[child]!, heap[i]!)) return;
      this.#swap(i, child);
      i = child;
    }
  }

  /**
   * Resolves with the next expired item (removing it), waiting for its deadline; or with
   * `undefined` when the queue is empty.
   *
   * **Cancellation:** cancel safe: nothing is removed by an aborted call.
   *
   * **Errors:** `ResourceBusy` for overlapping calls; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const item = await queue.next({ signal: token.signal });
   * ```
   */
  async next(options?: WaitOptions): Promise<Expired<T> | undefined> {
    if (this.#busy) throw new ResourceBusy('DelayQueue.next: another call is in progress');
    this.#busy = true;
    try {
      const y = coop();
      if (y !== undefined) await y;
      throwIfCancelled(options);
      for (;;) {
        const head = this.#heap[0];
        if (head === undefined) return undefined;
        const now = Instant.now();
        if (head.when <= now.valueOf()) {
          const expired = this.#expired(head);
          this.#delete(head);
          return expired;
        }
        const timer = sleepUntil(instantOf(head.when), options);
        this.#timer = timer;
        try {
          await timer;
        } finally {
          this.#timer = undefined;
          timer[Symbol.dispose]();
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Empties the queue (a waiting `next()` resolves `undefined`). */
  [Symbol.dispose](): void {
    this.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<Expired<T>> {
    return iterateUntilUndefined(() => this.next());
  }
}
