// oneshot: a channel for exactly one value, from one sender to one receiver.
import type { WaitOptions } from '@rt/scheduler';
import { Cancelled } from '@rt/scheduler';
import { RecvError, SendError, TryRecvError } from './errors.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, WaitList, checkCancelled, parkEntry, parkSimple, rejectThrough, reportLostWake, unparkEntry, watchLostWake } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';

const State = { Empty: 0, Value: 1, Taken: 2 } as const;
type StateValue = (typeof State)[keyof typeof State];

const RECV_LABEL = 'oneshot.Receiver.recv';
const STATE_MASK = 3;
const SENDER_CLOSED = 4;
const RECEIVER_CLOSED = 8;

/** A oneshot's wait lists beyond its own receive (rare: made when first needed). */
class OneshotLists<T> {
  recv: WaitList<T> | undefined = undefined;
  closed: WaitList<void> | undefined = undefined;
}

/**
 * @internal The state the two halves share. It is also the receiver's first parked `recv()`
 * without options, as its own entry in the parked task's list (`parkEntry`, the scheduler's way
 * for an operation that is its own record): a channel is one object besides its two handles, and
 * a receive that parks allocates only its promise. A receive with options, or one while another
 * is parked, parks a node in `recvWaiters` (made when first needed); the state's own receive,
 * when parked, is always the oldest of them (it parks only while that list is empty).
 */
export class OneshotState<T> implements ParkEntry {
  /**
   * `state` (the low two bits) and the two closed flags in one small integer: the channel's
   * state object is one allocation per message of a oneshot ping-pong, so each field it does not
   * carry is 8 B less per channel. 0 is the state a first `recv()` parks on (empty, both open).
   */
  flags = 0;
  value: T | undefined = undefined;
  /** The receives beyond the state's own and the `Sender.closed()` waits: made when first needed. */
  lists: OneshotLists<T> | undefined = undefined;
  /** Links in the parked task's list of parked operations (the scheduler's). */
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  /** The task the state's own receive is parked in (none outside any task). */
  task: ParkedTask | undefined = undefined;
  /**
   * The parked receive's resolve function: undefined while none is parked. A failure rejects
   * through it (`rejectThrough`), so the receive's promise has no reject function (56 B).
   */
  #resolve: ((value: T) => void) | undefined = undefined;

  get state(): StateValue {
    return (this.flags & STATE_MASK) as StateValue;
  }

  set state(state: StateValue) {
    this.flags = (this.flags & ~STATE_MASK) | state;
  }

  get senderClosed(): boolean {
    return (this.flags & SENDER_CLOSED) !== 0;
  }

  set senderClosed(closed: boolean) {
    this.flags = closed ? this.flags | SENDER_CLOSED : this.flags & ~SENDER_CLOSED;
  }

  get receiverClosed(): boolean {
    return (this.flags & RECEIVER_CLOSED) !== 0;
  }

  set receiverClosed(closed: boolean) {
    this.flags = closed ? this.flags | RECEIVER_CLOSED : this.flags & ~RECEIVER_CLOSED;
  }

  /** The receives parked beyond the state's own, if any list was made. */
  get recvWaiters(): WaitList<T> | undefined {
    return this.lists?.recv;
  }

  get closedWaiters(): WaitList<void> | undefined {
    return this.lists?.closed;
  }

  recvList(): WaitList<T> {
    return ((this.lists ??= new OneshotLists<T>()).recv ??= new WaitList<T>());
  }

  closedList(): WaitList<void> {
    return ((this.lists ??= new OneshotLists<T>()).closed ??= new WaitList<void>());
  }

  get label(): string {
    return RECV_LABEL;
  }

  /** True while the state's own receive is not parked (what a lost-wake report reads, as a waiter's). */
  get settled(): boolean {
    return this.#resolve === undefined;
  }

  /** Parks the receiver's own receive: throws `Cancelled` (nothing linked) if the current task was aborted. */
  park(): Promise<T> {
    this.task = parkEntry(this);
    // An executor written here: TurboFan inlines it and allocates no closure (see @rt/scheduler's ParkedWaiter).
    return new Promise<T>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Delivers `value` to the parked receive; false if none is parked. */
  wake(value: T): boolean {
    const resolve = this.#resolve;
    if (resolve === undefined) return false;
    this.#end('woken');
    resolve(value);
    return true;
  }

  /** Rejects the parked receive; false if none is parked. */
  fail(error: unknown): boolean {
    const resolve = this.#resolve;
    if (resolve === undefined) return false;
    this.#end('failed');
    rejectThrough(resolve, error);
    return true;
  }

  /** The task was aborted (the scheduler calls it): the receive rejects with `Cancelled`; the value, if one comes, stays for the next. */
  cancel(reason: unknown): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#end('cancelled');
    rejectThrough(resolve, new Cancelled(`${RECV_LABEL} was cancelled`, { cause: reason }));
  }

  /** Settles the parked receive and leaves the task's list (see `unparkEntry` for `how`). */
  #end(how: 'woken' | 'failed' | 'cancelled'): void {
    this.#resolve = undefined;
    const task = this.task;
    if (task !== undefined) {
      this.task = undefined;
      unparkEntry(task, this, how);
    }
  }
}

const alreadyReceived = (): RecvError => new RecvError('oneshot value already received');
const closedWithoutSending = (): RecvError => new RecvError('oneshot sender closed without sending');

/** The sender was garbage-collected: if it never sent nor closed, a parked receiver waits forever. */
function senderCollected<T>(s: OneshotState<T>): void {
  if (s.senderClosed || s.receiverClosed) return;
  const why = 'its oneshot Sender was garbage-collected without send() or close()';
  if (!s.settled) reportLostWake(s, why);
  for (let node = s.recvWaiters?.head; node !== undefined; node = node.next) reportLostWake(node.waiter!, why);
}

/** Fails every parked receive of `s` (the state's own first, then the list's, in order). */
function failReceives<T>(s: OneshotState<T>, error: () => RecvError): void {
  if (!s.settled) s.fail(error());
  const list = s.recvWaiters;
  if (list !== undefined && list.length !== 0) for (const node of list.drain()) node.waiter!.fail(error());
}

/** Takes the sent value out of `s` (the caller checked `s.state === State.Value`). */
function takeValue<T>(s: OneshotState<T>): T {
  const value = s.value as T;
  s.value = undefined;
  s.state = State.Taken;
  return value;
}

/** `Receiver.recv` on the receiver's state (see there). */
function recvOn<T>(s: OneshotState<T>, options: WaitOptions | undefined): Promise<T> {
  if (options === undefined && s.flags === 0 && s.settled && (s.lists === undefined || s.recvWaiters === undefined || s.recvWaiters.length === 0)) {
    // Parks on the state's own waiter (see OneshotState). Its park checks the task's
    // cancellation itself (Cancelled, nothing linked): the current task is looked up once.
    try {
      return s.park();
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return recvSlow(s, options);
}

function recvSlow<T>(s: OneshotState<T>, options: WaitOptions | undefined): Promise<T> {
  const cancelled = checkCancelled(options);
  if (cancelled !== undefined) return cancelled;
  if (s.state === State.Value) {
    const y = budget();
    if (y !== undefined) return y.then(() => recvOn(s, options));
    return Promise.resolve(takeValue(s));
  }
  if (s.state === State.Taken) return Promise.reject(alreadyReceived());
  if (s.receiverClosed || s.senderClosed) return Promise.reject(closedWithoutSending());
  return parkSimple(s.recvList(), RECV_LABEL, options);
}

/**
 * Creates a oneshot channel: `[sender, receiver]` for a single value.
 *
 * **What closes it**: `sender.close()` / dispose without a send makes the receiver reject
 * with {@link RecvError}; `receiver.close()` / dispose makes `send` throw {@link SendError}
 * and resolves `sender.closed()`.
 *
 * **Cancellation:** see each method.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = oneshot.channel<number>();
 * setImmediate(() => tx.send(42));
 * console.log(await rx); // 42
 * ```
 */
export function channel<T>(): [Sender<T>, Receiver<T>] {
  const state = new OneshotState<T>();
  return [new Sender(state), new Receiver(state)];
}

/**
 * The sending half of a {@link channel}: `send` is synchronous and happens at most once.
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
  readonly #state: OneshotState<T>;

  /** @internal */
  constructor(state: OneshotState<T>) {
    this.#state = state;
    watchLostWake(this, state, senderCollected);
  }

  /** True once the receiver is closed (a send would fail). */
  get isClosed(): boolean {
    return this.#state.receiverClosed;
  }

  /**
   * Sends the value to the receiver, at once. Consumes the sender.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `SendError` (with `value`) if the receiver is closed, or if this sender has
   * already sent or been closed.
   *
   * **Example**
   * ```ts
   * try { tx.send(1); } catch (e) { if (e instanceof SendError) console.log('nobody listens'); }
   * ```
   */
  send(value: T): void {
    const s = this.#state;
    if (s.senderClosed) throw new SendError(value, 'oneshot Sender already used or closed');
    s.senderClosed = true;
    if (s.receiverClosed) throw new SendError(value);
    // The state's own receive, when parked, is the oldest: it gets the value; else the list's first.
    if (s.wake(value) || s.recvWaiters?.shift()?.waiter!.wake(value) === true) {
      s.state = State.Taken;
      // Concurrent recv() calls on the same receiver: only one gets the value (the state's own
      // receive is settled now, so only a list can hold any).
      if (s.recvWaiters !== undefined) failReceives(s, alreadyReceived);
      return;
    }
    s.state = State.Value;
    s.value = value;
  }

  /**
   * Resolves when the receiver is closed (e.g. the caller lost interest).
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
    const s = this.#state;
    if (s.receiverClosed) return RESOLVED;
    return parkSimple(s.closedList(), 'oneshot.Sender.closed', options);
  }

  /** Closes the sender without sending: the receiver rejects with `RecvError`. Idempotent; no-op after `send`. */
  close(): void {
    const s = this.#state;
    if (s.senderClosed) return;
    s.senderClosed = true;
    failReceives(s, closedWithoutSending);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The receiving half of a {@link channel}: await it (it is `PromiseLike`) or call `recv()`.
 *
 * **Cancellation:** `recv({ signal })` is cancel safe: an aborted receive leaves the value
 * in the channel for the next `recv`/`tryRecv`; a woken one delivers it.
 *
 * **Errors:** rejects with `RecvError` if the sender is closed without sending.
 *
 * **Example**
 * ```ts
 * const value = await rx;
 * ```
 */
export class Receiver<T> implements PromiseLike<T>, Disposable {
  readonly #state: OneshotState<T>;

  /** @internal */
  constructor(state: OneshotState<T>) {
    this.#state = state;
  }

  /** True once the value was taken, the sender closed without sending, or the receiver closed. */
  get isClosed(): boolean {
    const s = this.#state;
    return s.receiverClosed || s.state === State.Taken || (s.senderClosed && s.state === State.Empty);
  }

  /**
   * Waits for the value.
   *
   * **Cancellation:** cancel safe (see {@link Receiver}).
   *
   * **Errors:** `RecvError` if the sender was closed without sending, the value was already
   * taken or the receiver closed; `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * const v = await rx.recv({ signal: AbortSignal.timeout(1000) });
   * ```
   */
  recv(options?: WaitOptions): Promise<T> {
    // The receive works on the state alone: the receiver does not escape it, so where the
    // caller drops the receiver after `recv()` (`await rx.recv()` on a fresh channel) optimized
    // code allocates no receiver at all.
    return recvOn(this.#state, options);
  }

  /**
   * Takes the value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TryRecvError` `'Empty'` if not sent yet, `'Disconnected'` if it never will be
   * (sender closed, value already taken).
   */
  tryRecv(): T {
    const s = this.#state;
    if (s.state === State.Value) return takeValue(s);
    throw new TryRecvError(s.state === State.Taken || s.senderClosed || s.receiverClosed ? 'Disconnected' : 'Empty');
  }

  /**
   * Closes the receiver: a later `send` fails, `sender.closed()` resolves, and a `recv()` still
   * parked rejects with `RecvError`. A value sent before the close can still be taken with
   * `tryRecv`. Idempotent.
   */
  close(): void {
    const s = this.#state;
    if (s.receiverClosed) return;
    s.receiverClosed = true;
    // A receive still parked could never be woken now (a send fails, and a dropped sender is not
    // reported as a lost wake once the receiver closed): it rejects as a later recv() would.
    if (s.state === State.Empty) failReceives(s, closedWithoutSending);
    if (s.closedWaiters !== undefined) for (const node of s.closedWaiters.drain()) node.waiter!.wake(undefined);
  }

  [Symbol.dispose](): void {
    this.close();
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
