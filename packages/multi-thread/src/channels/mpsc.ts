// mpsc across threads: multi-producer, single-consumer channels, bounded
// (`channel(capacity)`, with backpressure) and unbounded (`unboundedChannel()`), whose
// ends can move to other worker threads. Values are structured-cloned (`v8.serialize`) into
// a shared ring (internal/byte-ring.ts); waiting is `Atomics.waitAsync` on shared sequence
// words (internal/seq-watch.ts). Exported as `shared.mpsc`: the API mirrors `@rt/sync`'s
// `mpsc`, with its errors, but parked senders of different threads are not served in FIFO
// order (the README's "How shared differs from @rt/sync" table).
import { isCancelled, type WaitOptions } from '@rt/scheduler';
import { Closed, SendError, SendTimeoutError, TryRecvError, TrySendError } from '@rt/sync';
import { sleep } from '@rt/time';
import {
  ByteRing,
  CLOSED,
  DATA_SEQ,
  DATA_SLEEPERS,
  EMPTY,
  FULL,
  ID,
  PUSHED,
  RESERVED,
  SENDERS,
  SPACE_SEQ,
  SPACE_SLEEPERS,
} from './internal/byte-ring.js';
import { CHANNEL_END, encode, isScratch } from './internal/codec.js';
import { claim, newClaim, randomId, sharedBuffer } from './internal/handle-token.js';
import { SeqWatch } from './internal/seq-watch.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, checkCancelled, checkCount } from '@rt/scheduler/primitives';
import { WaitList, WaitNode, failNode, parkOn, wakeNode } from './internal/thread-waiters.js';

/** Options of {@link channel} and {@link unboundedChannel}: the shared buffer's size in bytes. */
export interface ChannelOptions {
  /** Bytes the shared buffer starts with (default 64 KiB); it doubles as needed. */
  readonly initialBytes?: number;
  /**
   * The most bytes the buffer may grow to (default 64 MiB bounded, 1 GiB unbounded; address
   * space is reserved, memory is committed as it grows). A value whose record does not fit
   * even in an empty buffer of this size is refused with a RangeError.
   */
  readonly maxBytes?: number;
}

/** A transferred {@link Sender}, {@link UnboundedSender} or {@link Receiver}: structured-cloneable. */
export interface EndDescriptor {
  readonly [TRANSFER_TAG]: 'mpsc.Sender' | 'mpsc.UnboundedSender' | 'mpsc.Receiver';
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  readonly claim: SharedArrayBuffer;
}

const MAX_CAPACITY = 2 ** 30;

function makeRing(capacity: number, options: ChannelOptions | undefined): ByteRing {
  const initialBytes = options?.initialBytes ?? 64 * 1024;
  const maxBytes = options?.maxBytes ?? (capacity === 0 ? 2 ** 30 : 64 * 2 ** 20);
  checkCount('mpsc channel options.initialBytes', initialBytes, 64, 2 ** 31 - 4);
  checkCount('mpsc channel options.maxBytes', maxBytes, initialBytes, 2 ** 31 - 4);
  return ByteRing.create(capacity, randomId(), initialBytes & ~3, maxBytes & ~3);
}

/**
 * Creates a bounded channel holding at most `capacity` values whose ends can move to other
 * threads; returns `[sender, receiver]`.
 *
 * A full channel makes `send` wait (backpressure). Values are structured-cloned when sent
 * (`v8.serialize`: what `postMessage` can copy, except SharedArrayBuffers and channel ends,
 * which cannot travel *inside* a message: pass those with `encodeTransferables`).
 * **What closes it**: as `@rt/sync`'s `mpsc.channel`: every {@link Sender} closed
 * (`close()` / `Symbol.dispose`, in whichever thread holds it) and the buffer drained ends
 * the stream for the receiver; `receiver.close()` fails the senders. A handle that is never
 * closed (or a descriptor never rebuilt) keeps the channel open: JavaScript has no drop.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `RangeError` unless `capacity` is an integer in [1, 2^30], or for bad options.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.mpsc.channel<number>(16);
 * worker.postMessage(encodeTransferables({ tx }));  // the worker sends, we receive
 * for await (const n of rx) console.log(n);
 * ```
 */
export function channel<T>(capacity: number, options?: ChannelOptions): [Sender<T>, Receiver<T>] {
  checkCount('mpsc.channel capacity', capacity, 1, MAX_CAPACITY);
  const ring = makeRing(capacity, options);
  return [new Sender<T>(ring), new Receiver<T>(ring)];
}

/**
 * Creates an unbounded channel whose ends can move to other threads; `send` never waits.
 *
 * Closes exactly like {@link channel}. "Unbounded" is bounded by `options.maxBytes` of
 * buffered records (default 1 GiB): beyond it `send` throws a RangeError.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `RangeError` for bad options.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.mpsc.unboundedChannel<string>();
 * tx.send('hello');
 * console.log(await rx.recv()); // 'hello'
 * ```
 */
export function unboundedChannel<T>(options?: ChannelOptions): [UnboundedSender<T>, UnboundedReceiver<T>] {
  const ring = makeRing(0, options);
  return [new UnboundedSender<T>(ring), new Receiver<T>(ring)];
}

function serializeValue(value: unknown, label: string): Uint8Array {
  try {
    return encode(value);
  } catch (error) {
    throw new TypeError(`${label}: the value cannot be structured-cloned (${(error as Error).message})`, { cause: error });
  }
}

function rebuildRing(descriptor: EndDescriptor, kind: string): ByteRing {
  if (descriptor === null || typeof descriptor !== 'object' || descriptor[TRANSFER_TAG] !== kind) {
    throw new TypeError(`${kind}.fromTransfer: not a ${kind} descriptor: ${String(descriptor)}`);
  }
  const control = sharedBuffer(descriptor.control, `${kind}.fromTransfer descriptor.control`);
  const data = sharedBuffer(descriptor.data, `${kind}.fromTransfer descriptor.data`);
  claim(descriptor.claim, `${kind}.fromTransfer`);
  return new ByteRing(control, data);
}

/** Shared by both sender kinds: the handle's open/moved state, `closed()` and transfer. */
abstract class SenderBase<T> implements Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  /** @internal */
  protected ring: ByteRing;
  /** @internal */
  protected state: 'open' | 'closing' | 'closed' | 'moved' = 'open';
  /** @internal Parked sends and reserves of this handle, FIFO. */
  protected readonly sendWaiters = new WaitList<void>();
  /** @internal */
  protected readonly closedWaiters = new WaitList<void>();
  /** @internal */
  protected readonly spaceWatch: SeqWatch;

  /** @internal */
  constructor(ring: ByteRing) {
    this.ring = ring;
    this.spaceWatch = new SeqWatch(ring.words, SPACE_SEQ, SPACE_SLEEPERS, () => this.pollSpace(), true);
  }

  /** @internal */
  protected abstract get kind(): 'mpsc.Sender' | 'mpsc.UnboundedSender';

  /** True once the receiver is closed (in any thread): every send fails from now on. */
  get isClosed(): boolean {
    return this.ring.receiverClosed;
  }

  /**
   * Resolves when the receiver is closed (or disposed), in whichever thread it lives.
   *
   * **Cancellation:** cancel safe: nothing is consumed.
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * await tx.closed(); // the consumer went away: stop producing
   * ```
   */
  closed(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.ring.receiverClosed) return RESOLVED;
    return parkOn(this.closedWaiters, new WaitNode<void>(0, undefined, undefined), 'mpsc.Sender.closed', options, this.spaceWatch);
  }

  /** True if `other` sends into the same channel (also when the handles were rebuilt from descriptors). */
  sameChannel(other: SenderBase<T> | WeakSender<T>): boolean {
    return other.ringOf().words[ID] === this.ring.words[ID];
  }

  /** @internal */
  ringOf(): ByteRing {
    return this.ring;
  }

  /**
   * Closes this sender handle. When every sender of the channel (in every thread) is closed,
   * the receiver drains what was sent and then sees the end. Idempotent. A send still
   * parked in this handle completes first (its value is on its way, as in @rt/sync).
   */
  close(): void {
    if (this.state !== 'open') return;
    if (this.sendWaiters.length !== 0) {
      this.state = 'closing';
      return;
    }
    this.state = 'closed';
    this.ring.dropSender();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this sender to another thread: returns a structured-cloneable descriptor
   * (post it with `postMessage`, or put it in job/entry arguments) and makes this handle
   * unusable, like a Rust move. Rebuild it with `fromTransfer` in the other thread; it
   * keeps its place among the channel's senders (the count does not change), so a
   * descriptor that is never rebuilt keeps the channel open.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `Closed` if this handle was closed or moved; `Closed` while a send or
   * reserve of this handle is still parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ tx: tx.transfer() });
   * // in the worker: const tx = shared.mpsc.Sender.fromTransfer<number>(message.tx);
   * ```
   */
  transfer(): EndDescriptor {
    if (this.state !== 'open') throw new Closed(`cannot transfer a ${this.state} ${this.kind}`);
    if (this.sendWaiters.length !== 0 || this.closedWaiters.length !== 0) {
      throw new Closed(`cannot transfer a ${this.kind} with a parked operation`);
    }
    this.state = 'moved';
    return { [TRANSFER_TAG]: this.kind, control: this.ring.control, data: this.ring.data, claim: newClaim() };
  }

  /** @internal Retries the parked operations of this handle; true while some stay parked. */
  protected pollSpace(): boolean {
    const ring = this.ring;
    const list = this.sendWaiters;
    if (ring.receiverClosed) {
      let node: WaitNode<void> | undefined;
      while ((node = list.head) !== undefined) {
        failNode(list, node, new SendError(node.payload));
      }
      let closed: WaitNode<void> | undefined;
      while ((closed = this.closedWaiters.head) !== undefined) wakeNode(this.closedWaiters, closed, undefined);
      this.afterSendsSettled();
      return false;
    }
    let node: WaitNode<void> | undefined;
    while ((node = list.head) !== undefined) {
      const result = node.bytes !== undefined ? ring.tryPush(node.bytes, false) : ring.tryReserve(node.need);
      if (result === FULL) break;
      if (result === CLOSED) return this.pollSpace();
      wakeNode(list, node, undefined);
    }
    this.afterSendsSettled();
    return list.length !== 0 || this.closedWaiters.length !== 0;
  }

  /** @internal A close() that waited for parked sends completes once they settled. */
  protected afterSendsSettled(): void {
    if (this.state === 'closing' && this.sendWaiters.length === 0) {
      this.state = 'closed';
      this.ring.dropSender();
    }
  }

  /** @internal */
  protected park(node: WaitNode<void>, label: string, options: WaitOptions | undefined): Promise<void> {
    return parkOn(this.sendWaiters, node, label, options, this.spaceWatch, () => this.afterSendsSettled());
  }
}

/**
 * The sending half of a bounded {@link channel}, movable to another thread. Clone it with
 * `clone()` for each producer and close every clone to end the stream.
 *
 * Fairness: sends parked in one handle complete in FIFO order; across handles and threads
 * there is no queue (the first to find a free slot takes it).
 *
 * **Cancellation:** `send`, `sendTimeout`, `reserve`, `reserveMany` and `closed` take
 * `{ signal }`; see each.
 *
 * **Errors:** sends reject with `SendError` (value in `error.value`) once the receiver is closed.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.mpsc.channel<Job>(100);
 * const tx2 = tx.clone();
 * ```
 */
export class Sender<T> extends SenderBase<T> {
  /** @internal */
  protected get kind(): 'mpsc.Sender' {
    return 'mpsc.Sender';
  }

  /**
   * Rebuilds a sender moved with {@link SenderBase.transfer} (in this or another thread).
   *
   * **Errors:** `TypeError` for something that is not an `mpsc.Sender` descriptor; `Closed`
   * if the descriptor was already used.
   */
  static fromTransfer<T>(descriptor: EndDescriptor): Sender<T> {
    return new Sender<T>(rebuildRing(descriptor, 'mpsc.Sender'));
  }

  /** The channel's capacity, as created. */
  get maxCapacity(): number {
    return this.ring.capacity;
  }

  /** Slots free now (`maxCapacity` minus buffered values and reservations, in every thread). */
  get capacity(): number {
    return this.ring.freeSlots;
  }

  /**
   * Sends `value` (structured-cloned now), waiting while the channel is full.
   *
   * Consumes cooperative budget when it does not wait.
   *
   * **Cancellation:** cancel safe, as @rt/sync's: if aborted before the value was placed in
   * the shared ring, the promise rejects with `Cancelled` and the value was **not** sent
   * (the caller still has it); if it was placed, the send completes. Never both.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed or this handle was
   * closed or moved; `TypeError` if the value cannot be structured-cloned; `RangeError` if
   * its record is larger than the channel's `maxBytes`; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * await tx.send({ id: 1 }, { signal });
   * ```
   */
  send(value: T, options?: WaitOptions): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new SendError(value, `this Sender was ${this.state}`));
    let bytes: Uint8Array;
    try {
      bytes = serializeValue(value, 'mpsc.Sender.send');
      this.#checkSize(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(value, bytes, options, 'mpsc.Sender.send');
  }

  #checkSize(bytes: Uint8Array): void {
    if (ByteRing.recordBytes(bytes.length) > this.ring.maxBytes) {
      throw new RangeError(`mpsc.Sender.send: a value of ${bytes.length} serialized bytes exceeds the channel's maxBytes ${this.ring.maxBytes}`);
    }
  }

  #send(value: T, bytes: Uint8Array, options: WaitOptions | undefined, label: string): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.sendWaiters.length === 0) {
      const y = budget();
      if (y !== undefined) {
        const kept = isScratch(bytes) ? new Uint8Array(bytes) : bytes;
        return y.then(() => this.#send(value, kept, options, label));
      }
      const result = this.ring.tryPush(bytes, false);
      if (result === PUSHED) return RESOLVED;
      if (result === CLOSED) return Promise.reject(new SendError(value));
    } else if (this.ring.receiverClosed) {
      return Promise.reject(new SendError(value));
    }
    return this.park(new WaitNode<void>(1, value, isScratch(bytes) ? new Uint8Array(bytes) : bytes), label, options);
  }

  /**
   * Sends `value` now if there is a free slot and no send of this handle is parked.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TrySendError` with `kind` `'Full'` or `'Closed'` and the value back;
   * `TypeError`/`RangeError` as {@link Sender.send}.
   *
   * **Example**
   * ```ts
   * try { tx.trySend(event); } catch (e) { if (e instanceof TrySendError && e.kind === 'Full') dropped++; }
   * ```
   */
  trySend(value: T): void {
    if (this.state !== 'open') throw new TrySendError('Closed', value);
    const bytes = serializeValue(value, 'mpsc.Sender.trySend');
    this.#checkSize(bytes);
    if (this.sendWaiters.length !== 0) {
      if (this.ring.receiverClosed) throw new TrySendError('Closed', value);
      throw new TrySendError('Full', value);
    }
    const result = this.ring.tryPush(bytes, false);
    if (result === PUSHED) return;
    throw new TrySendError(result === FULL ? 'Full' : 'Closed', value);
  }

  /**
   * Sends `value`, waiting at most `ms` milliseconds (on `@rt/time`'s clock) for capacity.
   *
   * **Cancellation:** as {@link Sender.send}: an abort or the timeout before the value was
   * placed leaves it unsent and hands it back.
   *
   * **Errors:** `SendTimeoutError` with `kind` `'Timeout'` or `'Closed'` and the value back;
   * `Cancelled` when aborted; `RangeError` for a negative or non-finite `ms`.
   *
   * **Example**
   * ```ts
   * await tx.sendTimeout(frame, 50);
   * ```
   */
  sendTimeout(value: T, ms: number, options?: WaitOptions): Promise<void> {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`sendTimeout ms must be a finite number >= 0, got ${String(ms)}`);
    }
    if (this.state !== 'open') return Promise.reject(new SendTimeoutError('Closed', value));
    let bytes: Uint8Array;
    try {
      bytes = serializeValue(value, 'mpsc.Sender.sendTimeout');
      this.#checkSize(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.sendWaiters.length === 0 && this.ring.freeSlots >= 1) {
      return this.#send(value, bytes, options, 'mpsc.Sender.sendTimeout').catch((error: unknown) => {
        if (error instanceof SendError) throw new SendTimeoutError('Closed', value);
        throw error;
      });
    }
    const timer = new AbortController();
    const userSignal = options?.signal;
    const signal = userSignal === undefined ? timer.signal : AbortSignal.any([userSignal, timer.signal]);
    let timedOut = false;
    const delay = sleep(ms);
    delay.then(
      () => {
        timedOut = true;
        timer.abort();
      },
      () => {},
    );
    return this.#send(value, bytes, { signal }, 'mpsc.Sender.sendTimeout').then(
      () => {
        delay[Symbol.dispose]();
      },
      (error: unknown) => {
        delay[Symbol.dispose]();
        if (error instanceof SendError) throw new SendTimeoutError('Closed', value);
        if (timedOut && isCancelled(error) && userSignal?.aborted !== true) throw new SendTimeoutError('Timeout', value);
        throw error;
      },
    );
  }

  /**
   * Waits for one free slot and returns a {@link Permit} that sends into it without waiting.
   *
   * **Cancellation:** cancel safe: an aborted reserve holds no slot.
   *
   * **Errors:** `SendError` (value undefined) if the receiver is closed; `Cancelled`.
   *
   * **Example**
   * ```ts
   * using permit = await tx.reserve();
   * permit.send(computeValue());
   * ```
   */
  reserve(options?: WaitOptions): Promise<Permit<T>> {
    return this.reserveMany(1, options);
  }

  /**
   * Waits for `n` free slots at once and returns them as one {@link Permit}.
   *
   * **Cancellation:** cancel safe, as {@link Sender.reserve}.
   *
   * **Errors:** `RangeError` unless `n` is an integer in [0, maxCapacity]; `SendError` if the
   * receiver is closed; `Cancelled`.
   *
   * **Example**
   * ```ts
   * using permits = await tx.reserveMany(3);
   * for (const v of [1, 2, 3]) permits.send(v);
   * ```
   */
  reserveMany(n: number, options?: WaitOptions): Promise<Permit<T>> {
    checkCount('reserveMany n', n, 0, this.ring.capacity);
    if (this.state !== 'open') return Promise.reject(new SendError(undefined, `this Sender was ${this.state}`));
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    const ring = this.ring;
    if (this.sendWaiters.length === 0) {
      const result = ring.tryReserve(n);
      if (result === PUSHED) return Promise.resolve(new Permit<T>(ring, n));
      if (result === CLOSED) return Promise.reject(new SendError(undefined));
    }
    return this.park(new WaitNode<void>(n, undefined, undefined), 'mpsc.Sender.reserve', options).then(() => new Permit<T>(ring, n));
  }

  /**
   * Reserves one free slot now, or returns undefined if the channel is full or a send of
   * this handle is parked.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TrySendError` `'Closed'` (value undefined) if the receiver is closed.
   */
  tryReserve(): Permit<T> | undefined {
    if (this.state !== 'open') throw new TrySendError('Closed', undefined);
    if (this.sendWaiters.length !== 0) return undefined;
    const result = this.ring.tryReserve(1);
    if (result === CLOSED) throw new TrySendError('Closed', undefined);
    return result === PUSHED ? new Permit<T>(this.ring, 1) : undefined;
  }

  /**
   * A new sender handle for the same channel (in this thread; transfer it to move it); it
   * must be closed too before the channel closes.
   *
   * **Errors:** `Closed` if this handle was closed or moved.
   */
  clone(): Sender<T> {
    if (this.state !== 'open') throw new Closed(`cannot clone a ${this.state} Sender`);
    this.ring.addSender();
    return new Sender<T>(this.ring);
  }

  /**
   * A {@link WeakSender} in this thread: it does not keep the channel open.
   *
   * **Errors:** `Closed` if this handle was moved.
   */
  downgrade(): WeakSender<T> {
    if (this.state === 'moved') throw new Closed('cannot downgrade a moved Sender');
    return new WeakSender<T>(this.ring, true);
  }
}

/**
 * The sending half of an {@link unboundedChannel}, movable to another thread: `send` never
 * waits.
 *
 * **Cancellation:** `closed` takes `{ signal }`.
 *
 * **Errors:** `send` throws `SendError` once the receiver is closed.
 *
 * **Example**
 * ```ts
 * tx.send(event);
 * ```
 */
export class UnboundedSender<T> extends SenderBase<T> {
  /** @internal */
  protected get kind(): 'mpsc.UnboundedSender' {
    return 'mpsc.UnboundedSender';
  }

  /**
   * Rebuilds a sender moved with `transfer()`.
   *
   * **Errors:** `TypeError` for a wrong descriptor; `Closed` if it was already used.
   */
  static fromTransfer<T>(descriptor: EndDescriptor): UnboundedSender<T> {
    return new UnboundedSender<T>(rebuildRing(descriptor, 'mpsc.UnboundedSender'));
  }

  /**
   * Sends `value` (structured-cloned now) at once.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed or this handle was
   * closed or moved; `TypeError` if the value cannot be structured-cloned; `RangeError` when
   * the buffered records would exceed the channel's `maxBytes`.
   *
   * **Example**
   * ```ts
   * tx.send({ kind: 'tick' });
   * ```
   */
  send(value: T): void {
    if (this.state !== 'open') throw new SendError(value, `this UnboundedSender was ${this.state}`);
    const bytes = serializeValue(value, 'mpsc.UnboundedSender.send');
    const result = this.ring.tryPush(bytes, false);
    if (result === PUSHED) return;
    if (result === CLOSED) throw new SendError(value);
    throw new RangeError(`mpsc.UnboundedSender.send: the channel's buffered records would exceed its maxBytes ${this.ring.maxBytes}`);
  }

  /**
   * A new sender handle for the same channel; it must be closed too before the channel closes.
   *
   * **Errors:** `Closed` if this handle was closed or moved.
   */
  clone(): UnboundedSender<T> {
    if (this.state !== 'open') throw new Closed(`cannot clone a ${this.state} UnboundedSender`);
    this.ring.addSender();
    return new UnboundedSender<T>(this.ring);
  }

  /**
   * A {@link WeakSender} in this thread: it does not keep the channel open.
   *
   * **Errors:** `Closed` if this handle was moved.
   */
  downgrade(): WeakSender<T> {
    if (this.state === 'moved') throw new Closed('cannot downgrade a moved UnboundedSender');
    return new WeakSender<T>(this.ring, false);
  }
}

/**
 * A sender that does not keep the channel open: `upgrade()` returns a real sender while at
 * least one strong sender (in any thread) is alive, else undefined. It stays in the thread
 * that made it (it has no `transfer()`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const weak = tx.downgrade();
 * const strong = weak.upgrade();
 * if (strong) { await strong.send(1); strong.close(); }
 * ```
 */
export class WeakSender<T> {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  readonly #ring: ByteRing;
  readonly #bounded: boolean;

  /** @internal */
  constructor(ring: ByteRing, bounded: boolean) {
    this.#ring = ring;
    this.#bounded = bounded;
  }

  /** A strong sender (bounded channels give a {@link Sender}, unbounded an {@link UnboundedSender}), or undefined if every strong sender is closed. */
  upgrade(): Sender<T> | UnboundedSender<T> | undefined {
    if (!this.#ring.tryAddSender()) return undefined;
    return this.#bounded ? new Sender<T>(this.#ring) : new UnboundedSender<T>(this.#ring);
  }

  /** True if `other` belongs to the same channel. */
  sameChannel(other: SenderBase<T> | WeakSender<T>): boolean {
    return other.ringOf().words[ID] === this.#ring.words[ID];
  }

  /** @internal */
  ringOf(): ByteRing {
    return this.#ring;
  }
}

/**
 * One or more reserved slots of a bounded channel: `send` places a value without waiting;
 * unused slots go back on `release()` / `Symbol.dispose`. A permit stays in the thread
 * that reserved it.
 *
 * **Cancellation:** not applicable (never waits).
 *
 * **Errors:** `send` on a permit with no slot left throws `Closed`.
 *
 * **Example**
 * ```ts
 * const permit = await tx.reserve();
 * permit.send('value');
 * ```
 */
export class Permit<T> implements Disposable {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #ring: ByteRing;
  #slots: number;

  /** @internal */
  constructor(ring: ByteRing, slots: number) {
    this.#ring = ring;
    this.#slots = slots;
  }

  /** Slots left to send into. */
  get remaining(): number {
    return this.#slots;
  }

  /**
   * Sends `value` into a reserved slot; never waits.
   *
   * **Errors:** `Closed` if no slot is left; `TypeError` if the value cannot be cloned.
   */
  send(value: T): void {
    if (this.#slots === 0) throw new Closed('Permit has no slot left');
    const bytes = serializeValue(value, 'mpsc.Permit.send');
    if (this.#ring.tryPush(bytes, true) !== PUSHED) {
      throw new RangeError(`mpsc.Permit.send: the value's record exceeds the channel's maxBytes ${this.#ring.maxBytes}`);
    }
    this.#slots--;
  }

  /** Gives unused slots back to the channel. Idempotent. */
  release(): void {
    const n = this.#slots;
    if (n === 0) return;
    this.#slots = 0;
    this.#ring.releaseReserved(n);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

const END: unique symbol = Symbol('rt.channels.mpsc.end');

/**
 * The receiving half of an mpsc channel (bounded or unbounded), movable to another thread.
 *
 * `recv` resolves with the next value, or `undefined` once the channel is closed and
 * drained (use async iteration to tell an `undefined` value from the end). Values from one
 * sender handle arrive in the order it sent them. Breaking out of `for await` does **not**
 * close the receiver.
 *
 * **Cancellation:** `recv` and iteration are cancel safe: an aborted receive never loses a
 * value: a value is taken from the shared ring only in the step that delivers it.
 *
 * **Errors:** `Cancelled` when aborted; `tryRecv` throws `TryRecvError`.
 *
 * **Example**
 * ```ts
 * for await (const job of rx) handle(job);
 * ```
 */
export class Receiver<T> implements Disposable, AsyncIterable<T> {

  /** @internal Marks a handle that cannot travel inside a message (see internal/codec.ts). */
  get [CHANNEL_END](): true {
    return true;
  }
  #ring: ByteRing;
  #state: 'open' | 'moved' = 'open';
  readonly #waiters = new WaitList<unknown>();
  readonly #watch: SeqWatch;

  /** @internal */
  constructor(ring: ByteRing) {
    this.#ring = ring;
    this.#watch = new SeqWatch(ring.words, DATA_SEQ, DATA_SLEEPERS, () => this.#poll(), true);
  }

  /**
   * Rebuilds a receiver moved with {@link Receiver.transfer}.
   *
   * **Errors:** `TypeError` for a wrong descriptor; `Closed` if it was already used.
   */
  static fromTransfer<T>(descriptor: EndDescriptor): Receiver<T> {
    return new Receiver<T>(rebuildRing(descriptor, 'mpsc.Receiver'));
  }

  /** Values buffered now. */
  get len(): number {
    return this.#ring.count;
  }

  /** True if nothing is buffered now. */
  get isEmpty(): boolean {
    return this.#ring.count === 0;
  }

  /** True once no value can arrive any more (buffered values may remain). */
  get isClosed(): boolean {
    const ring = this.#ring;
    return ring.receiverClosed || (Atomics.load(ring.words, SENDERS) === 0 && Atomics.load(ring.words, RESERVED) === 0);
  }

  /** The channel's capacity (Infinity when unbounded). */
  get maxCapacity(): number {
    return this.#ring.capacity === 0 ? Infinity : this.#ring.capacity;
  }

  #checkOpen(): void {
    if (this.#state === 'moved') throw new Closed('this Receiver was moved to another thread');
  }

  /**
   * Receives the next value, waiting if none is buffered; `undefined` once closed and drained.
   *
   * **Cancellation:** cancel safe: an aborted `recv()` never loses a value.
   *
   * **Errors:** `Cancelled` when aborted; `Closed` if this receiver was moved.
   *
   * **Example**
   * ```ts
   * const job = await rx.recv({ signal });
   * ```
   */
  recv(options?: WaitOptions): Promise<T | undefined> {
    return this.#recv(options, false) as Promise<T | undefined>;
  }

  #recv(options: WaitOptions | undefined, sentinel: boolean): Promise<unknown> {
    if (this.#state === 'moved') return Promise.reject(new Closed('this Receiver was moved to another thread'));
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    const ring = this.#ring;
    if (this.#waiters.length === 0) {
      if (ring.count !== 0) {
        const y = budget();
        if (y !== undefined) return y.then(() => this.#recv(options, sentinel));
        return Promise.resolve(ring.tryPop());
      }
      if (ring.finished) return Promise.resolve(sentinel ? END : undefined);
    }
    return parkOn(this.#waiters, new WaitNode<unknown>(1, sentinel, undefined), 'mpsc.Receiver.recv', options, this.#watch);
  }

  /**
   * Waits for at least one value, then moves up to `limit` values into `buffer` (pushing)
   * and resolves with how many; 0 means the channel is closed and drained (or `limit` is 0).
   *
   * **Cancellation:** cancel safe, as {@link Receiver.recv}.
   *
   * **Errors:** `RangeError` unless `limit` is a non-negative integer; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const batch: number[] = [];
   * while ((await rx.recvMany(batch, 64)) > 0) { flush(batch); batch.length = 0; }
   * ```
   */
  recvMany(buffer: T[], limit: number, options?: WaitOptions): Promise<number> {
    checkCount('recvMany limit', limit, 0);
    if (limit === 0) return Promise.resolve(0);
    return this.#recv(options, true).then((first) => {
      if (first === END) return 0;
      buffer.push(first as T);
      let n = 1;
      const ring = this.#ring;
      // Only this thread takes from the ring, so what is counted now can be taken.
      while (n < limit && ring.count !== 0) {
        buffer.push(ring.tryPop() as T);
        n++;
      }
      return n;
    });
  }

  #poll(): boolean {
    const ring = this.#ring;
    const list = this.#waiters;
    let node: WaitNode<unknown> | undefined;
    while ((node = list.head) !== undefined) {
      if (ring.count !== 0) {
        wakeNode(list, node, ring.tryPop());
      } else if (ring.finished) {
        wakeNode(list, node, node.payload === true ? END : undefined);
      } else {
        return true;
      }
    }
    return false;
  }

  /**
   * Takes a buffered value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TryRecvError` `'Empty'` if nothing is buffered but values may still come,
   * `'Disconnected'` if the channel is closed and drained; `Closed` if moved.
   */
  tryRecv(): T {
    this.#checkOpen();
    const value = this.#ring.tryPop();
    if (value !== EMPTY) return value as T;
    throw new TryRecvError(this.#ring.finished ? 'Disconnected' : 'Empty');
  }

  /**
   * Closes the receiving half: senders in every thread fail from now on (parked sends
   * reject with their value), and values already buffered can still be received. Idempotent.
   */
  close(): void {
    if (this.#state === 'moved') return;
    this.#ring.closeReceiver();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Moves this receiver to another thread (see `Sender.transfer`); this handle becomes
   * unusable.
   *
   * **Errors:** `Closed` if it was moved already or a `recv` is parked.
   *
   * **Example**
   * ```ts
   * worker.postMessage({ rx: rx.transfer() }); // worker: shared.mpsc.Receiver.fromTransfer(message.rx)
   * ```
   */
  transfer(): EndDescriptor {
    this.#checkOpen();
    if (this.#waiters.length !== 0) throw new Closed('cannot transfer a Receiver with a parked recv');
    this.#state = 'moved';
    const ring = this.#ring;
    return { [TRANSFER_TAG]: 'mpsc.Receiver', control: ring.control, data: ring.data, claim: newClaim() };
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => this.#recv(undefined, true).then(toIteratorResult<T>),
    };
  }
}

/**
 * The receiving half of an {@link unboundedChannel}: the same class as {@link Receiver}.
 *
 * **Cancellation:** as {@link Receiver}. **Errors:** as {@link Receiver}.
 *
 * **Example**
 * ```ts
 * const [tx, rx]: [shared.mpsc.UnboundedSender<number>, shared.mpsc.UnboundedReceiver<number>] = shared.mpsc.unboundedChannel();
 * ```
 */
export type UnboundedReceiver<T> = Receiver<T>;

function toIteratorResult<T>(value: unknown): IteratorResult<T> {
  return value === END ? { done: true, value: undefined } : { done: false, value: value as T };
}
