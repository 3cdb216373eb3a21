import { Cancelled, coop as coopOf, park, throwIfCancelled as throwIfCancelledOf } from '@rt/scheduler';
import type { RtError, WaitOptions, Waiter } from '@rt/scheduler';
import {
  RESOLVED as RESOLVEDOf,
  callInContext,
  captureThenContext,
  currentParkTask as currentParkTaskOf,
  jobsRunInQueuingContext as jobsRunInQueuingContextOf,
  keepThenAlone,
  lastParked as lastParkedOf,
  parkEntryIn as parkEntryInOf,
  unparkEntry as unparkEntryOf,
  type CapturedContext,
  type ParkEntry,
  type ParkedTask,
} from '@rt/scheduler/primitives';
import { TimerEntry, currentDriver as currentDriverOf, type TimeDriver } from './internal/driver.js';
import { checkDuration as checkDurationOf, checkWaitOptions as checkWaitOptionsOf } from './internal/validate.js';
import { instantAt, milliseconds as millisecondsOf, type Instant } from './instant.js';

// Module-local copies of imports read at every sleep, wait and fire: an imported binding is read
// through its module cell with a TDZ check each time, where TurboFan folds a module's own `const`
// (issue 16: @rt/net's README, pass eu30; this package's README, pass lc31).
const checkDuration = checkDurationOf;
const checkWaitOptions = checkWaitOptionsOf;
const coop = coopOf;
const currentDriver = currentDriverOf;
const currentParkTask = currentParkTaskOf;
const jobsRunInQueuingContext = jobsRunInQueuingContextOf;
const lastParked = lastParkedOf;
const milliseconds = millisecondsOf;
const parkEntryIn = parkEntryInOf;
const RESOLVED = RESOLVEDOf;
const throwIfCancelled = throwIfCancelledOf;
const unparkEntry = unparkEntryOf;

/** `slot` of a disposed Sleep (a negative slot means "not in the wheel" to the wheel). */
const DISPOSED = -2;

/**
 * A plain wait's resolving function: the engine's, or a shared wait's (`share`), which also takes
 * the error a rejection carries (`finish` passes it; the engine's ignores a second argument).
 */
type Resolve = (value: void | PromiseLike<void>, error?: Error) => void;
/** A resolving function as the engine sees it: it takes any value (a `Fired` included). */
type Settle = (value: unknown) => void;

/** A pending wait with a signal: park's waiter and promise, and the Sleep's own options (its state once the wait ends). */
class SignalWait {
  constructor(
    readonly waiter: Waiter<void>,
    readonly promise: Promise<void>,
    readonly options: WaitOptions | undefined,
  ) {}
}

/**
 * A timer that completes at a deadline: what `sleep` and `sleepUntil` return. Await it
 * (it is a `PromiseLike<void>`), move it with `reset`, ask `isElapsed`, or dispose of it
 * to cancel it.
 *
 * The timer is registered on the runtime's timer wheel when the Sleep is created, so
 * creating and disposing of one costs two O(1) wheel operations and no Node timer. It
 * completes no earlier than its deadline, rounded up to the next millisecond of the
 * runtime's clock (which may be paused: see `pause`). Awaiting it several times, or from
 * several places, shares one wait (so cancelling that wait, by the abort of the task that
 * awaited first or by the signal, rejects every awaiter); awaiting it after it elapsed completes at once (after
 * a forced yield when the task has used up its cooperative budget). The process stays
 * alive while something awaits a Sleep, not while one merely exists.
 *
 * **Cancellation:** cancel safe (there is nothing to lose). Aborting the awaiting task, or
 * the `signal` given to `sleep` (watched while the Sleep is awaited), rejects the wait
 * with `Cancelled` and removes the timer from the wheel at once; awaiting the Sleep again registers it again with the same
 * deadline. Disposing of it (`using s = sleep(ms)`, or `s[Symbol.dispose]()`) removes the
 * timer and rejects any wait with `Cancelled`.
 *
 * **Errors:** awaiting rejects with `Cancelled` (see above) or `RuntimeShutdown` when the
 * runtime the Sleep belongs to has shut down.
 *
 * **Example**
 * ```ts
 * const delay = sleep(1000);
 * delay.reset(Instant.now().add(50)); // sooner
 * await delay;
 * console.log(delay.isElapsed); // true
 * ```
 */
// Sleep is a ParkEntry by shape only: its links are internal (stripped), so `implements ParkEntry` would not
// hold in the published .d.ts; parkEntry(this) checks the shape where it is used.
export class Sleep extends TimerEntry implements PromiseLike<void>, Disposable {
  // (Every field is declared and assigned in the constructor: see WheelEntry.)
  declare private readonly driver: TimeDriver;
  // The deadline is the wheel tick `when` (a whole millisecond, rounded up): one small
  // integer field instead of a boxed double.
  // `state` is the one field for the options and the pending wait (issue 16: one field less
  // per Sleep than separate slots for each: 96 B instead of 104):
  //   - no wait pending: the options given to `sleep` (undefined for none);
  //   - a plain wait pending (no signal: nothing can cancel it but dispose and the abort of
  //     the task it waits in): the wait's resolving function. Rejection goes through it too
  //     (resolving with a rejected promise), so the reject function is not kept. A plain
  //     wait has no options, so nothing is lost by the options' slot holding it. The promise
  //     itself is not kept: a second `then` while the wait is pending (rare) gets a promise
  //     of its own, and `state` becomes a function that resolves both, so the awaiters still
  //     share one wait (one settlement, one cancellation);
  //   - a wait with a signal pending: a `SignalWait` (park's waiter and promise, and the
  //     Sleep's own options, which become its state again when the wait ends).
  // Inside a task a plain wait is the Sleep's own entry in the task's list of parked
  // operations (`parkEntryIn`: `task`, `prev`, `next`), so a pending plain wait costs the
  // promise and its resolving functions and no waiter record, cancel closure or
  // `{ waiter, promise }` pair (see the README's ladder) — unless the task already waits on
  // another Sleep of this runtime: then it joins that task's `TimerGroup` (see there).
  declare private state: WaitOptions | Resolve | SignalWait | undefined;
  /** Where a plain wait is parked: its task (the Sleep is the task's entry) or its task's TimerGroup; undefined outside any task. */
  declare private task: ParkedTask | TimerGroup | undefined;
  // The callbacks of the `then` that started a plain wait (issue 16): that `then`'s own
  // promise is the wait's promise, so a plain `sleep(ms).then(cb)` or `await sleep(ms)`
  // keeps no second promise and no promise reaction until it fires (see `Fired`). Undefined
  // for a wait started by `wait()` (an Interval's tick) or by a `then` without callbacks.
  declare private onFulfilled: ((value: void) => unknown) | undefined;
  declare private onRejected: ((reason: unknown) => unknown) | undefined;
  // The async context of that `then` call where a promise job runs in the context it is queued
  // in (AsyncContextFrame: Node 24+): the fire queues the job that calls the callbacks (`Fired`)
  // in it, so they read the AsyncLocalStorage stores of their `then` call, as a promise's
  // callbacks do, not those of the code that armed the driver's timer. Undefined elsewhere (the
  // promise hooks run that job in the context of the promise `then` returned) and when no
  // AsyncLocalStorage is in use.
  declare private context: CapturedContext | undefined;
  /** @internal Links in the task's list of parked operations (`parkEntry`). */
  declare prev: ParkEntry | undefined;
  /** @internal */
  declare next: ParkEntry | undefined;

  /** @internal Sleeps come from `sleep` and `sleepUntil`. */
  constructor(driver: TimeDriver, deadline: number, options: WaitOptions | undefined, now: number = driver.now()) {
    super();
    this.driver = driver;
    this.state = options;
    this.task = undefined;
    this.onFulfilled = undefined;
    this.onRejected = undefined;
    this.context = undefined;
    this.prev = undefined;
    this.next = undefined;
    this.when = Math.ceil(deadline);
    if (!driver.shut) driver.insert(this, this.when, now);
  }

  /** The instant at which the Sleep completes (the requested one rounded up to a whole ms). */
  get deadline(): Instant {
    return instantAt(this.when);
  }

  /** True once the runtime's clock has reached the deadline. */
  get isElapsed(): boolean {
    return this.when <= this.driver.now();
  }

  /**
   * Moves the deadline (earlier or later), as Tokio's `Sleep::reset`. A pending wait stays
   * pending and completes at the new deadline (at once if it has passed).
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** TypeError if `deadline` is not an Instant or the Sleep was disposed of.
   *
   * **Example**
   * ```ts
   * const idle = sleep(30_000);
   * onActivity(() => idle.reset(Instant.now().add(30_000)));
   * await idle;
   * ```
   */
  reset(deadline: Instant): void {
    this.resetTo(milliseconds(deadline, 'Sleep.reset(deadline)'));
  }

  /** @internal Moves the deadline to a clock reading. */
  resetTo(deadline: number): void {
    if (this.slot === DISPOSED) throw new TypeError('Sleep.reset: this Sleep was disposed of');
    const driver = this.driver;
    driver.remove(this);
    this.when = Math.ceil(deadline);
    if (driver.shut) return;
    if (!driver.insert(this, this.when, driver.now())) this.fire();
  }

  /** Waits for the deadline (see the class); `then` makes a Sleep awaitable. */
  then<TResult1 = void, TResult2 = never>(
    onfulfilled?: ((value: void) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    const state = this.state;
    if (state === undefined) {
      // No wait pending, no options: the wait's promise is the one `then` returns (`Fired`).
      const promise = this.wait(undefined, typeof onfulfilled === 'function' ? onfulfilled : undefined, typeof onrejected === 'function' ? onrejected : undefined);
      if (tookCallbacks) {
        tookCallbacks = false;
        return promise as Promise<TResult1 | TResult2>;
      }
      return promise.then(onfulfilled, onrejected);
    }
    return this.wait(typeof state === 'function' || state instanceof SignalWait ? undefined : state).then(onfulfilled, onrejected);
  }

  /**
   * @internal Waits with the given options (an Interval's `tick` passes its own). Given
   * `then`'s callbacks (`then` only), a plain wait keeps them and settles its promise with
   * their outcome instead of with its own, and sets `tookCallbacks`.
   */
  wait(options: WaitOptions | undefined, onFulfilled?: (value: void) => unknown, onRejected?: (reason: unknown) => unknown): Promise<void> {
    const state = this.state;
    if (typeof state === 'function') return this.share(state);
    if (state instanceof SignalWait) return state.promise;
    const driver = this.driver;
    try {
      if (this.slot === DISPOSED) throw new Cancelled('sleep: this Sleep was disposed of');
      if (driver.shut) throw driver.shutdownError();
      const now = driver.now();
      if (this.when <= now) {
        driver.remove(this);
        throwIfCancelled(options);
        return coop() ?? RESOLVED;
      }
      // From here on `park` checks for cancellation itself (and throws Cancelled).
      if (!this.linked) driver.insert(this, this.when, now);
      // Without a signal nothing can cancel the wait but dispose and the task's abort: skip
      // park's machinery (no waiter record, no closure), the Sleep is its own task entry.
      let promise: Promise<void>;
      if (options === undefined) {
        this.task = this.park();
        promise = new Promise<void>(captureResolve);
        this.state = capturedResolve;
        capturedResolve = undefined;
        if (onFulfilled !== undefined || onRejected !== undefined) {
          this.onFulfilled = onFulfilled;
          this.onRejected = onRejected;
          if (jobsRunInQueuingContext) this.context = captureThenContext();
          tookCallbacks = true;
        }
      } else {
        const parked = park<void>('time.sleep', (waiter) => this.cancelled(waiter), options);
        this.state = new SignalWait(parked.waiter, parked.promise, state);
        promise = parked.promise;
      }
      driver.addWaiter();
      return promise;
    } catch (error) {
      // park() refused the wait (the signal was already aborted): no waiter, so no timer
      // either, exactly as when a wait is aborted (`cancelled`). Awaiting again re-inserts it.
      if (this.slot !== DISPOSED && !this.pending) driver.remove(this);
      return Promise.reject(error);
    }
  }

  /**
   * Parks a plain wait in the current task (throws Cancelled if it was aborted): as the
   * task's own entry, or in the task's TimerGroup when its most recent parked operation is
   * another Sleep of this runtime or that group. Returns what `task` holds.
   */
  private park(): ParkedTask | TimerGroup | undefined {
    const task = currentParkTask();
    if (task === undefined) return undefined;
    const head = lastParked(task);
    if (head instanceof TimerGroup) {
      if (head.driver === this.driver) {
        head.add(this);
        parkEntryIn(task, head, true);
        return head;
      }
    } else if (head instanceof Sleep && head.driver === this.driver) {
      const group = new TimerGroup(this.driver, task, this);
      parkEntryIn(task, group);
      return group;
    }
    parkEntryIn(task, this);
    return task;
  }

  /** Ends the plain wait's park (woken, failed; not cancelled: see `cancel`). */
  private unpark(how: 'woken' | 'failed'): void {
    const task = this.task;
    if (task === undefined) return;
    this.task = undefined;
    if (task instanceof TimerGroup) task.end(how);
    else unparkEntry(task, this, how);
  }

  /** @internal True while this Sleep's plain wait is parked in `group`. */
  parkedIn(group: TimerGroup): boolean {
    return this.task === group;
  }

  /** A second wait on a pending plain wait: a promise of its own, settled with the first. */
  private share(first: Resolve): Promise<void> {
    const promise = new Promise<void>(captureResolve);
    const second = capturedResolve!;
    capturedResolve = undefined;
    const onFulfilled = this.onFulfilled;
    const onRejected = this.onRejected;
    const context = this.context;
    this.onFulfilled = this.onRejected = this.context = undefined;
    // The first wait's promise is its `then`'s (when it took callbacks): it gets their outcome.
    const direct = onFulfilled !== undefined || onRejected !== undefined;
    this.state = (value, error) => {
      if (!direct) first(value, error);
      // (A rejection through `Fired` as well, not a `then` on `value` attached now: that reaction
      // would run in the context of the code settling the wait on every Node.)
      else callInContext(context, settleWith, first as Settle, new Fired(onFulfilled, onRejected, error), undefined);
      second(value);
    };
    return promise;
  }

  /**
   * Settles the pending plain wait (`state` is its resolving function; the caller has
   * unlinked the task entry): with the outcome of `then`'s callbacks when it took them, else
   * with undefined or the rejection.
   */
  private finish(resolve: Resolve, error: Error | undefined): void {
    this.state = undefined;
    const onFulfilled = this.onFulfilled;
    const onRejected = this.onRejected;
    if (onFulfilled === undefined && onRejected === undefined) {
      // (The error too: a shared wait's resolving function settles its first `then` with it.)
      resolve(error === undefined ? undefined : Promise.reject(error), error);
      return;
    }
    const context = this.context;
    this.onFulfilled = this.onRejected = this.context = undefined;
    callInContext(context, settleWith, resolve as Settle, new Fired(onFulfilled, onRejected, error), undefined);
  }

  /** True while a wait is pending. */
  private get pending(): boolean {
    const state = this.state;
    return typeof state === 'function' || state instanceof SignalWait;
  }

  /** Cancels the Sleep: removes its timer; a pending wait rejects with `Cancelled`. */
  [Symbol.dispose](): void {
    if (this.slot === DISPOSED) return;
    this.driver.remove(this);
    this.slot = DISPOSED;
    if (this.pending) this.settle(new Cancelled('sleep: the Sleep was disposed of while awaited'));
  }

  /** @internal The wheel reached the deadline. */
  fire(): void {
    const state = this.state;
    if (typeof state !== 'function') {
      if (state instanceof SignalWait) this.settle(undefined);
      return;
    }
    // The plain wait, the common case (`await sleep(ms)`), inline.
    this.driver.removeWaiter();
    if (this.task !== undefined) this.unpark('woken');
    this.finish(state, undefined);
  }

  /** @internal The runtime shut down. */
  abandon(error: RtError): void {
    if (this.pending) this.settle(error);
  }

  /** Ends the pending wait: resolves it (`error` undefined) or rejects it with `error`. */
  private settle(error: Error | undefined): void {
    const state = this.state as Resolve | SignalWait;
    this.driver.removeWaiter();
    if (typeof state === 'function') {
      this.unpark(error === undefined ? 'woken' : 'failed');
      this.finish(state, error);
    } else {
      this.state = state.options;
      if (error === undefined) state.waiter.wake(undefined);
      else state.waiter.fail(error);
    }
  }

  /** @internal What `dump()` shows a task waiting on the Sleep. */
  get label(): string {
    return 'time.sleep';
  }

  /**
   * @internal The task a plain wait is parked in was aborted: unregister at once, reject.
   * Called by the task for a Sleep that is its own entry, by the TimerGroup (which has left
   * the task's list already) for one of its members.
   */
  cancel(reason: unknown): void {
    const state = this.state;
    const task = this.task;
    if (typeof state !== 'function' || task === undefined) return;
    this.task = undefined;
    if (!(task instanceof TimerGroup)) unparkEntry(task, this, 'cancelled');
    this.driver.removeWaiter();
    this.driver.remove(this);
    this.finish(state, new Cancelled('time.sleep was cancelled', { cause: reason }));
  }

  /** @internal The wait was cancelled (task or signal aborted): unregister at once. */
  cancelled(waiter: Waiter<void>): void {
    const state = this.state;
    if (!(state instanceof SignalWait) || state.waiter !== waiter) return;
    this.state = state.options;
    this.driver.removeWaiter();
    this.driver.remove(this);
  }
}

// `then` alone on `Sleep.prototype` (20 properties), the other methods one prototype further,
// between it and the timer entry's: `await sleep(ms)` looks `then` up without a cache, by a short
// scan instead of a binary search (issue 16, pass pp30; see `keepThenAlone`).
keepThenAlone(Sleep.prototype);

/**
 * The plain waits one task has parked while it already waited on another Sleep of the same
 * runtime (`sleep(ms).then(cb)` in a loop, a `Promise.all` of sleeps): ONE entry in the
 * task's list of parked operations that stands for all of them (`waits`, what `dump()`
 * lists), and a count. Why (issue 16): each Sleep as its own entry threads every waiting
 * timer of the task onto one doubly linked list in park order, while they fire in deadline
 * order; at a million timers that list cost ~0.6 µs per timer on Node 24 and ~0.8 µs on
 * Node 20 (measured by leaving the link out: the in-task fire row fell to the outside row's
 * CPU), where a member costs one pointer to the group and a count at park and at fire.
 *
 * The group keeps up to MEMBERS_KEPT members in an array (a push at park, nothing at fire: a
 * member that ended is skipped by `parkedIn`), compacted when most of it has ended, so a
 * long-lived group of overlapping sleeps stays small; aborting the task cancels the live ones,
 * O(its members). A group that has more waiting at once stops keeping them (a push per timer
 * into a million-entry array cost ~12% of the in-task fire row in callgrind, Node 20) and its
 * abort finds them by one pass over the runtime's registered timers instead, O(timers), paid
 * only by a task that has over MEMBERS_KEPT sleeps waiting at once. (Scanning for every group
 * made aborting many small groups at once quadratic: 1,000 tasks awaiting two sleeps each
 * visited 1,001,000 timers.) A group leaves the task's list when its last member's wait
 * ends, or when the task is aborted.
 */
/** The members a TimerGroup keeps a list of (see there). */
const MEMBERS_KEPT = 1024;

class TimerGroup implements ParkEntry {
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  /** Members whose wait is pending. */
  live = 1;
  /**
   * Every member that joined since the last compaction (those that ended too: see `parkedIn`),
   * or undefined once more than MEMBERS_KEPT were waiting at once (then cancel scans the timers).
   */
  private members: Sleep[] | undefined;

  constructor(
    readonly driver: TimeDriver,
    private readonly task: ParkedTask,
    first: Sleep,
  ) {
    this.members = [first];
  }

  /** `sleep` joins (its wait is parked in this group). */
  add(sleep: Sleep): void {
    this.live++;
    let members = this.members;
    if (members === undefined) return;
    // Mostly ended members, or a full list: keep the live ones only (amortized O(1) per join:
    // a full list is compacted only when at least a quarter of it has ended, else it is given up).
    const length = members.length;
    if ((length >= 64 && length >= 4 * this.live) || (length >= MEMBERS_KEPT && 4 * this.live <= 3 * length)) {
      members = this.members = members.filter((member) => member.parkedIn(this));
    }
    if (members.length < MEMBERS_KEPT) members.push(sleep);
    else this.members = undefined;
  }

  get label(): string {
    return 'time.sleep';
  }

  get waits(): number {
    return this.live;
  }

  /** A member's wait ended (fire, dispose, shutdown): the last one takes the group out of the task's list. */
  end(how: 'woken' | 'failed'): void {
    unparkEntry(this.task, this, how, --this.live === 0);
  }

  /** The task was aborted: leave its list, then cancel every member still waiting. */
  cancel(reason: unknown): void {
    unparkEntry(this.task, this, 'cancelled');
    this.live = 0;
    let members = this.members;
    this.members = [];
    if (members === undefined) {
      const found: Sleep[] = [];
      this.driver.each((entry) => {
        if (entry instanceof Sleep && entry.parkedIn(this)) found.push(entry);
      });
      members = found;
    }
    for (const member of members) if (member.parkedIn(this)) member.cancel(reason);
  }
}

/** Set by `wait` when it took `then`'s callbacks (read and cleared by `then` at once). */
let tookCallbacks = false;

/**
 * The outcome of a plain wait that took its `then`'s callbacks: the wait's promise (the one
 * `then` returned) is resolved with this thenable, so the engine calls `then` below in a
 * promise job of its own, with the promise's resolving functions: the callback runs in that
 * job and its result (or throw) settles the promise, as a promise reaction would (same
 * job count: the callback runs one job after the fire, the promise settles in that job).
 * Until the fire, a waiting `sleep(ms).then(cb)` or `await sleep(ms)` keeps one promise and
 * its resolving function instead of two promises and a reaction (issue 16: the objects that
 * live until a timer fires are what the collector copies). It is made at the fire and is
 * garbage one job later.
 */
class Fired {
  // Assigned, not parameter properties (class fields): one is made per fired timer (see WheelEntry).
  declare private readonly onFulfilled: ((value: void) => unknown) | undefined;
  declare private readonly onRejected: ((reason: unknown) => unknown) | undefined;
  declare private readonly error: Error | undefined;

  constructor(onFulfilled: ((value: void) => unknown) | undefined, onRejected: ((reason: unknown) => unknown) | undefined, error: Error | undefined) {
    this.onFulfilled = onFulfilled;
    this.onRejected = onRejected;
    this.error = error;
  }

  then(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
    const error = this.error;
    const callback = error === undefined ? this.onFulfilled : this.onRejected;
    if (callback === undefined) {
      if (error === undefined) resolve(undefined);
      else reject(error);
      return;
    }
    try {
      resolve((callback as (value: unknown) => unknown)(error));
    } catch (thrown) {
      reject(thrown);
    }
  }
}

/** Settles a wait's promise with `fired` (for callInContext). */
function settleWith(settle: Settle, fired: Fired, _: undefined): void {
  settle(fired);
}

// The promise executor of a plain wait: one shared function (no closure per wait) that hands
// the resolve function over through this variable, read right after `new Promise`.
let capturedResolve: Resolve | undefined;
function captureResolve(resolve: Resolve): void {
  capturedResolve = resolve;
}

/**
 * Waits until `ms` milliseconds have passed on the runtime's clock (Tokio's `sleep`).
 *
 * Returns a {@link Sleep}: await it, or keep it to `reset` or dispose of it. `ms` may be
 * fractional; the deadline is rounded up to the next millisecond. `sleep(0)` completes at
 * once (subject to the cooperative budget). On a paused clock the Sleep completes when the
 * clock is advanced past it, or by auto-advance when every task is idle.
 *
 * **Cancellation:** cancel safe. Aborting the task or `options.signal` while awaiting
 * rejects with `Cancelled` and removes the timer at once.
 *
 * **Errors:** RangeError for a negative, NaN or non-finite `ms`; TypeError for a
 * non-number or bad options. Awaiting rejects with `Cancelled` or `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * await sleep(100);
 * await sleep(5_000, { signal: AbortSignal.timeout(10) }).catch(() => 'gave up');
 * ```
 */
export function sleep(ms: number, options?: WaitOptions): Sleep {
  checkDuration(ms, 'sleep(ms)');
  checkWaitOptions(options, 'sleep');
  const driver = currentDriver();
  const now = driver.now();
  return new Sleep(driver, now + ms, options, now);
}

/**
 * Waits until the runtime's clock reaches `deadline` (Tokio's `sleep_until`).
 *
 * Same as {@link sleep} with an absolute deadline; a deadline in the past completes at once.
 *
 * **Cancellation:** cancel safe, as `sleep`.
 *
 * **Errors:** TypeError if `deadline` is not an Instant or for bad options. Awaiting
 * rejects with `Cancelled` or `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * const start = Instant.now();
 * await sleepUntil(start.add(250));
 * ```
 */
export function sleepUntil(deadline: Instant, options?: WaitOptions): Sleep {
  const at = milliseconds(deadline, 'sleepUntil(deadline)');
  checkWaitOptions(options, 'sleepUntil');
  return new Sleep(currentDriver(), at, options);
}
