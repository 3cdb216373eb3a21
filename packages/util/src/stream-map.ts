// Merges keyed async iterables into one stream of [key, value] (tokio-stream's StreamMap).
//
// How: each member has at most one `next()` of its iterator in flight. A result that arrives
// joins the ready queue (arrival order), and the member is not pulled again until that result
// has been returned by `StreamMap.next()`; so no member reads more than one item ahead, and a
// member that always has an item ready cannot starve the others: after its item is returned
// it pulls again and its next item queues behind those of every other member that was
// ready meanwhile (round-robin among ready members).
//
// A pull of an rt iterator (an mpsc receiver, a FramedRead) is an await point of the task
// that called `next()` and started it: aborting that task cancels the pull. Such a
// cancellation is not the member's end: the member is pulled again later (rt iterators are
// cancel safe, so no item is lost).
import { ResourceBusy } from '@rt/io';
import { coop, isCancelled, park, throwIfCancelled, tryCurrentTask, type WaitOptions, type Waiter } from '@rt/scheduler';
import { iterateUntilUndefined } from './internal/iterate.js';
import { describe } from './internal/validate.js';

interface Member<K, V> {
  readonly key: K;
  readonly iterator: AsyncIterator<V>;
  /** The pull in flight, until its result has been returned by `next()`. */
  pending: Promise<IteratorResult<V>> | undefined;
  /** The signal of the task that started the pull (an rt iterator's pull belongs to it). */
  pulledIn: AbortSignal | undefined;
  removed: boolean;
}

interface Ready<K, V> {
  readonly member: Member<K, V>;
  readonly ok: boolean;
  readonly result: IteratorResult<V> | undefined;
  readonly error: unknown;
}

function toIterator<V>(source: unknown, what: string): AsyncIterator<V> {
  if (source !== null && typeof source === 'object') {
    const asyncIterable = (source as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
    if (typeof asyncIterable === 'function') return (asyncIterable as () => AsyncIterator<V>).call(source);
    if (typeof (source as { next?: unknown }).next === 'function') return source as AsyncIterator<V>;
  }
  throw new TypeError(`${what} must be an async iterable or an async iterator, got ${describe(source)}`);
}

/**
 * A set of keyed async iterables read as one: `next()` resolves with `[key, value]` from
 * whichever member has a value first, fairly (no member is served twice while another one
 * has a value waiting). Tokio's `tokio_stream::StreamMap`. A member that ends (or throws)
 * leaves the map; `next()` resolves `undefined` when the map is empty.
 *
 * Typical use: one subscription per channel or connection, added and removed at run time,
 * read by one loop that knows where each message came from.
 *
 * **Cancellation:** `next()` is cancel safe: an aborted call loses no value (values already
 * pulled from members wait for the next call). `remove(key)` loses nothing either: it
 * returns the member's iterator, which first yields a value already pulled from it.
 *
 * **Errors:** `next()` rejects with the error a member's iterator threw (that member is
 * removed; the others go on); `TypeError` from `insert` for a non-iterable; `ResourceBusy`
 * for overlapping `next` calls; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const map = new StreamMap<string, string>();
 * map.insert('a', linesOf(socketA));
 * map.insert('b', linesOf(socketB));
 * for await (const [who, line] of map) console.log(`${who}: ${line}`);
 * ```
 */
export class StreamMap<K, V> implements AsyncIterable<[K, V]> {
  readonly #members = new Map<K, Member<K, V>>();
  #ready: Ready<K, V>[] = [];
  #waiter: Waiter<void> | undefined;
  #busy = false;

  /** Members in the map. */
  get len(): number {
    return this.#members.size;
  }

  /** True when the map has no member. */
  isEmpty(): boolean {
    return this.#members.size === 0;
  }

  /** True if a member has this key. */
  has(key: K): boolean {
    return this.#members.has(key);
  }

  /** The keys of the members, in insertion order. */
  keys(): K[] {
    return [...this.#members.keys()];
  }

  /**
   * Adds `source` (an async iterable or iterator) under `key`. A member already under that
   * key is removed and returned (as `remove` does), else `undefined`.
   */
  insert(key: K, source: AsyncIterable<V> | AsyncIterator<V>): AsyncIterator<V> | undefined {
    const iterator = toIterator<V>(source, 'StreamMap.insert(key, source): source');
    const previous = this.remove(key);
    this.#members.set(key, { key, iterator, pending: undefined, pulledIn: undefined, removed: false });
    this.#wake();
    return previous;
  }

  /**
   * Removes the member under `key` and returns its iterator (`undefined` if there was none).
   * If a value had already been pulled from it and not returned by `next()`, the returned
   * iterator yields that value first, so nothing is lost. The map does not close it.
   */
  remove(key: K): AsyncIterator<V> | undefined {
    const member = this.#members.get(key);
    if (member === undefined) return undefined;
    this.#members.delete(key);
    member.removed = true;
    this.#ready = this.#ready.filter((ready) => ready.member !== member);
    this.#wake(); // a waiting next() resolves `undefined` if the map is now empty
    const pending = member.pending;
    if (pending === undefined) return member.iterator;
    let first: Promise<IteratorResult<V>> | undefined = pending;
    const iterator = member.iterator;
    return {
      next: (...args: [] | [undefined]): Promise<IteratorResult<V>> => {
        if (first !== undefined) {
          const result = first;
          first = undefined;
          return result;
        }
        return iterator.next(...args);
      },
      return: (value?: unknown): Promise<IteratorResult<V>> =>
        iterator.return === undefined ? Promise.resolve({ done: true, value: undefined }) : iterator.return(value as never),
    };
  }

  #pull(member: Member<K, V>): void {
    let pending: Promise<IteratorResult<V>>;
    try {
      pending = Promise.resolve(member.iterator.next());
    } catch (error) {
      pending = Promise.reject(error);
    }
    member.pending = pending;
    member.pulledIn = tryCurrentTask()?.signal;
    pending.then(
      (result) => this.#arrive(member, { member, ok: true, result, error: undefined }),
      (error: unknown) => this.#arrive(member, { member, ok: false, result: undefined, error }),
    );
  }

  #arrive(member: Member<K, V>, ready: Ready<K, V>): void {
    if (member.removed) return;
    if (!ready.ok && isCancelled(ready.error) && member.pulledIn?.aborted === true) {
      // The pull was an rt await point of a task that has been aborted since (a `next()`
      // caller): not the member's doing. rt iterators lose nothing when cancelled, so pull
      // it again from the next `next()`.
      member.pending = undefined;
      this.#wake();
      return;
    }
    this.#ready.push(ready);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.wake(undefined);
  }

  /**
   * Resolves with `[key, value]` from the next member that has a value, or `undefined` when
   * the map is empty.
   *
   * **Cancellation:** cancel safe (see the class).
   *
   * **Errors:** see the class.
   *
   * **Example**
   * ```ts
   * const entry = await map.next({ signal });
   * if (entry === undefined) return; // every member ended
   * ```
   */
  async next(options?: WaitOptions): Promise<[K, V] | undefined> {
    if (this.#busy) throw new ResourceBusy('StreamMap.next: another call is in progress');
    this.#busy = true;
    try {
      const y = coop();
      if (y !== undefined) await y;
      throwIfCancelled(options);
      for (;;) {
        const ready = this.#ready.shift();
        if (ready !== undefined) {
          const member = ready.member;
          member.pending = undefined;
          if (ready.ok && ready.result!.done !== true) return [member.key, ready.result!.value];
          this.#members.delete(member.key);
          member.removed = true;
          if (!ready.ok) throw ready.error;
          continue;
        }
        if (this.#members.size === 0) return undefined;
        for (const member of this.#members.values()) if (member.pending === undefined) this.#pull(member);
        if (this.#ready.length > 0) continue;
        const { waiter, promise } = park<void>(
          'StreamMap.next',
          (w) => {
            if (this.#waiter === w) this.#waiter = undefined;
          },
          options,
        );
        this.#waiter = waiter;
        await promise;
      }
    } finally {
      this.#busy = false;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<[K, V]> {
    return iterateUntilUndefined(() => this.next());
  }
}
