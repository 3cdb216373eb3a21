// oneshot across threads: one value from one sender to one receiver, each end movable to
// another thread. The value is structured-cloned into a shared buffer; the state words
// (empty / value / taken, sender closed, receiver closed) live in shared memory.
import type { WaitOptions } from '@rt/scheduler';
import { Closed, RecvError, SendError, TryRecvError } from '@rt/sync';
import { CHANNEL_END, encode } from './internal/codec.js';
import { claim, newClaim, sharedBuffer } from './internal/handle-token.js';
import { bump, SeqWatch } from './internal/seq-watch.js';
import { lock, unlock } from './internal/shared-lock.js';
import { ValueCell } from './internal/value-cell.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, checkCancelled, retryAfter, thenParksOwnWait } from '@rt/scheduler/primitives';
import type { ParkEntry } from '@rt/scheduler/primitives';
import { giveBack, keepTaken } from '@rt/time/primitives';
import { WaitList, WaitNode, failNode, parkOn, wakeNode } from './internal/thread-waiters.js';

const LOCK = 0;
const STATE = 1;
const SENDER_CLOSED = 2;
const RECEIVER_CLOSED = 3;
const SEQ = 4;
const SLEEPERS = 5;
const LENGTH = 6;
const WORDS = 8;

const EMPTY = 0;
const VALUE = 1;
const TAKEN = 2;

/** A transferred oneshot {@link Sender} or {@link Receiver}: structured-cloneable. */
export interface OneshotDescriptor {
  readonly [TRANSFER_TAG]: 'oneshot.Sender' | 'oneshot.Receiver';
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  readonly claim: SharedArrayBuffer;
}

/** Options of {@link channel}. */
export interface OneshotOptions {
  /** The largest serialized value in bytes (default 1 GiB of reserved address space). */
  readonly maxBytes?: number;
}

class Shared {
  readonly words: Int32Array;
  readonly cell: ValueCell;
  constructor(
    readonly control: SharedArrayBuffer,
    readonly data: SharedArrayBuffer,
  ) {
    this.words = new Int32Array(control);
    this.cell = new ValueCell(data);
  }
}

function rebuild(descriptor: OneshotDescriptor, kind: string): Shared {
  if (descriptor === null || typeof descriptor !== 'object' || descriptor[TRANSFER_TAG] !== kind) {
    throw new TypeError(`${kind}.fromTransfer: not a ${kind} descriptor: ${String(descriptor)}`);
  }
  const shared = new Shared(sharedBuffer(descriptor.control, `${kind} descriptor.control`), sharedBuffer(descriptor.data, `${kind} descriptor.data`));
  claim(descriptor.claim, `${kind}.fromTransfer`);
  return shared;
}

/**
 * Creates a oneshot channel whose ends can move to other threads: `[sender, receiver]` for
 * a single structured-cloned value.
 *
 * **What closes it**: as `@rt/sync`'s `oneshot`: `sender.close()` / dispose without a send
 * makes the receiver reject with `RecvError`; `receiver.close()` / dispose makes `send`
 * throw `SendError` and resolves `sender.closed()` — in whichever threads they live.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `RangeError` for a bad `maxBytes`.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.oneshot.channel<number>();
 * worker.postMessage(encodeTransferables({ reply: tx })); // the worker calls reply.send(42)
 * console.log(await rx); // 42
 * ```
 */
export function channel<T>(options?: OneshotOptions): [Sender<T>, Receiver<T>] {
  const maxBytes = options?.maxBytes ?? 2 ** 30;
  if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > 2 ** 31 - 4) {
    throw new RangeError(`oneshot.channel options.maxBytes must be an integer in [64, 2^31-4], got ${String(maxBytes)}`);
  }
  const shared = new Shared(new SharedArrayBuffer(WORDS * 4), ValueCell.createBuffer(64, maxBytes));
  return [new Sender<T>(shared), new Receiver<T>(shared)];
}

/**
 * The sending half of a oneshot {@link channel}: `send` is synchronous and happens at most once.
 *
 * **Cancellation:** `closed({ signal })` is cancel safe (nothing is consumed).
 *
 * **Errors:** see `send`.
 *
 * **Example**
 * ```ts
 * tx.send(result);
 * ```
 */
export class Sender<T> implements Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #shared: Shared;
  #state: 'open' | 'used' | 'moved' = 'open';
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
  static fromTransfer<T>(descriptor: OneshotDescriptor): Sender<T> {
    return new Sender<T>(rebuild(descriptor, 'oneshot.Sender'));
  }

  /** True once the receiver is closed (a send would fail). */
  get isClosed(): boolean {
    return Atomics.load(this.#shared.words, RECEIVER_CLOSED) !== 0;
  }

  /**
   * Sends the value (structured-cloned) to the receiver, at once. Consumes the sender.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed, or if this sender has
   * already sent, been closed or moved; `TypeError` if the value cannot be cloned;
   * `RangeError` if it is larger than the channel's `maxBytes`.
   *
   * **Example**
   * ```ts
   * try { tx.send(1); } catch (e) { if (e instanceof SendError) console.log('nobody listens'); }
   * ```
   */
  send(value: T): void {
    if (this.#state !== 'open') throw new SendError(value, `oneshot Sender already ${this.#state === 'moved' ? 'moved' : 'used or closed'}`);
    let bytes: Uint8Array;
    try {
      bytes = encode(value);
    } catch (error) {
      throw new TypeError(`oneshot.Sender.send: the value cannot be structured-cloned (${(error as Error).message})`, { cause: error });
    }
    const { words, cell } = this.#shared;
    if (!cell.fits(bytes)) throw new RangeError(`oneshot.Sender.send: a value of ${bytes.length} serialized bytes exceeds maxBytes ${cell.data.maxByteLength}`);
    this.#state = 'used';
    lock(words, LOCK);
    if (words[RECEIVER_CLOSED] !== 0) {
      words[SENDER_CLOSED] = 1;
      unlock(words, LOCK);
      bump(words, SEQ, SLEEPERS);
      throw new SendError(value);
    }
    cell.write(bytes);
    words[LENGTH] = bytes.length;
    words[STATE] = VALUE;
    words[SENDER_CLOSED] = 1;
    unlock(words, LOCK);
    bump(words, SEQ, SLEEPERS);
  }

  /**
   * Resolves when the receiver is closed (e.g. the caller lost interest), in any thread.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * await tx.closed(); // stop computing the answer
   * ```
   */
  closed(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.isClosed) return RESOLVED;
    return parkOn(this.#closedWaiters, new WaitNode<void>(0, undefined, undefined), 'oneshot.Sender.closed', options, this.#watch);
  }

  #poll(): boolean {
    if (!this.isClosed) return this.#closedWaiters.length !== 0;
    let node: WaitNode<void> | undefined;
    while ((node = this.#closedWaiters.head) !== undefined) wakeNode(this.#closedWaiters, node, undefined);
    return false;
  }

  /** Closes the sender without sending: the receiver rejects with `RecvError`. Idempotent; no-op after `send` or a move. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'used';
    const words = this.#shared.words;
    Atomics.store(words, SENDER_CLOSED, 1);
    bump(words, SEQ, SLEEPERS);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this sender to another thread: a structured-cloneable descriptor; this handle
   * becomes unusable. Rebuild with `oneshot.Sender.fromTransfer`.
   *
   * **Errors:** `Closed` if it was used, closed or moved, or `closed()` is parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ reply: tx.transfer() });
   * ```
   */
  transfer(): OneshotDescriptor {
    if (this.#state !== 'open') throw new Closed(`cannot transfer a ${this.#state} oneshot Sender`);
    if (this.#closedWaiters.length !== 0) throw new Closed('cannot transfer a oneshot Sender with a parked closed()');
    this.#state = 'moved';
    return { [TRANSFER_TAG]: 'oneshot.Sender', control: this.#shared.control, data: this.#shared.data, claim: newClaim() };
  }
}

/**
 * The receiving half of a oneshot {@link channel}: await it (it is `PromiseLike`) or call
 * `recv()`.
 *
 * **Cancellation:** `recv({ signal })` is cancel safe: an aborted receive leaves the value
 * in shared memory for the next `recv`/`tryRecv`.
 *
 * **Errors:** rejects with `RecvError` if the sender is closed without sending.
 *
 * **Example**
 * ```ts
 * const value = await rx;
 * ```
 */
export class Receiver<T> implements PromiseLike<T>, Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #shared: Shared;
  #moved = false;
  readonly #waiters = new WaitList<T>();
  readonly #watch: SeqWatch;
  /** The parked receive `#poll` woke with the value, if one did (what `giveBack` checks). */
  #deliveredTo: unknown = undefined;
  /**
   * The `timeout`s around a receive of this receiver still unfinished (`keepTaken`): while any is,
   * a value taken may come back (`giveBack`), so it is not taken for good (`tryRecv`, `isClosed`;
   * pass rc31).
   */
  #keeps = 0;

  /** @internal */
  constructor(shared: Shared) {
    this.#shared = shared;
    this.#watch = new SeqWatch(shared.words, SEQ, SLEEPERS, () => this.#poll());
  }

  /**
   * Rebuilds a receiver moved with {@link Receiver.transfer}.
   *
   * **Errors:** `TypeError` for a wrong descriptor; `Closed` if it was already used.
   */
  static fromTransfer<T>(descriptor: OneshotDescriptor): Receiver<T> {
    return new Receiver<T>(rebuild(descriptor, 'oneshot.Receiver'));
  }

  /** True once the value was taken for good (see `tryRecv`), the sender closed without sending, or the receiver closed. */
  get isClosed(): boolean {
    const w = this.#shared.words;
    const state = Atomics.load(w, STATE);
    return Atomics.load(w, RECEIVER_CLOSED) !== 0 || (state === TAKEN && this.#keeps === 0) || (Atomics.load(w, SENDER_CLOSED) !== 0 && state === EMPTY);
  }

  /** Takes the value if there is one: the value, or an error to reject with, or undefined (wait). */
  #attempt(): { value: T } | { error: Error } | undefined {
    const { words, cell } = this.#shared;
    const state = Atomics.load(words, STATE);
    if (state === VALUE) {
      lock(words, LOCK);
      const bytes = cell.copyOut(words[LENGTH]!);
      words[STATE] = TAKEN;
      unlock(words, LOCK);
      return { value: ValueCell.decode(bytes) as T };
    }
    if (state === TAKEN) return { error: new RecvError('oneshot value already received') };
    if (Atomics.load(words, SENDER_CLOSED) !== 0 || Atomics.load(words, RECEIVER_CLOSED) !== 0) {
      // The sender may have stored a value and then closed: look once more.
      if (Atomics.load(words, STATE) === VALUE) return this.#attempt();
      return { error: new RecvError('oneshot sender closed without sending') };
    }
    return undefined;
  }

  /**
   * Waits for the value.
   *
   * **Cancellation:** cancel safe (see {@link Receiver}).
   *
   * **Errors:** `RecvError` if the sender was closed without sending, the value was already
   * taken or the receiver closed; `Closed` if this receiver was moved; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const v = await rx.recv({ signal: AbortSignal.timeout(1000) });
   * ```
   */
  recv(options?: WaitOptions): Promise<T> {
    if (this.#moved) return Promise.reject(new Closed('this oneshot Receiver was moved to another thread'));
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#waiters.length === 0) {
      if (Atomics.load(this.#shared.words, STATE) === VALUE) {
        const y = budget();
        if (y !== undefined) return retryAfter(y, this, this.recv, options);
      }
      const result = this.#attempt();
      if (result !== undefined) return 'value' in result ? Promise.resolve(result.value) : Promise.reject(result.error);
    }
    return parkOn(this.#waiters, new WaitNode<T>(1, undefined, undefined), 'oneshot.Receiver.recv', options, this.#watch);
  }

  #poll(): boolean {
    const list = this.#waiters;
    const head = list.head;
    if (head === undefined) return false;
    const result = this.#attempt();
    if (result === undefined) return true;
    if ('value' in result) {
      this.#deliveredTo = head.waiter;
      wakeNode(list, head, result.value);
      // Concurrent recv() calls on one receiver: only one gets the value.
      let other: WaitNode<T> | undefined;
      while ((other = list.head) !== undefined) failNode(list, other, new RecvError('oneshot value already received'));
    } else {
      let node: WaitNode<T> | undefined;
      while ((node = list.head) !== undefined) failNode(list, node, result.error);
    }
    return false;
  }

  /**
   * Takes the value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TryRecvError` `'Empty'` if not sent yet, `'Disconnected'` if it never will be. A
   * value a receive took while a `timeout` around a receive of this receiver is unfinished is not
   * taken for good until that timeout's outcome (its caller may abort and the value come back,
   * pass rc30): `'Empty'` meanwhile, never `'Disconnected'` and then the value (pass rc31).
   */
  tryRecv(): T {
    if (this.#moved) throw new Closed('this oneshot Receiver was moved to another thread');
    const result = this.#attempt();
    if (result === undefined) throw new TryRecvError('Empty');
    if ('value' in result) return result.value;
    throw new TryRecvError(this.#keeps !== 0 && Atomics.load(this.#shared.words, STATE) === TAKEN ? 'Empty' : 'Disconnected');
  }

  /**
   * Closes the receiver: a later `send` fails and `sender.closed()` resolves, in any thread.
   * A value sent before the close can still be taken with `tryRecv`. Idempotent.
   */
  close(): void {
    if (this.#moved) return;
    const words = this.#shared.words;
    if (Atomics.exchange(words, RECEIVER_CLOSED, 1) === 0) bump(words, SEQ, SLEEPERS);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this receiver to another thread; this handle becomes unusable.
   *
   * **Errors:** `Closed` if it was moved already or a `recv` is parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ rx: rx.transfer() });
   * ```
   */
  transfer(): OneshotDescriptor {
    if (this.#moved) throw new Closed('this oneshot Receiver was moved already');
    if (this.#waiters.length !== 0) throw new Closed('cannot transfer a oneshot Receiver with a parked recv');
    this.#moved = true;
    return { [TRANSFER_TAG]: 'oneshot.Receiver', control: this.#shared.control, data: this.#shared.data, claim: newClaim() };
  }

  /**
   * @internal A value this receiver's `then` took for a `timeout` whose caller never got it (its
   * signal or task aborted first; see `giveBack` in `@rt/time/primitives`): back in the channel.
   * The value's bytes stay in shared memory once taken (only a send writes them, once), so the
   * state goes back to VALUE and the next receive decodes it again (pass rc30). `entry`: the receive
   * `then` parked (given back only if `#poll` woke it with the value); undefined: a receive that
   * took a ready value (its promise fulfilled). `rejection` (its promise rejected): never a take
   * here (a value in shared memory is decoded, never a promise), so nothing is given back.
   */
  [giveBack](entry: ParkEntry | undefined, rejection?: { reason: unknown }): boolean {
    if (rejection !== undefined) return false;
    if (entry !== undefined && entry !== this.#deliveredTo) return false;
    this.#deliveredTo = undefined;
    const words = this.#shared.words;
    lock(words, LOCK);
    const taken = words[STATE] === TAKEN;
    if (taken) words[STATE] = VALUE;
    unlock(words, LOCK);
    return taken;
  }

  /**
   * @internal `timeout` calls it with `true` right before its `then` and with `false` once that
   * `then`'s outcome came (see `keepTaken` in `@rt/time/primitives`): counted, for `tryRecv` and
   * `isClosed` (the value's bytes stay in shared memory anyway; pass rc31).
   */
  [keepTaken](keep: boolean): void {
    this.#keeps += keep ? 1 : -1;
  }

  /** Makes the receiver awaitable: `await rx` is `await rx.recv()`. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.recv().then(onFulfilled, onRejected);
  }

  /** As `Promise.prototype.catch`, on `recv()`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.recv().then(undefined, onRejected);
  }
}

// Each `then` is a fresh receive nobody else sees (one WaitNode parked in the task): `timeout(ms,
// rx)` ends it when the deadline wins, as @rt/sync's oneshot (pass lk28): the node leaves the
// receiver's list and releases the thread, and a value sent later stays in shared memory for the
// next receive. Unmarked, each timed-out receive stayed parked in the task (and kept the thread's
// event loop alive) until a send that may never come (pass mt29).
(Receiver.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;
