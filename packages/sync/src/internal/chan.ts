// The shared state of an mpsc channel, bounded or unbounded (Tokio's `mpsc/chan.rs`).
//
// How and why:
// - Values wait in a growable ring buffer (`buffer`). Capacity is a count of free slots
//   (`permits`; Infinity when unbounded): a send takes one, a receive gives one back.
// - Senders that find no capacity park in `sendWaiters`, FIFO, with their value in the
//   node. When capacity frees up, the receiver completes the head sends itself: it moves
//   their values into the buffer and wakes them. So order is the order of `send` calls,
//   and a woken send has already been delivered: an abort that lands after the hand-off
//   changes nothing, and one that lands before it takes the value out of the queue again
//   (the caller still holds it: nothing is lost, nothing is sent twice).
// - A `reserve()` parks the same way with `need` slots and no value; its Permit sends later.
// - A receiver that finds the buffer empty looks again one microtask later, then parks in
//   `recvWaiters`; a send hands its value straight to the head parked receiver (the buffer
//   stays empty), so an aborted `recv()` that was not yet woken loses nothing, and one that
//   was woken gets its value. The second look is what keeps a producer and a consumer that
//   run in lockstep (one value per microtask each, the usual state after a forced budget
//   yield has drained the buffer) from paying a park and a wake-up for every message: it
//   costs one promise where parking costs a waiter, a promise and two task links.
// - Only while second looks pay: after one finds nothing, the next 8 empty receives park at
//   once; so do they after a look whose value was the only one taken before the receive
//   found the buffer empty again (a value taken at once counts in `buffer.shifts`, one that a
//   sender handed to a parked receive does not). That is ping-pong between two tasks: the
//   look finds the answer, then the next receive finds nothing, every time; parking costs
//   one microtask where a look costs two and a promise. It pays one look in 9.
// - The receiver's own parked receive is one node and one `ReusableWaiter`, made at its first
//   park and reused from one park to the next (a channel has one receiver, which parks one
//   `recv()` at a time): a park allocates only the promise it returns. A receive with
//   options, a `recvMany`, and a second receive while the first is still parked (racing
//   two `recv()` calls) park a fresh node as before. Cancel safety is the same: an abort
//   before the wake unlinks the node synchronously, a wake that came first wins.
// - The channel is finished for the receiver when the buffer is empty, no value is in
//   flight (a parked send or an unused Permit) and every sender is closed, or the receiver
//   itself was closed.
import type { WaitOptions } from '@rt/scheduler';
import { SendError } from '../errors.js';
import { Ring } from './ring.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED as RESOLVEDOf, ReusableNode, WaitList, WaitNode, checkCancelled as checkCancelledOf, parkIn as parkInOf, parkSimple, readyOrCancelled as readyOrCancelledOf, retryAfter as retryAfterOf } from '@rt/scheduler/primitives';

// Module-local copies of imports read at every send and receive: an imported binding is read through
// its module cell with a TDZ check each time, where TurboFan folds a module's own `const` (issue 16:
// @rt/net's README, pass eu30; this package's README, pass lc31).
const checkCancelled = checkCancelledOf;
const parkIn = parkInOf;
const readyOrCancelled = readyOrCancelledOf;
const RESOLVED = RESOLVEDOf;
const retryAfter = retryAfterOf;

/**
 * After a second look that found nothing, this many empty receives park at once. A failed
 * look costs more than it saves: its promise, then the park's promise adopted by it (two
 * more microtasks). Two tasks taking turns (ping-pong over capacity 1) fail every look; a
 * producer and a consumer in lockstep never fail one, so they keep looking.
 */
const SPIN_SKIPS = 8;

/** What a parked receiver is woken with when the channel finishes. */
const END: unique symbol = Symbol('rt.mpsc.finished');
export const FINISHED: typeof END = END;
export type Finished = typeof FINISHED;

/** The label of `recv()` and async iteration: the receives that park on the reused node. */
const RECV = 'mpsc.Receiver.recv';
export const RECV_LABEL = RECV;

export class Chan<T> {
  // `declare`d and set in the constructor, not class fields: a class field is defined as
  // `undefined` first, so its representation is generic, and an unbounded channel's `permits`
  // (Infinity, a double) then got a fresh heap number at every store: one per receive.
  declare readonly buffer: Ring<T>;
  /** Free slots (Infinity when unbounded). Always a number, so V8 keeps it unboxed in place. */
  declare permits: number;
  /** Strong senders alive. */
  senders = 1;
  /** Strong senders garbage-collected while open (lost-wake detection: see mpsc.ts). */
  collectedSenders = 0;
  /** Weak senders made and not (yet seen) garbage-collected: each could still upgrade. */
  weakSenders = 0;
  /** Slots held by parked sends and unused permits (values that may still arrive). */
  inFlight = 0;
  receiverClosed = false;
  /** Empty receives left that park at once, because the last second look failed (see the top of this file). */
  private spinSkips = 0;
  /** `buffer.shifts` at the last receive that found the buffer empty (see the top of this file). */
  private emptyAt = -2;
  readonly sendWaiters = new WaitList<void>();
  readonly recvWaiters = new WaitList<T | Finished>();
  readonly closedWaiters = new WaitList<void>();
  /** The receiver's reused parked receive, made at its first park. */
  private recvNode: ReusableNode<T | Finished> | undefined = undefined;
  private readonly afterSendCancel = (node: WaitNode<void>, wasHead: boolean): void => {
    this.inFlight -= node.need;
    if (wasHead) this.drainSenders();
    this.maybeFinish();
  };

  constructor(readonly maxCapacity: number) {
    this.permits = maxCapacity;
    this.buffer = new Ring<T>(Number.isFinite(maxCapacity) ? Math.min(maxCapacity, 1024) : 16);
  }

  get finished(): boolean {
    return this.buffer.length === 0 && (this.receiverClosed || (this.senders === 0 && this.inFlight === 0));
  }

  /** Puts a value whose slot is already taken into the channel (to a parked receiver if any). */
  deliver(value: T): void {
    let node: WaitNode<T | Finished> | undefined;
    while ((node = this.recvWaiters.shift()) !== undefined) {
      if (node.waiter!.wake(value)) {
        this.releaseSlots(1);
        return;
      }
    }
    this.buffer.push(value);
  }

  /** Takes the oldest value; the caller checks the buffer is not empty. */
  take(): T {
    const value = this.buffer.shift();
    this.releaseSlots(1);
    return value;
  }

  releaseSlots(n: number): void {
    this.permits += n;
    if (this.sendWaiters.length !== 0) this.drainSenders();
  }

  drainSenders(): void {
    let node: WaitNode<void> | undefined;
    while ((node = this.sendWaiters.head) !== undefined && this.permits >= node.need) {
      this.sendWaiters.shift();
      this.permits -= node.need;
      if (!node.waiter!.wake(undefined)) {
        this.permits += node.need;
        this.inFlight -= node.need;
        continue;
      }
      if (node.hasPayload) {
        this.inFlight -= 1;
        this.deliver(node.payload as T);
      }
      // A reservation stays in flight until its permit is used or released.
    }
  }

  /** The send of a bounded or unbounded sender. */
  send(value: T, options: WaitOptions | undefined, label: string): Promise<void> {
    if (this.sendWaiters.length === 0 && this.permits >= 1 && !this.receiverClosed) {
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.send, value, options, label);
      this.permits--;
      this.deliver(value);
      return RESOLVED;
    }
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.receiverClosed) return Promise.reject(new SendError(value));
    this.inFlight += 1;
    return parkIn(this.sendWaiters, new WaitNode<void>(1, value, true), label, options, this.afterSendCancel);
  }

  /** Waits for `n` slots; resolves once they are held (in flight). */
  reserve(n: number, options: WaitOptions | undefined, label: string): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.receiverClosed) return Promise.reject(new SendError(undefined));
    if (this.sendWaiters.length === 0 && this.permits >= n) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.reserve, n, options, label);
      this.permits -= n;
      this.inFlight += n;
      return RESOLVED;
    }
    this.inFlight += n;
    return parkIn(this.sendWaiters, new WaitNode<void>(n, undefined, false), label, options, this.afterSendCancel);
  }

  /** A permit's value (its slot is held and in flight). */
  sendReserved(value: T): void {
    this.inFlight -= 1;
    this.deliver(value);
  }

  /** Gives back `n` unused reserved slots. */
  releaseReserved(n: number): void {
    this.inFlight -= n;
    this.releaseSlots(n);
    this.maybeFinish();
  }

  /** Wakes parked receivers with FINISHED if nothing can arrive any more. */
  maybeFinish(): void {
    if (this.recvWaiters.length !== 0 && this.finished) {
      // `recv()` waits for `T | undefined`; iteration and recvMany need the sentinel.
      for (const node of this.recvWaiters.drain()) node.waiter!.wake(node.hasPayload ? END : (undefined as T));
    }
  }

  dropSender(): void {
    this.senders--;
    if (this.senders === 0) this.maybeFinish();
  }

  closeReceiver(): void {
    if (this.receiverClosed) return;
    this.receiverClosed = true;
    for (const node of this.sendWaiters.drain()) {
      this.inFlight -= node.need;
      node.waiter!.fail(new SendError(node.hasPayload ? node.payload : undefined));
    }
    for (const node of this.closedWaiters.drain()) node.waiter!.wake(undefined);
    this.maybeFinish();
  }

  /** Resolves when the receiver is closed. */
  closed(options: WaitOptions | undefined, label: string): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.receiverClosed) return RESOLVED;
    return parkSimple(this.closedWaiters, label, options);
  }

  /** Receives one value, or FINISHED (`sentinel`) / undefined (not `sentinel`) at the end. */
  recv(options: WaitOptions | undefined, label: string, sentinel: boolean): Promise<T | Finished> {
    if (this.buffer.length !== 0) {
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.recvAfterYield, options, label, sentinel);
      return Promise.resolve(this.take());
    }
    // A receive that will park on the receiver's reused node (no options: see parkRecv) skips this
    // check: the park makes the same one (a Cancelled rejection, nothing linked), so the current
    // task is looked up once, not twice (on Node 24+ an AsyncLocalStorage read).
    // `this.finished` written out (the buffer is empty here; the getter was left a call).
    const finished = this.receiverClosed || (this.senders === 0 && this.inFlight === 0);
    if (finished || options !== undefined || this.spinSkips === 0) {
      const cancelled = checkCancelled(options);
      if (cancelled !== undefined) return cancelled;
      if (finished) return Promise.resolve(sentinel ? END : (undefined as T));
    }
    const shifts = this.buffer.shifts;
    if (shifts === ((this.emptyAt + 1) | 0)) {
      // The one value taken since the last empty receive was the second look's: the two
      // sides take turns (ping-pong), so park the next receives at once.
      this.spinSkips = SPIN_SKIPS;
    }
    this.emptyAt = shifts;
    if (this.spinSkips > 0) {
      // The last second look found nothing, or the only value it found: park now.
      this.spinSkips--;
      return this.parkRecv(options, label, sentinel);
    }
    // Empty: look again one microtask later before parking (see the top of this file).
    return retryAfter(RESOLVED, this, this.recvAfterSpin, options, label, sentinel);
  }

  /**
   * The retry of a receive that found a value ready but had to yield first (the cooperative
   * budget): the same checks again (budget, cancellation, a value), and a value still there is
   * returned from the retry's own reaction, not wrapped in a second promise that the first then
   * adopts (two microtasks and a promise fewer per forced yield: a consumer with a backlog takes
   * one every 128 values). Nothing buffered any more: receives as usual.
   */
  recvAfterYield(options: WaitOptions | undefined, label: string, sentinel: boolean): Promise<T | Finished> | T {
    if (this.buffer.length !== 0) {
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.recvAfterYield, options, label, sentinel);
      return this.take();
    }
    return this.recv(options, label, sentinel);
  }

  /** The second look (see the top of this file). */
  private recvAfterSpin(options: WaitOptions | undefined, label: string, sentinel: boolean): Promise<T | Finished> | T | Finished {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.buffer.length !== 0) return this.take();
    if (this.finished) return sentinel ? END : (undefined as T);
    this.spinSkips = SPIN_SKIPS;
    return this.parkRecv(options, label, sentinel);
  }

  /** Parks a receive: on the receiver's reused node when it is free and the receive has no options (see the top of this file). */
  private parkRecv(options: WaitOptions | undefined, label: string, sentinel: boolean): Promise<T | Finished> {
    if (options === undefined && label === RECV) {
      const node = (this.recvNode ??= new ReusableNode<T | Finished>(this.recvWaiters, RECV));
      if (node.reusable.settled) {
        node.hasPayload = sentinel;
        return node.parkIn(this.recvWaiters);
      }
    }
    return parkIn(this.recvWaiters, new WaitNode<T | Finished>(1, undefined, sentinel), label, options);
  }

  /** Moves up to `limit` buffered values into `out`; returns how many. */
  takeInto(out: T[], limit: number): number {
    const n = Math.min(limit, this.buffer.length);
    for (let i = 0; i < n; i++) out.push(this.buffer.shift());
    if (n > 0) this.releaseSlots(n);
    return n;
  }
}
