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
//
// Allocation: a pull allocates nothing of the map's own. The member holds its result and
// its links in the ready queue and in the list of members to pull (both intrusive, FIFO);
// the callbacks of its pulls are made once per member; the pulling task is remembered by
// its one `CurrentTask` view. What remains per item is the iterator's own promise and result
// and the `[key, value]` handed out.
import { ResourceBusy } from '@rt/io';
import { coop, isCancelled, park, throwIfCancelled, tryCurrentTask, type CurrentTask, type WaitOptions, type Waiter } from '@rt/scheduler';
import { toResult } from './internal/iterate.js';
import { describe } from './internal/validate.js';

/** One member: its iterator, its pull in flight, and (once it arrived) that pull's outcome. */
class Member<K, V> {
  /** The pull in flight, until its result has been returned by `next()`. */
  pending: Promise<IteratorResult<V>> | undefined = undefined;
  /** The task that started the pull (an rt iterator's pull belongs to it). */
  pulledIn: CurrentTask | undefined = undefined;
  removed = false;
  /** The arrived outcome of the pull: a result, or (ok false) an error. */
  ok = true;
  result: IteratorResult<V> | undefined = undefined;
  error: unknown = undefined;
  /** Next member in the ready queue / in the list of members to pull. */
  nextReady: Member<K, V> | undefined = undefined;
  nextIdle: Member<K, V> | undefined = undefined;
  /** The two callbacks of every pull of this member (made once). */
  readonly onResult: (result: IteratorResult<V>) => void;
  readonly onError: (error: unknown) => void;

  constructor(
    readonly key: K,
    readonly iterator: AsyncIterator<V>,
    arrive: (member: Member<K, V>, ok: boolean, result: IteratorResult<V> | undefined, error: unknown) => void,
  ) {
    this.onResult = (result) => arrive(this, true, result, undefined);
    this.onError = (error) => arrive(this, false, undefined, error);
  }
}

/** A FIFO of members linked through one of their fields (no array, no node objects). */
class MemberQueue<K, V> {
  head: Member<K, V> | undefined = undefined;
  tail: Member<K, V> | undefined = undefined;
  constructor(private readonly link: 'nextReady' | 'nextIdle') {}
  push(member: Member<K, V>): void {
    member[this.link] = undefined;
    if (this.tail === undefined) this.head = member;
    else this.tail[this.link] = member;
    this.tail = member;
  }
  shift(): Member<K, V> | undefined {
    const member = this.head;
    if (member !== undefined) {
      this.head = member[this.link];
      if (this.head === undefined) this.tail = undefined;
      member[this.link] = undefined;
    }
    return member;
  }
}

/** `#take`: nothing has arrived. */
const NONE: unique symbol = Symbol('none');

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
  /** Members whose pull has arrived, in arrival order (removed members are skipped). */
  readonly #ready = new MemberQueue<K, V>('nextReady');
  /** Members to pull from the next `next()` (removed members are skipped). */
  readonly #idle = new MemberQueue<K, V>('nextIdle');
  #waiter: Waiter<void> | undefined;
  #busy = false;
  readonly #arrive = (member: Member<K, V>, ok: boolean, result: IteratorResult<V> | undefined, error: unknown): void => {
    if (member.removed) return;
    if (!ok && isCancelled(error) && member.pulledIn?.signal.aborted === true) {
      // The pull was an rt await point of a task that has been aborted since (a `next()`
      // caller): not the member's doing. rt iterators lose nothing when cancelled, so pull
      // it again from the next `next()`.
      member.pending = undefined;
      this.#idle.push(member);
      this.#wake();
      return;
    }
    member.ok = ok;
    member.result = result;
    member.error = error;
    this.#ready.push(member);
    this.#wake();
  };

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
    const member = new Member<K, V>(key, iterator, this.#arrive);
    this.#members.set(key, member);
    this.#idle.push(member);
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
    member.removed = true; // the ready queue and the idle list skip it
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
        iterator.return === undefined ? Promise.resolve({ value: undefined, done: true }) : iterator.return(value as never),
    };
  }

  #pull(member: Member<K, V>, task: CurrentTask | undefined): void {
    let pending: Promise<IteratorResult<V>>;
    try {
      pending = Promise.resolve(member.iterator.next());
    } catch (error) {
      pending = Promise.reject(error);
    }
    member.pending = pending;
    member.pulledIn = task;
    pending.then(member.onResult, member.onError);
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
  next(options?: WaitOptions): Promise<[K, V] | undefined> {
    return this.#next(options, false) as Promise<[K, V] | undefined>;
  }

  /**
   * `next()`, resolving with its iterator result when `asResult`. A value that already
   * arrived is returned without an async function.
   */
  #next(options: WaitOptions | undefined, asResult: boolean): Promise<[K, V] | undefined | IteratorResult<[K, V]>> {
    if (this.#busy) return Promise.reject(new ResourceBusy('StreamMap.next: another call is in progress'));
    const y = coop();
    if (y === undefined && this.#ready.head !== undefined) {
      try {
        throwIfCancelled(options);
        const entry = this.#take();
        if (entry !== NONE) return Promise.resolve(asResult ? toResult(entry) : entry);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#nextAsync(options, y, asResult);
  }

  /**
   * Takes the first arrived outcome: `[key, value]`, or throws the member's error; a member
   * that ended (or threw) leaves the map. NONE when no outcome is left to take (`undefined`
   * when, besides, the map is empty).
   */
  #take(): [K, V] | undefined | typeof NONE {
    for (;;) {
      const member = this.#ready.shift();
      if (member === undefined) return this.#members.size === 0 ? undefined : NONE;
      if (member.removed) continue;
      member.pending = undefined;
      const result = member.result;
      if (member.ok && result!.done !== true) {
        member.result = undefined;
        this.#idle.push(member);
        return [member.key, result!.value];
      }
      this.#members.delete(member.key);
      member.removed = true;
      if (!member.ok) {
        const error = member.error;
        member.error = undefined;
        throw error;
      }
    }
  }

  async #nextAsync(options: WaitOptions | undefined, y: Promise<void> | undefined, asResult: boolean): Promise<[K, V] | undefined | IteratorResult<[K, V]>> {
    this.#busy = true;
    try {
      if (y !== undefined) await y;
      throwIfCancelled(options);
      for (;;) {
        const entry = this.#take();
        if (entry !== NONE) return asResult ? toResult(entry) : entry;
        if (this.#idle.head !== undefined) {
          const task = tryCurrentTask();
          for (let member = this.#idle.shift(); member !== undefined; member = this.#idle.shift()) {
            if (!member.removed) this.#pull(member, task);
          }
          if (this.#ready.head !== undefined) continue;
        }
        const { waiter, promise } = park<void>('StreamMap.next', this.#unpark, options);
        this.#waiter = waiter;
        await promise;
      }
    } finally {
      this.#busy = false;
    }
  }

  readonly #unpark = (waiter: Waiter<void>): void => {
    if (this.#waiter === waiter) this.#waiter = undefined;
  };

  [Symbol.asyncIterator](): AsyncIterator<[K, V]> {
    return {
      next: (): Promise<IteratorResult<[K, V]>> => this.#next(undefined, true) as Promise<IteratorResult<[K, V]>>,
      return: (): Promise<IteratorResult<[K, V]>> => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
