// mpsc: multi-producer, single-consumer channels, bounded (`channel(capacity)`, with
// backpressure) and unbounded (`unboundedChannel()`). The machinery is in internal/chan.ts.
import type { WaitOptions } from '@rt/scheduler';
import { Closed, SendError, SendTimeoutError, TryRecvError, TrySendError } from './errors.js';
import { Chan, FINISHED as FINISHEDOf, RECV_LABEL as RECV_LABELOf, type Finished } from './internal/chan.js';
import { sendTimeout as sendWithTimeout } from './internal/send-timeout.js';
import { checkCount, readyOrCancelled as readyOrCancelledOf, reportLostWake, retryAfter as retryAfterOf, unwatchLostWake, watchLostWake } from '@rt/scheduler/primitives';

// Module-local copies of imports read at every receive (an imported binding is read through its
// module cell with a TDZ check each time: @rt/net's README, pass eu30; this package's README, pass lc31).
const FINISHED: typeof FINISHEDOf = FINISHEDOf;
const readyOrCancelled = readyOrCancelledOf;
const RECV_LABEL = RECV_LABELOf;
const retryAfter = retryAfterOf;

/**
 * Creates a bounded channel holding at most `capacity` values; returns `[sender, receiver]`.
 *
 * A full channel makes `send` wait (backpressure) in FIFO order. Clone the sender for more
 * producers. **What closes it**: the channel closes for the receiver once every
 * {@link Sender} has been closed with `close()` or `Symbol.dispose` (JavaScript has no drop:
 * a sender that is merely forgotten keeps the channel open) and every value sent or
 * reserved has been received; it closes for the senders when the receiver calls `close()`
 * or is disposed.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** `RangeError` unless `capacity` is an integer ≥ 1.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = mpsc.channel<number>(16);
 * void (async () => { using sender = tx; for (let i = 0; i < 3; i++) await sender.send(i); })();
 * for await (const n of rx) console.log(n); // 0 1 2, then the loop ends
 * ```
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  checkCount('mpsc.channel capacity', capacity, 1);
  const chan = new Chan<T>(capacity);
  return [new Sender(chan), new Receiver(chan)];
}

/**
 * Creates an unbounded channel; returns `[sender, receiver]`. `send` never waits.
 *
 * Closes exactly like {@link channel}: for the receiver once every
 * {@link UnboundedSender} is closed/disposed and the buffer is drained, for the senders
 * once the receiver is closed/disposed.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = mpsc.unboundedChannel<string>();
 * tx.send('hello');
 * console.log(await rx.recv()); // 'hello'
 * ```
 */
export function unboundedChannel<T>(): [UnboundedSender<T>, UnboundedReceiver<T>] {
  const chan = new Chan<T>(Infinity);
  return [new UnboundedSender(chan), new Receiver(chan)];
}

/**
 * An open sender was garbage-collected. Once every strong sender is (and no weak sender,
 * reserved slot or parked send is left), nothing can send or close: the parked receives are
 * lost wakes.
 */
function senderCollected(chan: Chan<unknown>): void {
  chan.collectedSenders++;
  reportIfLost(chan);
}

function weakSenderCollected(chan: Chan<unknown>): void {
  chan.weakSenders--;
  reportIfLost(chan);
}

function reportIfLost(chan: Chan<unknown>): void {
  if (chan.receiverClosed || chan.senders === 0 || chan.collectedSenders < chan.senders) return;
  if (chan.weakSenders > 0 || chan.inFlight > 0) return;
  for (let node = chan.recvWaiters.head; node !== undefined; node = node.next) {
    reportLostWake(node.waiter!, 'every mpsc Sender was garbage-collected without close()');
  }
}

/** Shared by both sender kinds. */
abstract class SenderBase<T> implements Disposable {
  /** @internal */
  protected chan: Chan<T>;
  #open = true;

  /** @internal */
  constructor(chan: Chan<T>) {
    this.chan = chan;
    watchLostWake(this, chan, senderCollected);
  }

  /** @internal */
  protected get open(): boolean {
    return this.#open;
  }

  /** True once the receiver is closed: every send fails from now on. */
  get isClosed(): boolean {
    return this.chan.receiverClosed;
  }

  /**
   * Resolves when the receiver is closed (or disposed).
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
    return this.chan.closed(options, 'mpsc.Sender.closed');
  }

  /** True if `other` sends into the same channel. */
  sameChannel(other: SenderBase<T> | WeakSender<T>): boolean {
    return other instanceof WeakSender ? other.sameChannel(this) : this.chan === other.chan;
  }

  /** @internal */
  chanOf(): Chan<T> {
    return this.chan;
  }

  /**
   * Closes this sender handle. When every sender of the channel is closed, the receiver
   * drains what was sent and then sees the end. Idempotent; sending through a closed
   * handle fails with `SendError`.
   */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    unwatchLostWake(this);
    this.chan.dropSender();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The sending half of a bounded {@link channel}. Clone it with `clone()` for each producer
 * and close every clone (`close()` / `using`) to end the stream.
 *
 * **Cancellation:** `send`, `reserve`, `reserveMany` and `closed` take `{ signal }`; see each.
 *
 * **Errors:** sends reject with `SendError` (value in `error.value`) once the receiver is closed.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = mpsc.channel<Job>(100);
 * const tx2 = tx.clone();
 * ```
 */
export class Sender<T> extends SenderBase<T> {
  /** The channel's capacity, as created. */
  get maxCapacity(): number {
    return this.chan.maxCapacity;
  }

  /** Slots free now (`maxCapacity` minus buffered values and reservations). */
  get capacity(): number {
    return this.chan.permits;
  }

  /**
   * Sends `value`, waiting (FIFO among senders) while the channel is full.
   *
   * Consumes cooperative budget when it does not wait.
   *
   * **Cancellation:** cancel safe, and better than Tokio: if aborted before the value was
   * placed in the channel, the promise rejects with `Cancelled` and the value was **not**
   * sent (the caller still has it); if it was placed, the send completes and the abort is
   * seen at the next rt await. Never both, never neither.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed or this handle was
   * closed; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * await tx.send({ id: 1 }, { signal });
   * ```
   */
  send(value: T, options?: WaitOptions): Promise<void> {
    if (!this.open) return Promise.reject(new SendError(value, 'this Sender was closed'));
    return this.chan.send(value, options, 'mpsc.Sender.send');
  }

  /**
   * Sends `value` now if there is a free slot and no sender is waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TrySendError` with `kind` `'Full'` or `'Closed'` and the value back.
   *
   * **Example**
   * ```ts
   * try { tx.trySend(event); } catch (e) { if (e instanceof TrySendError && e.kind === 'Full') dropped++; }
   * ```
   */
  trySend(value: T): void {
    const chan = this.chan;
    if (!this.open || chan.receiverClosed) throw new TrySendError('Closed', value);
    if (chan.sendWaiters.length !== 0 || chan.permits < 1) throw new TrySendError('Full', value);
    chan.permits--;
    chan.deliver(value);
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
    if (!this.open) return Promise.reject(new SendTimeoutError('Closed', value));
    return sendWithTimeout(this.chan, value, ms, options);
  }

  /**
   * Waits for one free slot and returns a {@link Permit} that sends into it without waiting.
   *
   * **Cancellation:** cancel safe: an aborted reserve holds no slot; a delivered permit
   * holds one until `send`, `release` or dispose.
   *
   * **Errors:** `SendError` (value undefined) if the receiver is closed; `Cancelled`.
   *
   * **Example**
   * ```ts
   * using permit = await tx.reserve();
   * permit.send(computeValue()); // never waits, never fails
   * ```
   */
  reserve(options?: WaitOptions): Promise<Permit<T>> {
    if (!this.open) return Promise.reject(new SendError(undefined, 'this Sender was closed'));
    const chan = this.chan;
    return chan.reserve(1, options, 'mpsc.Sender.reserve').then(() => new Permit(chan, 1));
  }

  /**
   * Waits for `n` free slots at once and returns them as one {@link Permit} that can send
   * `n` values (Tokio's `reserve_many`; iterate it to get one-slot permits).
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
    checkCount('reserveMany n', n, 0, this.chan.maxCapacity);
    if (!this.open) return Promise.reject(new SendError(undefined, 'this Sender was closed'));
    const chan = this.chan;
    return chan.reserve(n, options, 'mpsc.Sender.reserveMany').then(() => new Permit(chan, n));
  }

  /**
   * Reserves one free slot now, or returns undefined if the channel is full or other
   * senders are waiting: the never-waiting form of {@link Sender.reserve}.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TrySendError` `'Closed'` (value undefined) if the receiver is closed.
   */
  tryReserve(): Permit<T> | undefined {
    const chan = this.chan;
    if (!this.open || chan.receiverClosed) throw new TrySendError('Closed', undefined);
    if (chan.sendWaiters.length !== 0 || chan.permits < 1) return undefined;
    chan.permits--;
    chan.inFlight++;
    return new Permit(chan, 1);
  }

  /**
   * A new sender handle for the same channel; it must be closed too before the channel closes.
   *
   * **Errors:** `Closed` if this handle was closed.
   */
  clone(): Sender<T> {
    if (!this.open) throw new Closed('cannot clone a closed Sender');
    this.chan.senders++;
    return new Sender(this.chan);
  }

  /** A {@link WeakSender}: it does not keep the channel open. */
  downgrade(): WeakSender<T> {
    return new WeakSender(this.chan, true);
  }
}

/**
 * The sending half of an {@link unboundedChannel}: `send` never waits.
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
  /**
   * Sends `value` at once (the buffer grows as needed).
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed or this handle was closed.
   *
   * **Example**
   * ```ts
   * tx.send({ kind: 'tick' });
   * ```
   */
  send(value: T): void {
    const chan = this.chan;
    if (!this.open) throw new SendError(value, 'this UnboundedSender was closed');
    if (chan.receiverClosed) throw new SendError(value);
    chan.deliver(value);
  }

  /**
   * A new sender handle for the same channel; it must be closed too before the channel closes.
   *
   * **Errors:** `Closed` if this handle was closed.
   */
  clone(): UnboundedSender<T> {
    if (!this.open) throw new Closed('cannot clone a closed UnboundedSender');
    this.chan.senders++;
    return new UnboundedSender(this.chan);
  }

  /** A {@link WeakSender}: it does not keep the channel open. */
  downgrade(): WeakSender<T> {
    return new WeakSender(this.chan, false);
  }
}

/**
 * A sender that does not keep the channel open: `upgrade()` returns a real sender while at
 * least one strong sender is alive, else undefined.
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
  readonly #chan: Chan<T>;
  readonly #bounded: boolean;

  /** @internal */
  constructor(chan: Chan<T>, bounded: boolean) {
    this.#chan = chan;
    this.#bounded = bounded;
    // Counted always, uncounted only when seen collected: an unwatched one blocks lost-wake reports.
    chan.weakSenders++;
    watchLostWake(this, chan, weakSenderCollected);
  }

  /** A strong sender (bounded channels give a {@link Sender}, unbounded an {@link UnboundedSender}), or undefined if every strong sender is closed. */
  upgrade(): Sender<T> | UnboundedSender<T> | undefined {
    const chan = this.#chan;
    if (chan.senders === 0) return undefined;
    chan.senders++;
    return this.#bounded ? new Sender(chan) : new UnboundedSender(chan);
  }

  /** True if `other` belongs to the same channel. */
  sameChannel(other: SenderBase<T> | WeakSender<T>): boolean {
    return other instanceof WeakSender ? other.#chan === this.#chan : other.chanOf() === this.#chan;
  }
}

/**
 * One or more reserved slots of a bounded channel (from `reserve`/`reserveMany`): `send`
 * places a value without waiting; unused slots go back on `release()` / `Symbol.dispose`.
 *
 * Iterating yields one-slot permits (Tokio's `PermitIterator`).
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
export class Permit<T> implements Disposable, Iterable<Permit<T>> {
  #chan: Chan<T>;
  #slots: number;

  /** @internal */
  constructor(chan: Chan<T>, slots: number) {
    this.#chan = chan;
    this.#slots = slots;
  }

  /** Slots left to send into. */
  get remaining(): number {
    return this.#slots;
  }

  /**
   * Sends `value` into a reserved slot; never waits. If the receiver has closed since the
   * reservation, the value stays in the channel's buffer where `tryRecv` can still read it.
   *
   * **Errors:** `Closed` if no slot is left.
   */
  send(value: T): void {
    if (this.#slots === 0) throw new Closed('Permit has no slot left');
    this.#slots--;
    this.#chan.sendReserved(value);
  }

  /** Gives unused slots back to the channel. Idempotent. */
  release(): void {
    const n = this.#slots;
    if (n === 0) return;
    this.#slots = 0;
    this.#chan.releaseReserved(n);
  }

  *[Symbol.iterator](): Iterator<Permit<T>> {
    while (this.#slots > 0) {
      this.#slots--;
      yield new Permit(this.#chan, 1);
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * The receiving half of an mpsc channel (bounded or unbounded).
 *
 * `recv` resolves with the next value, or `undefined` once the channel is closed and
 * drained. Values of type `undefined` are ambiguous there: use async iteration or
 * `recvMany`, which distinguish the end. Async iteration (`for await (const v of rx)`)
 * ends when the channel is closed and drained; breaking out of the loop does **not** close
 * the receiver (call `close()` or use `using`).
 *
 * **Cancellation:** `recv`, `recvMany` and iteration are cancel safe: an aborted receive
 * never loses a value: either the value is delivered, or it stays in the channel.
 *
 * **Errors:** `Cancelled` when aborted; `tryRecv` throws `TryRecvError`.
 *
 * **Example**
 * ```ts
 * let v;
 * while ((v = await rx.recv()) !== undefined) handle(v);
 * ```
 */
export class Receiver<T> implements Disposable, AsyncIterable<T> {
  readonly #chan: Chan<T>;

  /** @internal */
  constructor(chan: Chan<T>) {
    this.#chan = chan;
  }

  /** Values buffered now. */
  get len(): number {
    return this.#chan.buffer.length;
  }

  /** True if nothing is buffered now. */
  get isEmpty(): boolean {
    return this.#chan.buffer.length === 0;
  }

  /** True once no value can arrive any more: closed receiver, or every sender closed (buffered values may remain). */
  get isClosed(): boolean {
    const chan = this.#chan;
    return chan.receiverClosed || (chan.senders === 0 && chan.inFlight === 0);
  }

  /** The channel's capacity (Infinity when unbounded). */
  get maxCapacity(): number {
    return this.#chan.maxCapacity;
  }

  /**
   * Receives the next value, waiting if none is buffered; `undefined` once closed and drained.
   *
   * Consumes cooperative budget when a value is ready. Without options it parks on the
   * receiver's own reused waiter (no allocation but its promise) while no other receive of
   * this receiver is parked.
   *
   * **Cancellation:** cancel safe: an aborted `recv()` never loses a value (an abort before
   * the wake unlinks the wait at once and the value stays in the channel; a wake that came
   * first delivers it).
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * const job = await rx.recv({ signal });
   * ```
   */
  recv(options?: WaitOptions): Promise<T | undefined> {
    const chan = this.#chan;
    if (chan.buffer.length !== 0) {
      // Fast path: no intermediate promise.
      const y = readyOrCancelled(options);
      if (y === undefined) return Promise.resolve(chan.take());
      return retryAfter(y, chan, chan.recvAfterYield, options, RECV_LABEL, false) as Promise<T | undefined>;
    }
    return chan.recv(options, RECV_LABEL, false) as Promise<T | undefined>;
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
    const chan = this.#chan;
    if (chan.buffer.length !== 0) {
      // Fast path: one promise per batch.
      const y = readyOrCancelled(options);
      if (y === undefined) return Promise.resolve(chan.takeInto(buffer, limit));
      return retryAfter(y, this, this.recvMany, buffer, limit, options);
    }
    return parkedMany(chan, chan.recv(options, 'mpsc.Receiver.recvMany', true), buffer, limit);
  }

  /**
   * Takes a buffered value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TryRecvError` `'Empty'` if nothing is buffered but values may still come,
   * `'Disconnected'` if the channel is closed and drained.
   *
   * **Example**
   * ```ts
   * try { handle(rx.tryRecv()); } catch (e) { if (!(e instanceof TryRecvError)) throw e; }
   * ```
   */
  tryRecv(): T {
    const chan = this.#chan;
    if (chan.buffer.length !== 0) return chan.take();
    throw new TryRecvError(chan.finished ? 'Disconnected' : 'Empty');
  }

  /**
   * Closes the receiving half: senders fail from now on (parked sends reject with their
   * value), and values already buffered can still be received. Idempotent.
   */
  close(): void {
    this.#chan.closeReceiver();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const chan = this.#chan;
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (chan.buffer.length !== 0) {
          // Fast path: one promise per value.
          const y = readyOrCancelled(undefined);
          if (y === undefined) return Promise.resolve({ done: false, value: chan.take() });
          return retryAfter(y, chan, chan.recvAfterYield, undefined, RECV_LABEL, true).then(toIteratorResult);
        }
        return chan.recv(undefined, RECV_LABEL, true).then(toIteratorResult);
      },
    };
  }
}

/**
 * The receiving half of an {@link unboundedChannel}: the same class as a bounded
 * {@link Receiver}, with the same methods.
 *
 * **Cancellation:** as {@link Receiver}: an aborted receive never loses a value.
 *
 * **Errors:** as {@link Receiver}.
 *
 * **Example**
 * ```ts
 * const [tx, rx]: [mpsc.UnboundedSender<number>, mpsc.UnboundedReceiver<number>] = mpsc.unboundedChannel();
 * ```
 */
export type UnboundedReceiver<T> = Receiver<T>;

/** A parked `recvMany`: its first value, then what else is buffered, up to `limit`. */
function parkedMany<T>(chan: Chan<T>, first: Promise<T | Finished>, buffer: T[], limit: number): Promise<number> {
  return first.then((value) => {
    if (value === FINISHED) return 0;
    buffer.push(value);
    return 1 + chan.takeInto(buffer, limit - 1);
  });
}

function toIteratorResult<T>(value: T | Finished): IteratorResult<T> {
  return value === FINISHED ? { done: true, value: undefined } : { done: false, value };
}
