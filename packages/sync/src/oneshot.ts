// oneshot: a channel for exactly one value, from one sender to one receiver.
import type { WaitOptions } from '@rt/scheduler';
import { Cancelled } from '@rt/scheduler';
import { RecvError, SendError, TryRecvError } from './errors.js';
import { coop as budgetOf } from '@rt/scheduler';
import { RESOLVED, WaitList, checkCancelled as checkCancelledOf, isThenable, keepThenAlone, parkEntry as parkEntryOf, parkSimple, rejectThrough, reportLostWake, thenParksOwnWait, unparkEntry as unparkEntryOf, watchLostWake as watchLostWakeOf } from '@rt/scheduler/primitives';
import type { ParkEntry, ParkedTask } from '@rt/scheduler/primitives';
import type { Waiter } from '@rt/scheduler';
import { giveBack, keepTaken } from '@rt/time/primitives';

// The imports the send/receive paths read, as module-local constants: an imported binding is read
// through its module cell with a TDZ check each time (issue 16: @rt/net's README, pass eu30;
// -42 instructions per oneshot ping-pong round trip on Node 24 and 26).
const budget = budgetOf;
const checkCancelled = checkCancelledOf;
const parkEntry = parkEntryOf;
const unparkEntry = unparkEntryOf;
const watchLostWake = watchLostWakeOf;

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
  /** The list receive the send woke with the value, if one did (what `giveBack` checks). */
  deliveredTo: Waiter<T> | undefined = undefined;
  /**
   * A sent promise (or thenable) taken ready while a `timeout` kept (`takeKept`) rejected, with
   * this reason: what `giveBack` checks for a receive whose promise rejected (pass rc31).
   */
  rejectedWith: { reason: unknown } | undefined = undefined;
  /**
   * `keepTaken(true)` came while the value was taken: the receive `timeout` makes next (its `then`,
   * at once) is that timeout's own, which must not wait in the window on its own keep (pass rw32).
   */
  timeoutInWindow = false;
}

/** The state's own receive is parked: `slot` holds its resolve function (see Receiver). */
const PARKED = 16;
/** The receiver has an entry in `listsOf` (see Receiver.lists). */
const HAS_LISTS = 32;
/**
 * One `timeout` around a receive of this receiver is unfinished (`keepTaken`): the flags' bits from
 * here up count them. While any is, a value taken stays in `slot` for `giveBack` (review rv36).
 */
const KEEP = 64;

/**
 * The receivers' wait lists, for the few that have any: beside the receiver rather than in a field
 * of it, so a channel's state is 8 B smaller (issue 16, pass pp26: a oneshot ping-pong makes a
 * channel per message). `HAS_LISTS` in the receiver's flags says an entry exists.
 */
const listsOf = new WeakMap<Receiver<unknown>, OneshotLists<unknown>>();

/** Settles the receiver's own parked receive and leaves the task's list (see `unparkEntry` for `how`); returns its resolve function. */
function endPark<T>(s: Receiver<T>, how: 'woken' | 'failed' | 'cancelled'): (value: T) => void {
  const resolve = s.slot as (value: T) => void;
  s.slot = undefined;
  s.flags &= ~PARKED;
  const task = s.task;
  if (task !== undefined) {
    s.task = undefined;
    unparkEntry(task, s as unknown as ParkEntry, how);
  }
  return resolve;
}

const alreadyReceived = (): RecvError => new RecvError('oneshot value already received');
const closedWithoutSending = (): RecvError => new RecvError('oneshot sender closed without sending');

/** The sender was garbage-collected: if it never sent nor closed, a parked receiver waits forever. */
function senderCollected<T>(s: Receiver<T>): void {
  if (s.senderClosed || s.receiverClosed) return;
  const why = 'its oneshot Sender was garbage-collected without send() or close()';
  if (!s.settled) reportLostWake(s, why);
  for (let node = s.recvWaiters?.head; node !== undefined; node = node.next) reportLostWake(node.waiter!, why);
}

/** Fails every parked receive of `s` (the state's own first, then the list's, in order). */
function failReceives<T>(s: Receiver<T>, error: () => RecvError): void {
  if (!s.settled) s.fail(error());
  const list = s.recvWaiters;
  if (list !== undefined && list.length !== 0) for (const node of list.drain()) node.waiter!.fail(error());
}

/**
 * Takes the sent value out of `s` (the caller checked `s.state === State.Value`). `slot` keeps it
 * (Taken: the value taken) while a `timeout` may give it back (see KEEP).
 */
function takeValue<T>(s: Receiver<T>): T {
  const value = s.slot as T;
  if (s.flags < KEEP) s.slot = undefined;
  s.state = State.Taken;
  return value;
}

/**
 * A ready take while a `timeout` keeps what a receive takes (KEEP): as the usual one, and a sent
 * promise (or thenable) that rejects records its reason before the receive's own reactions run,
 * so `giveBack` can tell this take (its promise rejects with that reason) from a receive told
 * "already received" (pass rc31: such a promise was not given back at the caller's abort).
 */
function takeKept<T>(s: Receiver<T>): Promise<T> {
  const value = takeValue(s);
  const taken = Promise.resolve(value);
  if (isThenable(value)) {
    taken.then(undefined, (reason: unknown) => {
      if (s.state === State.Taken && s.slot === value) s.madeLists().rejectedWith = { reason };
    });
  }
  return taken;
}

/** `Receiver.recv` on the receiver's state (see there). */
function recvOn<T>(s: Receiver<T>, options: WaitOptions | undefined): Promise<T> {
  // flags 0: empty, both halves open, the receiver's own receive not parked, no wait lists (a
  // `timeout` around the receive keeps its count from KEEP up: review rv36).
  if (options === undefined && (s.flags === 0 || (s.flags & (KEEP - 1)) === 0 || ((s.flags & (KEEP - 1 - HAS_LISTS)) === 0 && (s.recvWaiters === undefined || s.recvWaiters.length === 0)))) {
    // Parks on the receiver's own entry (see Receiver). Its park checks the task's
    // cancellation itself (Cancelled, nothing linked): the current task is looked up once.
    try {
      return s.park();
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return recvSlow(s, options);
}

/** True (once) if this receive is the one a `timeout` started in the window makes (see `timeoutInWindow`). */
function ownOfTimeout<T>(s: Receiver<T>): boolean {
  const lists = s.lists;
  if (lists === undefined || !lists.timeoutInWindow) return false;
  lists.timeoutInWindow = false;
  return true;
}

/**
 * A value given back while receives wait in the window (pass rw32): the first takes it, as from a
 * send (kept for a further give-back while a `timeout` keeps, with the receive it went to).
 */
function handToWaiting<T>(s: Receiver<T>, lists: OneshotLists<T>): void {
  const value = s.slot as T;
  let listed: Waiter<T> | undefined;
  while ((listed = lists.recv?.shift()?.waiter) !== undefined) {
    if (listed.wake(value)) {
      s.state = State.Taken;
      lists.deliveredTo = listed;
      return;
    }
  }
}

/**
 * `recvSlow`'s Taken: "already received", or the window (pass rw32): a `timeout` around a receive is
 * unfinished, so the value taken may come back (its caller's abort; a sent promise it took still
 * pending). A receive started now waits for that in the list: `giveBack` hands it the value, the
 * last keep's end (`keepTaken`) tells it "already received". Not the timeout's own receive (it would
 * wait on its own keep): told at once, as before.
 */
function recvTaken<T>(s: Receiver<T>, options: WaitOptions | undefined): Promise<T> {
  if (s.flags >= KEEP && !ownOfTimeout(s)) return parkSimple(s.recvList(), RECV_LABEL, options);
  return Promise.reject(alreadyReceived());
}

/**
 * A receive resumed after a budget yield (the state is Value or Taken then): Taken is told at once,
 * never the window's wait, as it may be a `timeout`'s own receive (pass rw32).
 */
function recvResumed<T>(s: Receiver<T>, options: WaitOptions | undefined): Promise<T> {
  if (s.state !== State.Taken) return recvSlow(s, options);
  return checkCancelled(options) ?? Promise.reject(alreadyReceived());
}

function recvSlow<T>(s: Receiver<T>, options: WaitOptions | undefined): Promise<T> {
  const cancelled = checkCancelled(options);
  if (cancelled !== undefined) return cancelled;
  if (s.state === State.Value) {
    const y = budget();
    // (After the yield the state is Value or Taken, never Empty: `recvOn`'s fast path cannot apply.)
    if (y !== undefined) return y.then(() => recvResumed(s, options));
    return s.flags >= KEEP ? takeKept(s) : Promise.resolve(takeValue(s));
  }
  if (s.state === State.Taken) return recvTaken(s, options);
  if (s.receiverClosed || s.senderClosed) return Promise.reject(closedWithoutSending());
  return parkSimple(s.recvList(), RECV_LABEL, options);
}

/**
 * `Sender.send`'s usual case while a `timeout` around the receive keeps what it takes (KEEP; the
 * count stays in the flags): as the usual case, with the value kept in `slot` (review rv36).
 */
function sendKept<T>(s: Receiver<T>, value: T): void {
  const resolve = s.slot as (value: T) => void;
  s.slot = value;
  s.flags = (s.flags & ~(KEEP - 1)) | SENDER_CLOSED | State.Taken;
  const task = s.task;
  if (task !== undefined) {
    s.task = undefined;
    unparkEntry(task, s as unknown as ParkEntry, 'woken');
  }
  resolve(value);
}

/** `Sender.send` past its usual case (see there): a closed half, a value not yet asked for, or list receives. */
function sendSlow<T>(s: Receiver<T>, value: T): void {
  // Tested here, not in `send`: that stays small enough to inline (the ping-pong row: review rv36).
  if ((s.flags & (KEEP - 1)) === PARKED) {
    sendKept(s, value);
    return;
  }
  if (s.senderClosed) throw new SendError(value, 'oneshot Sender already used or closed');
  s.senderClosed = true;
  if (s.receiverClosed) throw new SendError(value);
  // The state's own receive, when parked, is the oldest: it gets the value; else the list's first.
  const lists = s.lists;
  let listed: Waiter<T> | undefined;
  if (s.wake(value) || ((listed = lists?.recv?.shift()?.waiter) !== undefined && listed.wake(value))) {
    s.state = State.Taken;
    // Kept for `giveBack` while a `timeout` may give it back (see Receiver.slot), with the list
    // receive it went to.
    if (s.flags >= KEEP) {
      s.slot = value;
      if (listed !== undefined) lists!.deliveredTo = listed;
    }
    // Concurrent recv() calls on the same receiver: only one gets the value (the state's own
    // receive is settled now, so only a list can hold any).
    if (s.recvWaiters !== undefined) failReceives(s, alreadyReceived);
    return;
  }
  s.state = State.Value;
  s.slot = value;
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
  const receiver = new NewReceiver<T>();
  return [new NewSender(receiver), receiver];
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
  /** The channel's state: its receiver (see Receiver). */
  readonly #state: Receiver<T>;

  /** @internal */
  constructor(state: Receiver<T>) {
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
    // The usual send: the receive parked on a fresh channel (no list, nothing closed) gets the value.
    // Written apart, so the send inlined into its caller is small (issue 16, pass pp26).
    if (s.flags === PARKED) {
      // endPark(s, 'woken') written out, with the state in the same flags write: Taken, the sender
      // closed, the receive no longer parked. No `timeout` keeps a value here (KEEP), so `slot`
      // lets it go (pass rc30 kept it: review rv36).
      const resolve = s.slot as (value: T) => void;
      s.slot = undefined;
      s.flags = SENDER_CLOSED | State.Taken;
      const task = s.task;
      if (task !== undefined) {
        s.task = undefined;
        unparkEntry(task, s as unknown as ParkEntry, 'woken');
      }
      resolve(value);
      return;
    }
    sendSlow(s, value);
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
  // The receiver is also the channel's state, which its sender shares: a channel is two objects
  // (the state was a third, 32 B more per channel, which V8's escape analysis did not remove in
  // `const [tx, rx] = oneshot.channel(); … await rx.recv()`). It is also its own first parked
  // `recv()` without options, as its own entry in the parked task's list (`parkEntry`, the
  // scheduler's way for an operation that is its own record), so a receive that parks allocates
  // only its promise. A receive with options, or one while another is parked, parks a node in
  // `recvWaiters` (made when first needed); the receiver's own receive, when parked, is always
  // the oldest of them (it parks only while that list is empty). The members below are rt's,
  // not the API (`@internal`: absent from the published types).
  /**
   * @internal `state` (the low two bits), the two closed flags, PARKED and HAS_LISTS in one small
   * integer: the channel's state is one allocation per message of a oneshot ping-pong, so each
   * field it does not carry is 8 B less per channel (the rare wait lists are in `listsOf`). 0 is the
   * state a first `recv()` parks on (empty, both open, not parked, no lists); PARKED alone, the
   * state a first `send()` finds that receive in.
   */
  flags = 0;
  /**
   * @internal The sent value while `state` is Value, the parked receive's resolve function while
   * PARKED (the two never meet: a receive parks only while the channel is empty). A failure
   * rejects through the resolve function (`rejectThrough`): the promise has no reject function.
   * Taken: while a `timeout` around a receive is unfinished (KEEP), the value that was taken, as
   * sent (not adopted if a promise), which `giveBack` puts back when the receive that took it was
   * the one a `timeout` its caller aborted held (pass rc30); undefined otherwise, so a value
   * received is not kept by its receiver (review rv36).
   */
  slot: unknown = undefined;
  /** @internal Links in the parked task's list of parked operations (the scheduler's). */
  prev: ParkEntry | undefined = undefined;
  /** @internal */
  next: ParkEntry | undefined = undefined;
  /** @internal The task the receiver's own receive is parked in (none outside any task). */
  task: ParkedTask | undefined = undefined;

  /** @internal Made by {@link channel}. */
  constructor() {}

  /** @internal */
  get state(): StateValue {
    return (this.flags & STATE_MASK) as StateValue;
  }

  /** @internal */
  set state(state: StateValue) {
    this.flags = (this.flags & ~STATE_MASK) | state;
  }

  /** @internal */
  get senderClosed(): boolean {
    return (this.flags & SENDER_CLOSED) !== 0;
  }

  /** @internal */
  set senderClosed(closed: boolean) {
    this.flags = closed ? this.flags | SENDER_CLOSED : this.flags & ~SENDER_CLOSED;
  }

  /** @internal */
  get receiverClosed(): boolean {
    return (this.flags & RECEIVER_CLOSED) !== 0;
  }

  /** @internal */
  set receiverClosed(closed: boolean) {
    this.flags = closed ? this.flags | RECEIVER_CLOSED : this.flags & ~RECEIVER_CLOSED;
  }

  /** @internal The receives beyond the receiver's own and the `Sender.closed()` waits, if any were made (see `listsOf`). */
  get lists(): OneshotLists<T> | undefined {
    return (this.flags & HAS_LISTS) === 0 ? undefined : (listsOf.get(this as Receiver<unknown>) as OneshotLists<T>);
  }

  /** @internal The lists, made when first needed. */
  madeLists(): OneshotLists<T> {
    let lists = this.lists;
    if (lists === undefined) {
      lists = new OneshotLists<T>();
      listsOf.set(this as Receiver<unknown>, lists as OneshotLists<unknown>);
      this.flags |= HAS_LISTS;
    }
    return lists;
  }

  /** @internal The receives parked beyond the receiver's own, if any list was made. */
  get recvWaiters(): WaitList<T> | undefined {
    return this.lists?.recv;
  }

  /** @internal */
  get closedWaiters(): WaitList<void> | undefined {
    return this.lists?.closed;
  }

  /** @internal */
  recvList(): WaitList<T> {
    return (this.madeLists().recv ??= new WaitList<T>());
  }

  /** @internal */
  closedList(): WaitList<void> {
    return (this.madeLists().closed ??= new WaitList<void>());
  }

  /** @internal What `dump()` shows a task parked here waiting on. */
  get label(): string {
    return RECV_LABEL;
  }

  /** @internal True while the receiver's own receive is not parked (what a lost-wake report reads, as a waiter's). */
  get settled(): boolean {
    return (this.flags & PARKED) === 0;
  }

  /** @internal Parks the receiver's own receive: throws `Cancelled` (nothing linked) if the current task was aborted. */
  park(): Promise<T> {
    this.task = parkEntry(this as unknown as ParkEntry);
    // An executor written here: TurboFan inlines it and allocates no closure (see @rt/scheduler's ParkedWaiter).
    const promise = new Promise<T>((resolve) => {
      this.slot = resolve;
    });
    this.flags |= PARKED;
    return promise;
  }

  /** @internal Delivers `value` to the parked receive; false if none is parked. */
  wake(value: T): boolean {
    if ((this.flags & PARKED) === 0) return false;
    endPark(this, 'woken')(value);
    return true;
  }

  /** @internal Rejects the parked receive; false if none is parked. */
  fail(error: unknown): boolean {
    if ((this.flags & PARKED) === 0) return false;
    rejectThrough(endPark(this, 'failed'), error);
    return true;
  }

  /** @internal The task was aborted (the scheduler calls it): the receive rejects with `Cancelled`; the value, if one comes, stays for the next. */
  cancel(reason: unknown): void {
    if ((this.flags & PARKED) === 0) return;
    rejectThrough(endPark(this, 'cancelled'), new Cancelled(`${RECV_LABEL} was cancelled`, { cause: reason }));
  }

  /**
   * True once the value was taken for good (see `tryRecv`), the sender closed without sending, or
   * the receiver closed.
   */
  get isClosed(): boolean {
    return this.receiverClosed || (this.state === State.Taken && this.flags < KEEP) || (this.senderClosed && this.state === State.Empty);
  }

  /**
   * Waits for the value.
   *
   * **Cancellation:** cancel safe (see {@link Receiver}).
   *
   * **Errors:** `RecvError` if the sender was closed without sending, the value was already
   * taken or the receiver closed; `Cancelled` when aborted. A value a `timeout`'s receive took
   * while that timeout is unfinished may still come back (its caller's abort; a sent promise still
   * pending): a `recv()` started then waits for that outcome, and gets the value given back or
   * "already received" once the take is final (pass rw32).
   *
   * **Example**
   * ```ts
   * const v = await rx.recv({ signal: AbortSignal.timeout(1000) });
   * ```
   */
  recv(options?: WaitOptions): Promise<T> {
    return recvOnOf(this, options);
  }

  /**
   * Takes the value now.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** `TryRecvError` `'Empty'` if not sent yet, `'Disconnected'` if it never will be
   * (sender closed, value already taken). A value a receive took while a `timeout` around a
   * receive of this receiver is unfinished is not taken for good until that timeout's outcome (its
   * caller may abort and the value come back into the channel, pass rc30): `'Empty'` meanwhile,
   * `'Disconnected'` after, never `'Disconnected'` and then the value (pass rc31).
   */
  tryRecv(): T {
    const state = this.state;
    if (state === State.Value) return takeValue(this);
    throw new TryRecvError(state === State.Taken ? (this.flags < KEEP ? 'Disconnected' : 'Empty') : this.senderClosed || this.receiverClosed ? 'Disconnected' : 'Empty');
  }

  /**
   * Closes the receiver: a later `send` fails, `sender.closed()` resolves, and a `recv()` still
   * parked for a value never sent rejects with `RecvError`. A value sent before the close can
   * still be taken with `tryRecv`; so a `recv()` parked in a `timeout`'s window (see `recv`) keeps
   * waiting, for that value given back or "already received" (review rv40). Idempotent.
   */
  close(): void {
    if (this.receiverClosed) return;
    this.receiverClosed = true;
    // A receive still parked could never be woken now (a send fails, and a dropped sender is not
    // reported as a lost wake once the receiver closed): it rejects as a later recv() would.
    if (this.state === State.Empty) failReceives(this, closedWithoutSending);
    if (this.closedWaiters !== undefined) for (const node of this.closedWaiters.drain()) node.waiter!.wake(undefined);
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

// What `channel()` constructs and `recv()` calls, as this module's own constants: an exported class
// is read through its module cell with a TDZ check, and a function declaration is a mutable binding
// whose call TurboFan guards with a compare of the target; a `const` is folded (issue 16, pass pk31).
const NewReceiver = Receiver;
const NewSender = Sender;
const recvOnOf = recvOn;

// Each `then` is a fresh receive nobody else sees: `timeout(ms, rx)` ends it when the deadline wins
// (a value sent later stays for the next receive; Tokio's timeout drops the receive), instead of
// leaving it parked in the task until a send that may never come (pass lk28).
(Receiver.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;
// A value the receive of a `timeout` took that the timeout's caller never got (its signal or task
// aborted in the same synchronous run as the send, or the value was ready and its outcome came
// after the abort): back in the channel, as sent, as if the abort had come first (review rv31,
// pass rc30). `entry`: the receive that `then` parked (`timeout` asks at the abort: the value
// comes back at once, so a receive started right after it gets it, and a sent promise comes back
// unadopted); undefined: a receive that parked nothing, whose promise fulfilled (so it took the
// value). Only a take leaves the channel Taken, and `slot` keeps what was taken (see there).
(Receiver.prototype as { [giveBack]?: (entry: ParkEntry | undefined, rejection?: { reason: unknown }) => boolean })[giveBack] = function giveValueBack(this: Receiver<unknown>, entry: ParkEntry | undefined, rejection?: { reason: unknown }): boolean {
  if (this.state !== State.Taken || this.flags < KEEP) return false;
  if (rejection !== undefined) {
    // A ready receive whose promise rejected: it took the value only if that value was a sent
    // promise that rejected with this reason (recorded by `takeKept`; pass rc31).
    const lists = this.lists;
    if (lists === undefined || lists.rejectedWith === undefined || lists.rejectedWith.reason !== rejection.reason) return false;
    lists.rejectedWith = undefined;
  } else if (entry === (this as unknown as ParkEntry)) {
    // The receiver's own receive: it took the value if it is no longer parked (woken by the send;
    // a failed or cancelled one leaves the channel Empty).
    if (!this.settled) return false;
  } else if (entry !== undefined) {
    const lists = this.lists;
    if (lists === undefined || (lists.deliveredTo as unknown) !== entry) return false;
    lists.deliveredTo = undefined;
  }
  this.state = State.Value;
  // Receives waiting in the window (pass rw32): the first takes it now.
  const lists = this.lists;
  if (lists?.recv !== undefined && lists.recv.length !== 0) handToWaiting(this, lists);
  return true;
};
// `timeout` keeps a value a receive takes while it may give it back, and lets it go after (review
// rv36): counted in the flags from KEEP up; the last to finish clears a value taken.
(Receiver.prototype as { [keepTaken]?: (keep: boolean) => void })[keepTaken] = function keepValueTaken(this: Receiver<unknown>, keep: boolean): void {
  if (keep) {
    // `timeout` calls its `then` right after (`keepTaken`'s contract): in the window, that receive
    // is the timeout's own (see `timeoutInWindow`).
    if ((this.flags & STATE_MASK) === State.Taken) this.madeLists().timeoutInWindow = true;
    this.flags += KEEP;
    return;
  }
  this.flags -= KEEP;
  if (this.flags < KEEP && this.state === State.Taken) {
    this.slot = undefined;
    const lists = this.lists;
    if (lists !== undefined) {
      lists.deliveredTo = undefined;
      lists.rejectedWith = undefined;
      lists.timeoutInWindow = false;
      // The take is final: the receives waiting in the window are told (pass rw32).
      if (lists.recv !== undefined && lists.recv.length !== 0) failReceives(this, alreadyReceived);
    }
  }
};
// `then` alone on `Receiver.prototype` (25 properties), every other method, accessor and the
// markers above one prototype further: `await rx` looks `then` up without a cache, by a short scan
// instead of a binary search (issue 16, pass pp30; see `keepThenAlone`).
keepThenAlone(Receiver.prototype);
