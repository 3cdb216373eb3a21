// The parked-operation record behind `park()` (see ../park.ts for the contract).
//
// A waiter is settled exactly once, by whichever comes first: `wake`/`fail` (the primitive
// hands it a value or an error) or a cancellation (the task is aborted, or the operation's own
// signal aborts). Settling unlinks it from its task's list of parked waiters and from its
// signal's list, so nothing outlives the operation.
//
// Signals: however many operations park on one AbortSignal, rt adds a single 'abort'
// listener to it (a SignalWaiters record, found through a WeakMap), which cancels every waiter
// in its list; the listener is removed when the list empties (the record stays, for the
// signal's life: it tells that a wait was parked with the signal once, see `parkedWithSignal`). So a signal shared by many
// operations neither triggers Node's "possible EventTarget memory leak" warning nor keeps
// listeners after the operations settle.
import { Cancelled } from '../errors.js';
import { refillBudget as refillBudgetOf } from './context.js';
import type { Task } from './task.js';
import { emitPark as emitParkOf, emitWake as emitWakeOf, parkChannel as parkChannelOf, wakeChannel as wakeChannelOf } from './instrument.js';
import { rejectThrough } from './reject-through.js';

// Module-local copies of the imports a park and a wake read (the waiter's constructor and `wake`
// are inlined into every primitive that parks or wakes): TurboFan folds a module's own `const` to
// its value, but reads an imported binding through its module cell with a TDZ check and, for a
// function, a compare with the expected target each time (issue 16: @rt/net's README, pass eu30;
// here pass pk31 in the scheduler README).
const refillBudget = refillBudgetOf;
const emitPark = emitParkOf;
const emitWake = emitWakeOf;
const parkChannel = parkChannelOf;
const wakeChannel = wakeChannelOf;

/**
 * What an `onCancel` returns to keep the promise of the waiter it was given for itself (see `park`
 * in ../park.ts): the waiter leaves its task and signal but stays unsettled, and its owner settles
 * it later (`wake` or `fail`). For `timeout`'s function form, whose work may have completed in the
 * abort's synchronous run (pass rc30).
 */
export const settleLater: unique symbol = Symbol('rt.settleLater');

/** What a cancelled waiter calls back: the primitive's `onCancel`, or a parked node itself (see CancelTarget). */
type OnCancel<T> = ((waiter: ParkedWaiter<T>, reason: unknown) => void | typeof settleLater) | CancelTarget;

/**
 * A waiter's place in its signal's list: out of line, so a waiter parked without a signal (the
 * common case) carries no field for it. It also keeps the waiter's `onCancel` while it is linked:
 * the waiter's one field for either (−24 B a park against three link fields and `onCancel`).
 */
class SignalLink {
  prev: SignalLink | undefined = undefined;
  next: SignalLink | undefined = undefined;

  constructor(
    readonly list: SignalWaiters,
    readonly waiter: ParkedWaiter<unknown>,
    readonly onCancel: OnCancel<unknown>,
  ) {}
}

/** The waiters parked on one signal, and the one abort listener rt keeps on it. */
class SignalWaiters {
  head: SignalLink | undefined = undefined;

  constructor(readonly signal: AbortSignal) {}

  handleEvent(): void {
    const reason = this.signal.reason;
    let failure: { error: unknown } | undefined;
    for (let link = this.head; link !== undefined; link = this.head) {
      try {
        link.waiter.cancel(reason);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }

  link(waiter: ParkedWaiter<unknown>, onCancel: OnCancel<unknown>): SignalLink {
    const link = new SignalLink(this, waiter, onCancel);
    // Emptied before: its listener was removed (see unlink).
    if (this.head === undefined) this.signal.addEventListener('abort', this);
    link.next = this.head;
    if (this.head !== undefined) this.head.prev = link;
    this.head = link;
    return link;
  }

  unlink(link: SignalLink): void {
    if (link.prev !== undefined) link.prev.next = link.next;
    else if (this.head === link) this.head = link.next;
    if (link.next !== undefined) link.next.prev = link.prev;
    link.prev = link.next = undefined;
    if (this.head === undefined) this.signal.removeEventListener('abort', this);
  }
}

const bySignal = new WeakMap<AbortSignal, SignalWaiters>();

/**
 * Whether a waiter parked with `signal` is still parked: true while its signal's list holds one,
 * false once it is empty again, undefined if none was ever parked with it (no list).
 */
export function parkedWithSignal(signal: AbortSignal): boolean | undefined {
  const list = bySignal.get(signal);
  return list === undefined ? undefined : list.head !== undefined;
}

/** Links a waiter parked with a signal into that signal's list (made on first use); returns its place there. */
function linkSignal(signal: AbortSignal, waiter: ParkedWaiter<unknown>, onCancel: OnCancel<unknown>): SignalLink {
  let list = bySignal.get(signal);
  if (list === undefined) {
    list = new SignalWaiters(signal);
    bySignal.set(signal, list);
  }
  const link = list.link(waiter, onCancel);
  // Aborted since park's check: by an `rt:task:park` subscriber while the waiter was announced
  // (the constructor links the signal after that). Its abort event has passed and would never
  // cancel the waiter; it is cancelled on a microtask instead, once the primitive has finished
  // parking, as `Task.abort` does for a task aborted there (review rv38 of pass pk31).
  if (signal.aborted) queueMicrotask(list.handleEvent.bind(list));
  return link;
}

/** Takes a settled waiter's place out of its signal's list; returns the `onCancel` it held. */
function unlinkSignal(link: SignalLink): OnCancel<unknown> {
  link.list.unlink(link);
  return link.onCancel;
}

/**
 * An entry of a task's list of parked operations (what an abort cancels and dump() lists): a
 * ParkedWaiter, or a primitive's own record parked with `parkEntry` (../park.ts).
 */
export interface TaskWait {
  prev: TaskWait | undefined;
  next: TaskWait | undefined;
  readonly label: string;
  /** How many waits the entry stands for (what dump() lists `label` for): 1 when absent. */
  readonly waits?: number;
  /** The task was aborted: leave the task's list (synchronously) and reject the wait. */
  cancel(reason: unknown): void;
}

/**
 * What a cancelled waiter calls back, when it is not a function: a parked list node unlinks
 * itself (`parkIn`: one object where a closure per park used to be).
 */
export interface CancelTarget {
  waiterCancelled(): void;
}

/** What the fields of a waiter's resolving functions hold before its promise is made. */
function noResolve(): void {}

export class ParkedWaiter<T> implements TaskWait {
  /** The task that parked, if any: its abort cancels this waiter. */
  task: Task | undefined;
  /** Links in the task's list of parked waiters. */
  prev: TaskWait | undefined = undefined;
  next: TaskWait | undefined = undefined;
  /**
   * What a cancellation calls back (`onCancel`), or, while the waiter is in its signal's list,
   * its place there, which holds `onCancel` (one field for both: a waiter is allocated per park,
   * and on this machine each byte allocated per message costs about as much CPU as four
   * instructions: see the scheduler README, ping-pong pass 4).
   */
  private cancelBy: OnCancel<T> | SignalLink;

  /**
   * The promise's resolve function, set by its executor in the constructor; `undefined` once
   * settled (`settled` is read from it: no field of its own). A failure or cancellation rejects
   * through it (`rejectThrough`: the same tick as the reject function), so the executor never
   * reads its reject function and TurboFan does not allocate one (56 B a park on Node 24).
   */
  private resolve: ((value: T) => void) | undefined = noResolve;
  /** The promise the parked operation returns. */
  readonly promise: Promise<T>;

  constructor(
    readonly label: string,
    onCancel: OnCancel<T>,
    signal: AbortSignal | undefined,
    task: Task | undefined,
  ) {
    this.cancelBy = onCancel;
    // The executor is written here, not shared: TurboFan inlines it into the caller and allocates
    // no closure for it, and the resolving functions go straight into this (young) waiter. A
    // shared executor handing them over through two module variables cost two write barriers'
    // slow paths (a young object stored into the module's old context) and a call per park:
    // ~310 instructions per round trip of ping-pong over park() under callgrind (Node 24.22).
    this.promise = new Promise<T>((resolve) => {
      this.resolve = resolve;
    });
    this.task = task;
    if (task !== undefined) task.linkWaiter(this as ParkedWaiter<unknown>);
    if (task !== undefined && parkChannel.hasSubscribers) emitPark(task, label);
    // (Out of line: a park is inlined into the primitive that parks, most without a signal.)
    if (signal !== undefined) this.cancelBy = linkSignal(signal, this as ParkedWaiter<unknown>, onCancel as OnCancel<unknown>);
  }

  /**
   * The waiter itself: `park()` returns the waiter as its own `{ waiter, promise }` pair (one
   * object per park, not two).
   */
  get waiter(): this {
    return this;
  }

  /** True once woken, failed or cancelled. */
  get settled(): boolean {
    return this.resolve === undefined;
  }

  wake(value: T): boolean {
    const resolve = this.resolve;
    if (resolve === undefined) return false;
    this.resolve = undefined;
    // What `detach` does, with the task's part written here: a wake is inlined into the primitive
    // that wakes, and fewer bytecodes there leave TurboFan's inlining budget for the park
    // (issue 16: see `Task.unlinkWaiter`). The signal's list first, then the task's part in one
    // branch: after `leaveSignal` (a call on its rare path) TurboFan checked the task's map again
    // (pass pk31).
    this.leaveSignal();
    const task = this.task;
    if (task !== undefined) {
      this.task = undefined;
      task.unlinkWaiter(this as ParkedWaiter<unknown>);
      // Waking from park is a fresh start: the task's budget resets (Tokio does the same).
      refillBudget(task);
      if (wakeChannel.hasSubscribers || task.core.probe !== undefined) emitWake(task, this.label);
    }
    resolve(value);
    return true;
  }

  fail(error: unknown): boolean {
    const resolve = this.resolve;
    if (resolve === undefined) return false;
    this.resolve = undefined;
    const task = this.task;
    this.detach();
    if (task !== undefined && (wakeChannel.hasSubscribers || task.core.probe !== undefined)) emitWake(task, this.label);
    rejectThrough(resolve, error);
    return true;
  }

  /**
   * Cancels the wait: settles, lets the primitive unlink it (synchronously), then rejects; an
   * `onCancel` that returns `settleLater` keeps the waiter unsettled (out of its task and signal)
   * for its owner to settle (it is given `reason`, the abort's, for the `Cancelled` it settles
   * with later: pass rc31).
   */
  cancel(reason: unknown): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    this.detach();
    let held = false;
    try {
      // (detach put `onCancel` back in `cancelBy`.)
      const onCancel = this.cancelBy as OnCancel<T>;
      if (typeof onCancel === 'function') held = onCancel(this, reason) === settleLater;
      else onCancel.waiterCancelled();
    } finally {
      if (held) this.resolve = resolve;
      else rejectThrough(resolve, new Cancelled(`${this.label} was cancelled`, { cause: reason }));
    }
  }

  private detach(): void {
    if (this.task !== undefined) {
      this.task.unlinkWaiter(this as ParkedWaiter<unknown>);
      this.task = undefined;
    }
    this.leaveSignal();
  }

  /** Takes a waiter parked with a signal out of its signal's list (`cancelBy` holds `onCancel` again); nothing otherwise. */
  private leaveSignal(): void {
    const by = this.cancelBy;
    // (Not `instanceof`: on the function most callers pass it walked the function's prototype
    // chain on every wake: ping-pong over park() 2,353 instructions per round trip against 2,288 this
    // way and 2,272 with the signal link in a field of its own, callgrind, Node 24.22. The unlink
    // out of line, as the link: the wake is inlined into the primitive that wakes.)
    if (typeof by === 'object' && by.constructor === SignalLink) this.cancelBy = unlinkSignal(by as SignalLink) as OnCancel<T>;
  }
}
