// watch across threads: one sender, many receivers, only the latest value is kept; each
// end movable to another thread.
//
// How and why: shared memory holds the latest value's structured-clone bytes and a version
// that every send increments; each receiver remembers the version it saw last, so many
// sends between two reads are one change and no change is missed between two awaits.
// `borrow()` deserializes the shared bytes (cached per handle until the version moves): a
// receiver gets a copy, and mutating it changes nothing elsewhere.
import type { WaitOptions } from '@rt/scheduler';
import { Closed, RecvError, SendError } from '@rt/sync';
import { CHANNEL_END, encode } from './internal/codec.js';
import { claim, newClaim, sharedBuffer } from './internal/handle-token.js';
import { bump, SeqWatch } from './internal/seq-watch.js';
import { lock, unlock } from './internal/shared-lock.js';
import { ValueCell } from './internal/value-cell.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, checkCancelled, retryAfter } from '@rt/scheduler/primitives';
import { WaitList, WaitNode, failNode, parkOn, wakeNode } from './internal/thread-waiters.js';

const LOCK = 0;
const VERSION = 1;
const SENDER_CLOSED = 2;
const RECEIVERS = 3;
const SEQ = 4;
const SLEEPERS = 5;
const LENGTH = 6;
const WORDS = 8;

/** A transferred watch {@link Sender} or {@link Receiver}: structured-cloneable. */
export interface WatchDescriptor {
  readonly [TRANSFER_TAG]: 'watch.Sender' | 'watch.Receiver';
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  readonly claim: SharedArrayBuffer;
  /** The version the moved receiver had seen. */
  readonly seen: number;
}

/** Options of {@link channel}. */
export interface WatchOptions {
  /** The largest serialized value in bytes (default 1 GiB of reserved address space). */
  readonly maxBytes?: number;
}

class Shared {
  readonly words: Int32Array;
  readonly cell: ValueCell;
  #cachedVersion = -1;
  #cached: unknown = undefined;
  constructor(
    readonly control: SharedArrayBuffer,
    readonly data: SharedArrayBuffer,
  ) {
    this.words = new Int32Array(control);
    this.cell = new ValueCell(data);
  }

  /** Stores `bytes` as the latest value and returns the new version. */
  store(bytes: Uint8Array, value: unknown): number {
    const words = this.words;
    lock(words, LOCK);
    this.cell.write(bytes);
    words[LENGTH] = bytes.length;
    const version = ++words[VERSION]!;
    unlock(words, LOCK);
    this.#cachedVersion = version;
    this.#cached = value;
    bump(words, SEQ, SLEEPERS);
    return version;
  }

  /** The latest value (a copy deserialized in this thread, cached until it changes) and its version. */
  load(): [unknown, number] {
    const words = this.words;
    const version = Atomics.load(words, VERSION);
    if (version === this.#cachedVersion) return [this.#cached, version];
    lock(words, LOCK);
    const current = words[VERSION]!;
    const bytes = this.cell.copyOut(words[LENGTH]!);
    unlock(words, LOCK);
    const value = ValueCell.decode(bytes);
    this.#cachedVersion = current;
    this.#cached = value;
    return [value, current];
  }

  get version(): number {
    return Atomics.load(this.words, VERSION);
  }

  get senderClosed(): boolean {
    return Atomics.load(this.words, SENDER_CLOSED) !== 0;
  }

  get receivers(): number {
    return Atomics.load(this.words, RECEIVERS);
  }
}

function serializeValue(value: unknown, label: string, cell: ValueCell): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = encode(value);
  } catch (error) {
    throw new TypeError(`${label}: the value cannot be structured-cloned (${(error as Error).message})`, { cause: error });
  }
  if (!cell.fits(bytes)) throw new RangeError(`${label}: a value of ${bytes.length} serialized bytes exceeds maxBytes ${cell.data.maxByteLength}`);
  return bytes;
}

function rebuild(descriptor: WatchDescriptor, kind: string): Shared {
  if (descriptor === null || typeof descriptor !== 'object' || descriptor[TRANSFER_TAG] !== kind) {
    throw new TypeError(`${kind}.fromTransfer: not a ${kind} descriptor: ${String(descriptor)}`);
  }
  const shared = new Shared(sharedBuffer(descriptor.control, `${kind} descriptor.control`), sharedBuffer(descriptor.data, `${kind} descriptor.data`));
  claim(descriptor.claim, `${kind}.fromTransfer`);
  return shared;
}

/**
 * Creates a watch channel holding `init` whose ends can move to other threads; returns
 * `[sender, receiver]`.
 *
 * **What closes it**: as `@rt/sync`'s `watch`: `sender.close()` / dispose ends it for the
 * receivers (`changed()` rejects with `RecvError` once they have seen the last value);
 * when every receiver (in every thread) is closed, `send` fails and `sender.closed()`
 * resolves.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `TypeError` if `init` cannot be structured-cloned; `RangeError` for a bad `maxBytes`.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.watch.channel('starting');
 * worker.postMessage(encodeTransferables({ state: rx })); // the worker awaits state.changed()
 * tx.send('ready');
 * ```
 */
export function channel<T>(init: T, options?: WatchOptions): [Sender<T>, Receiver<T>] {
  const maxBytes = options?.maxBytes ?? 2 ** 30;
  if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > 2 ** 31 - 4) {
    throw new RangeError(`watch.channel options.maxBytes must be an integer in [64, 2^31-4], got ${String(maxBytes)}`);
  }
  const shared = new Shared(new SharedArrayBuffer(WORDS * 4), ValueCell.createBuffer(64, maxBytes));
  const bytes = serializeValue(init, 'watch.channel init', shared.cell);
  shared.store(bytes, init);
  // The initial value is version 1 and counts as seen.
  return [new Sender<T>(shared), new Receiver<T>(shared, shared.version)];
}

/**
 * The sending half of a watch {@link channel}, movable to another thread.
 *
 * **Cancellation:** `closed({ signal })` is cancel safe; sends never wait.
 *
 * **Errors:** `send` throws `SendError` when no receiver is left.
 *
 * **Example**
 * ```ts
 * tx.sendModify((state) => ({ ...state, count: state.count + 1 }));
 * ```
 */
export class Sender<T> implements Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #shared: Shared;
  #state: 'open' | 'closed' | 'moved' = 'open';
  readonly #closedWaiters = new WaitList<void>();
  readonly #watch: SeqWatch;

  /** @internal */
  constructor(shared: Shared) {
    this.#shared = shared;
    this.#watch = new SeqWatch(shared.words, SEQ, SLEEPERS, () => this.#poll());
  }

  /**
   * Rebuilds a sender moved with {@link Sender.transfer}.
   *
   * **Errors:** `TypeError` for a wrong descriptor; `Closed` if it was already used.
   */
  static fromTransfer<T>(descriptor: WatchDescriptor): Sender<T> {
    return new Sender<T>(rebuild(descriptor, 'watch.Sender'));
  }

  /** Receivers alive now, in every thread. */
  get receiverCount(): number {
    return this.#shared.receivers;
  }

  /** True once every receiver is closed. */
  get isClosed(): boolean {
    return this.#shared.receivers === 0;
  }

  #checkOpen(value: unknown): void {
    if (this.#state !== 'open') throw new SendError(value, `watch Sender ${this.#state}`);
  }

  /**
   * Stores `value` (structured-cloned) and notifies every receiver, in every thread.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`; nothing is stored) if no receiver is left or the
   * sender was closed or moved; `TypeError` if the value cannot be cloned; `RangeError` if
   * it exceeds `maxBytes`.
   */
  send(value: T): void {
    this.#checkOpen(value);
    const s = this.#shared;
    if (s.receivers === 0) throw new SendError(value, 'no watch receiver');
    s.store(serializeValue(value, 'watch.Sender.send', s.cell), value);
  }

  /**
   * Stores `value` even with no receiver, notifies, and returns the previous value.
   *
   * **Errors:** `SendError` if the sender was closed or moved; as `send` for the value.
   */
  sendReplace(value: T): T {
    this.#checkOpen(value);
    const s = this.#shared;
    const [previous] = s.load();
    s.store(serializeValue(value, 'watch.Sender.sendReplace', s.cell), value);
    return previous as T;
  }

  /**
   * Calls `modify` on the value (a copy in this thread); stores what it returns (or the
   * value it changed in place, if it returns undefined) and notifies unconditionally.
   *
   * **Errors:** what `modify` throws (then nothing is stored); `SendError` if closed or moved.
   *
   * **Example**
   * ```ts
   * tx.sendModify((n) => n + 1);
   * ```
   */
  sendModify(modify: (value: T) => T | void): void {
    this.#checkOpen(undefined);
    const s = this.#shared;
    const [current] = s.load();
    const next = modify(current as T);
    const value = next === undefined ? current : next;
    s.store(serializeValue(value, 'watch.Sender.sendModify', s.cell), value);
  }

  /**
   * Calls `modify` on the value (to change it in place); stores and notifies only if it
   * returns true. Returns what `modify` returned.
   *
   * **Errors:** what `modify` throws (then nothing is stored); `SendError` if closed or moved.
   */
  sendIfModified(modify: (value: T) => boolean): boolean {
    this.#checkOpen(undefined);
    const s = this.#shared;
    const [current] = s.load();
    const modified = modify(current as T);
    if (modified) s.store(serializeValue(current, 'watch.Sender.sendIfModified', s.cell), current);
    return modified;
  }

  /** The current value (a copy in this thread). Never waits. */
  borrow(): T {
    return this.#shared.load()[0] as T;
  }

  /**
   * A new receiver (in this thread) that has seen the current value.
   *
   * **Errors:** `Closed` if this sender was moved.
   */
  subscribe(): Receiver<T> {
    if (this.#state === 'moved') throw new Closed('this watch Sender was moved to another thread');
    return new Receiver<T>(this.#shared, this.#shared.version);
  }

  /**
   * Resolves when every receiver (in every thread) is closed.
   *
   * **Cancellation:** cancel safe. **Errors:** `Cancelled` when aborted.
   */
  closed(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#shared.receivers === 0) return RESOLVED;
    return parkOn(this.#closedWaiters, new WaitNode<void>(0, undefined, undefined), 'watch.Sender.closed', options, this.#watch);
  }

  #poll(): boolean {
    if (this.#shared.receivers !== 0) return this.#closedWaiters.length !== 0;
    let node: WaitNode<void> | undefined;
    while ((node = this.#closedWaiters.head) !== undefined) wakeNode(this.#closedWaiters, node, undefined);
    return false;
  }

  /** Closes the sender: receivers' `changed()` rejects with `RecvError` once they are up to date. Idempotent. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    const words = this.#shared.words;
    Atomics.store(words, SENDER_CLOSED, 1);
    bump(words, SEQ, SLEEPERS);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this sender to another thread; this handle becomes unusable.
   *
   * **Errors:** `Closed` if it was closed or moved, or `closed()` is parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ state: tx.transfer() });
   * ```
   */
  transfer(): WatchDescriptor {
    if (this.#state !== 'open') throw new Closed(`cannot transfer a ${this.#state} watch Sender`);
    if (this.#closedWaiters.length !== 0) throw new Closed('cannot transfer a watch Sender with a parked closed()');
    this.#state = 'moved';
    return { [TRANSFER_TAG]: 'watch.Sender', control: this.#shared.control, data: this.#shared.data, claim: newClaim(), seen: 0 };
  }
}

/**
 * A receiving half of a watch {@link channel}, movable to another thread: reads the latest
 * value and waits for changes.
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

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #shared: Shared;
  #seen: number;
  #state: 'open' | 'closed' | 'moved' = 'open';
  readonly #waiters = new WaitList<void>();
  readonly #watch: SeqWatch;

  /** @internal */
  constructor(shared: Shared, seen: number, counted = false) {
    this.#shared = shared;
    this.#seen = seen;
    if (!counted) Atomics.add(shared.words, RECEIVERS, 1);
    this.#watch = new SeqWatch(shared.words, SEQ, SLEEPERS, () => this.#poll());
  }

  /**
   * Rebuilds a receiver moved with {@link Receiver.transfer}, with the seen state it had.
   *
   * **Errors:** `TypeError` for a wrong descriptor; `Closed` if it was already used.
   */
  static fromTransfer<T>(descriptor: WatchDescriptor): Receiver<T> {
    const shared = rebuild(descriptor, 'watch.Receiver');
    return new Receiver<T>(shared, typeof descriptor.seen === 'number' ? descriptor.seen : 0, true);
  }

  #checkOpen(): void {
    if (this.#state === 'moved') throw new Closed('this watch Receiver was moved to another thread');
  }

  /** The latest value (a copy in this thread), without marking it seen. Never waits. */
  borrow(): T {
    this.#checkOpen();
    return this.#shared.load()[0] as T;
  }

  /** The latest value, marking it seen. Never waits. */
  borrowAndUpdate(): T {
    this.#checkOpen();
    const [value, version] = this.#shared.load();
    this.#seen = version;
    return value as T;
  }

  /**
   * True if a value was sent since this receiver last marked one seen.
   *
   * **Errors:** `RecvError` if the sender is closed.
   */
  hasChanged(): boolean {
    this.#checkOpen();
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
    return this.#shared.control === other.#shared.control;
  }

  /**
   * Waits until a value this receiver has not seen is sent (by the sender in any thread),
   * and marks it seen.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `RecvError` if the sender is closed with no unseen change; `Closed` if
   * moved; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await rx.changed({ signal });
   * ```
   */
  changed(options?: WaitOptions): Promise<void> {
    if (this.#state === 'moved') return Promise.reject(new Closed('this watch Receiver was moved to another thread'));
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    const s = this.#shared;
    if (this.#waiters.length === 0) {
      const version = s.version;
      if (this.#seen !== version) {
        const y = budget();
        if (y !== undefined) return retryAfter(y, this, this.changed, options);
        this.#seen = version;
        return RESOLVED;
      }
      if (s.senderClosed || this.#state !== 'open') return Promise.reject(new RecvError('watch sender closed'));
    }
    return parkOn(this.#waiters, new WaitNode<void>(1, undefined, undefined), 'watch.Receiver.changed', options, this.#watch);
  }

  #poll(): boolean {
    const list = this.#waiters;
    if (list.head === undefined) return false;
    const s = this.#shared;
    const version = s.version;
    if (this.#seen !== version) {
      this.#seen = version;
      let node: WaitNode<void> | undefined;
      while ((node = list.head) !== undefined) wakeNode(list, node, undefined);
      return false;
    }
    if (s.senderClosed || this.#state !== 'open') {
      let node: WaitNode<void> | undefined;
      while ((node = list.head) !== undefined) failNode(list, node, new RecvError('watch sender closed'));
      return false;
    }
    return true;
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

  /**
   * Another receiver (in this thread) on the same channel, with the same seen state.
   *
   * **Errors:** `Closed` if this receiver was moved.
   */
  clone(): Receiver<T> {
    this.#checkOpen();
    return new Receiver<T>(this.#shared, this.#seen);
  }

  /** Closes this receiver. Idempotent. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    const list = this.#waiters;
    let node: WaitNode<void> | undefined;
    while ((node = list.head) !== undefined) failNode(list, node, new RecvError('this watch Receiver was closed'));
    const words = this.#shared.words;
    if (Atomics.sub(words, RECEIVERS, 1) === 1) bump(words, SEQ, SLEEPERS);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this receiver to another thread (with its seen state); this handle becomes unusable.
   *
   * **Errors:** `Closed` if it was closed or moved, or a `changed()` is parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ state: rx.transfer() });
   * ```
   */
  transfer(): WatchDescriptor {
    if (this.#state !== 'open') throw new Closed(`cannot transfer a ${this.#state} watch Receiver`);
    if (this.#waiters.length !== 0) throw new Closed('cannot transfer a watch Receiver with a parked changed()');
    this.#state = 'moved';
    return { [TRANSFER_TAG]: 'watch.Receiver', control: this.#shared.control, data: this.#shared.data, claim: newClaim(), seen: this.#seen };
  }
}
