// @rt/scheduler/primitives: the one toolkit for writing an rt primitive (a lock, a channel,
// a socket's queue of parked reads). rt's own packages build on it; application code does
// not need it.
//
// A guide:
// - `WaitList` / `WaitNode`: the FIFO of parked operations, an intrusive doubly linked list
//   with O(1) push, shift and remove (what a cancellation needs, synchronously).
// - `parkIn(list, node, label, options, afterCancel?)`: parks a node at the end of a list;
//   a cancellation takes it out of the list before the promise rejects. `parkSimple` parks
//   a fresh node.
// - `ReusableNode`: a node with its own reused waiter, for a consumer that parks one
//   operation at a time (a park allocates only its promise).
// - `parkEntry(entry)` / `unparkEntry(task, entry, woke)`: parks an operation that is its own
//   record (a timer with its own promise) in the current task, with no waiter record;
//   `currentParkTask()`, `lastParked(task)` and `parkEntryIn(task, entry, linked)` let one
//   entry stand for several waits of a task (the timers one task awaits at once);
//   `parkedAfter(entry)` the wait its task parked right after `entry`, while both are parked (how
//   `timeout(ms, rx)` finds the receive it ends, and tells that it ended); `parkedOn(signal)`
//   whether a wait parked with `{ signal }` is still parked (timeout's function form);
//   `settleLater`, what a `park` `onCancel` returns to settle its waiter itself later.
// - `checkCancelled(options)`: the task's or the signal's cancellation as a rejected
//   promise (or undefined); `readyOrCancelled(options)`: the same plus the cooperative budget,
//   for an operation that can complete now (one look at the task); `readyNow(options)`: the
//   same as a boolean that spends and counts nothing when it says no (a synchronous fast path
//   whose caller falls back to the promise form), and `refundNow()` for a fast path that found
//   nothing to do after it said yes; and `tryPark(step)`: a step's synchronous throw as a rejected
//   promise, for methods that return a promise and must never throw.
// - `checkCount`, `checkFunction`: argument validators whose errors name the value with
//   `describe`, the one formatting of a bad value in rt's messages.
// - `RESOLVED`, `RESOLVED_UNDEFINED`: shared settled promises for allocation-free fast paths.
// - `rejectThrough(resolve, error)`: rejects a promise through its resolve function, in the
//   same tick as its reject function would, so a parked operation keeps one function, not two.
// - `keepThenAlone(Class.prototype)`: a thenable's `then` alone on its prototype, its other
//   methods one prototype further, so every `await x` finds `then` by a short scan (pass pp30).
// - `reportLater(error)`: reports an error as an uncaught exception on a microtask, as an event
//   listener's throw would be: for machinery that must not throw into its caller but must not
//   swallow the error either (a throwing callback among several, a batch's second error).
// - `atTurnEnd(callback)`: runs a callback once when the current event-loop turn ends (the
//   turn counter's immediate, shared with the cooperative budget): the ready queue's fallback.
// - `watchLostWake`, `unwatchLostWake`, `reportLostWake`: lost-wake detection (a waiter
//   nothing can wake any more, because the handles that could were garbage-collected).
//
// Example (a minimal event: `wait()` parks until `set()`):
//   const waiters = new WaitList<void>();
//   const wait = (options?: WaitOptions) =>
//     checkCancelled(options) ?? parkIn(waiters, new WaitNode<void>(), 'Event.wait', options);
//   const set = () => { for (const node of waiters.drain()) node.waiter!.wake(undefined); };
import { parkTarget, throwIfCancelled } from './park.js';
import { ReusableWaiter } from './park.js';
export { parkEntry, unparkEntry, currentParkTask, lastParked, parkEntryIn, parkedAfter, parkedOn, ReusableWaiter, settleLater, thenParksOwnWait } from './park.js';
export type { ParkEntry, ParkedTask } from './park.js';
import type { WaitOptions, Waiter } from './park.js';
import { describe } from './internal/describe.js';
import { frameStore as frameStoreOf } from './internal/context.js';
import { coopOrCancelledSlow, spentAtOnce as spentAtOnceOf } from './coop.js';
export { readyNow, refundNow } from './coop.js';
export { atTurnEnd, callInContext, captureThenContext, currentEpoch, jobsRunInQueuingContext } from './internal/context.js';
export type { CapturedContext } from './internal/context.js';
import { Handle, type SpawnOptions } from './handle.js';
import { taskOfHandle, type JoinHandle } from './join-handle.js';

export { describe };

// Module-local copies of imports read on every ready operation (`readyOrCancelled`): TurboFan folds a module's own `const` to its
// value (a call's target to a known function), but reads an imported binding through its module
// cell with a TDZ check each time (issue 16, TCP echo: @rt/net's README, pass eu30).
const frameStore = frameStoreOf;
const spentAtOnce = spentAtOnceOf;
export { reportLostWake, unwatchLostWake, watchLostWake } from './internal/instrument.js';
export { rejectThrough } from './internal/reject-through.js';
export { keepThenAlone } from './internal/then-alone.js';
export { reportLater } from './internal/report.js';

/** A shared, already-resolved promise: the fast path of a `Promise<void>` method allocates nothing. */
export { RESOLVED } from './internal/core.js';
/** A shared promise of `undefined`, as {@link RESOLVED}. */
export const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

/**
 * One parked operation in a {@link WaitList}: the list's links, the operation's `waiter`,
 * and what it asks for (`need`: slots, permits) and brings (`payload`, e.g. the value of a
 * `send` that waits for capacity; `hasPayload` tells an `undefined` payload from none), so
 * a hand-off can complete the whole operation while the waker still holds the state.
 * Primitives that need more per node subclass it.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const node = new WaitNode<number>(2); // asks for two permits
 * ```
 */
export class WaitNode<T> {
  prev: WaitNode<T> | undefined = undefined;
  next: WaitNode<T> | undefined = undefined;
  /** True while the node is in a list. */
  linked = false;
  /** Set by {@link parkIn}: the parked operation to wake or fail. */
  waiter: Waiter<T> | undefined = undefined;
  /** @internal Set by {@link parkIn}: the list a cancellation unlinks the node from, and what runs after. */
  list: WaitList<T, WaitNode<T>> | undefined = undefined;
  /** @internal */
  afterCancel: ((node: WaitNode<T>, wasHead: boolean) => void) | undefined = undefined;

  constructor(
    public need = 1,
    public payload: unknown = undefined,
    public hasPayload = false,
  ) {}

  /** @internal The node's waiter was cancelled (see {@link parkIn}): leave the list, then `afterCancel`. */
  waiterCancelled(): void {
    const list = this.list!;
    const wasHead = list.head === this;
    list.remove(this);
    if (this.afterCancel !== undefined) this.afterCancel(this, wasHead);
  }
}

/**
 * A {@link WaitNode} with its own {@link ReusableWaiter}, for a primitive whose one consumer
 * parks one operation at a time (a channel's receiver, a watch receiver): made at the first
 * park and reused from one park to the next, so a park allocates only its promise. A
 * cancellation (task abort) unlinks the node from `list` synchronously, before the promise
 * rejects; a wake that came first wins. An operation with options, or a second one while the
 * node is parked, parks a fresh node with {@link parkIn} instead.
 *
 * **Cancellation:** as {@link ReusableWaiter.park}.
 *
 * **Errors:** {@link ReusableNode.parkIn} returns a rejected promise (`Cancelled`) when the
 * current task was aborted, linking nothing.
 *
 * **Example**
 * ```ts
 * this.node ??= new ReusableNode<T>(this.waiters, 'Receiver.recv');
 * if (options === undefined && this.node.reusable.settled) return this.node.parkIn(this.waiters);
 * return parkIn(this.waiters, new WaitNode<T>(), 'Receiver.recv', options);
 * ```
 */
export class ReusableNode<T> extends WaitNode<T> {
  readonly reusable: ReusableWaiter<T>;

  constructor(list: WaitList<T>, label: string, payload: unknown = undefined, hasPayload = false) {
    super(1, payload, hasPayload);
    this.reusable = new ReusableWaiter<T>(label, () => list.remove(this));
    this.waiter = this.reusable;
  }

  /** Parks the node (it must be free: `reusable.settled`) at the end of `list`. */
  parkIn(list: WaitList<T>): Promise<T> {
    let promise: Promise<T>;
    try {
      promise = this.reusable.park(); // throws Cancelled (and links nothing) if the task was aborted
    } catch (error) {
      return Promise.reject(error);
    }
    list.push(this);
    return promise;
  }
}

/**
 * A FIFO of parked operations: an intrusive doubly linked list of {@link WaitNode}s with
 * O(1) `push`, `shift`, `pop` and `remove` (a cancelled node leaves at once, wherever it
 * is). `N` is the node type, for primitives whose nodes carry more.
 *
 * **Cancellation:** not applicable (no waits of its own; see {@link parkIn}).
 *
 * **Errors:** none: removing a node that is not linked does nothing.
 *
 * **Example**
 * ```ts
 * const list = new WaitList<void>();
 * const node = new WaitNode<void>();
 * list.push(node);
 * list.remove(node); // O(1)
 * ```
 */
export class WaitList<T, N extends WaitNode<T> = WaitNode<T>> {
  head: N | undefined = undefined;
  tail: N | undefined = undefined;
  length = 0;

  /** Links `node` at the end. */
  push(node: N): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    node.linked = true;
    this.length++;
  }

  /** Unlinks and returns the first node. */
  shift(): N | undefined {
    const node = this.head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Unlinks and returns the last node. */
  pop(): N | undefined {
    const node = this.tail;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Unlinks `node`; does nothing if it is not linked. */
  remove(node: N): void {
    if (node.linked !== true) return;
    if (node.prev === undefined) this.head = node.next as N | undefined;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev as N | undefined;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    node.linked = false;
    this.length--;
  }

  /**
   * Unlinks the node parked with `waiter` (the first, searching from the head) and returns
   * it: for a primitive that parks with one shared cancel callback (`park(label, onCancel)`,
   * no closure per park) on a hot path. O(position): the cancelled node is almost always
   * near the head. Prefer {@link parkIn} (O(1)) elsewhere.
   */
  removeWaiter(waiter: Waiter<T>): N | undefined {
    for (let node = this.head; node !== undefined; node = node.next as N | undefined) {
      if (node.waiter === waiter) {
        this.remove(node);
        return node;
      }
    }
    return undefined;
  }

  /** Empties the list and returns its former nodes in order (for close, notify-all). */
  drain(): N[] {
    const out: N[] = [];
    let node = this.head;
    while (node !== undefined) {
      const next = node.next as N | undefined;
      node.prev = node.next = undefined;
      node.linked = false;
      out.push(node);
      node = next;
    }
    this.head = this.tail = undefined;
    this.length = 0;
    return out;
  }
}

/**
 * The cancellation of the current task or of `options.signal` as a rejected promise
 * (`Cancelled`), else `undefined`: the one way an rt method that returns a promise reports
 * an abort that happened before it started, without throwing synchronously.
 *
 * **Cancellation:** this is the check.
 *
 * **Errors:** none thrown; the returned promise rejects with `Cancelled`.
 *
 * **Example**
 * ```ts
 * recv(options?: WaitOptions): Promise<T> {
 *   return checkCancelled(options) ?? this.#recvSlow(options);
 * }
 * ```
 */
export function checkCancelled(options: WaitOptions | undefined): Promise<never> | undefined {
  if (options === undefined && frameStore()?.task?.cancelRequested !== true) return undefined;
  try {
    throwIfCancelled(options);
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * `method.apply(self, args)` once `y` settles (a forced yield of the cooperative budget, or the
 * `Cancelled` rejection {@link readyOrCancelled} returns, which then rejects without calling it):
 * the retry of an operation that found it could complete at once but had to yield first. Write
 * the retry with this, not as `y.then(() => this.op(a, b))` in the method: an arrow capturing
 * the method's parameters makes V8 allocate the method's context on every call, the ready path's
 * too, once the retry has run once (issue 16: 64 B per mpsc `send`, 60–90 B per ready socket
 * read). Here the arguments' array and the closure are made only when a retry happens.
 *
 * **Errors:** what `y` rejects with, or what `method` throws or rejects with.
 */
export function retryAfter<S, A extends unknown[], R>(y: Promise<void>, self: S, method: (this: S, ...args: A) => R, ...args: A): Promise<Awaited<R>> {
  return y.then(() => method.apply(self, args)) as Promise<Awaited<R>>;
}

/**
 * The check an operation that can complete at once makes first: the cooperative budget and
 * the cancellation (of the current task or `options.signal`) in one look at the current task
 * (`coopOrCancelled`), never throwing. `undefined` when the operation may complete now;
 * otherwise a promise to wait on before trying again: the forced yield of a spent budget, or a
 * rejected one (`Cancelled`) when the task or the signal was aborted, so `ready.then(retry)`
 * rejects without retrying. (On Node 24 the current task is an AsyncLocalStorage read: one
 * instead of two per operation is ~12% of an mpsc send + recv between two tasks.)
 *
 * **Cancellation:** checked, not waited on.
 *
 * **Errors:** none thrown; `Cancelled` becomes the returned promise's rejection.
 *
 * Retry with {@link retryAfter}, not with an arrow function in the method (see there).
 *
 * **Example**
 * ```ts
 * trySend(value: T, options?: WaitOptions): Promise<void> {
 *   const y = readyOrCancelled(options);
 *   return y !== undefined ? retryAfter(y, this, this.trySend, value, options) : this.#push(value);
 * }
 * ```
 */
export function readyOrCancelled(options: WaitOptions | undefined): Promise<void> | undefined {
  // coopOrCancelled written out, its common case first (small enough to be inlined: see spentAtOnce).
  const frame = frameStore();
  if (spentAtOnce(frame, options)) return undefined;
  try {
    return coopOrCancelledSlow(frame, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Whether `value` is a thenable as `await` and promise resolution see one: an object or a
 * function with a callable `then`.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** what a `then` getter throws.
 *
 * **Example**
 * ```ts
 * if (!isThenable(result)) return finish(result); // a plain value: no job, no promise
 * ```
 */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * `spawn` in two steps, for a caller that must record the task's handle before the task's code
 * runs and that wants that code run at once (the http server's request tasks: the handler's
 * `ctx.taskId` and the connection's abort need the handle; a handler that answers at once then
 * costs no run-queue microtask, no yield and no join). `spawnUnstarted(fn, options)` makes the task
 * on the current runtime (live, counted, `'scheduled'` in `dump()`) without queueing it; it must
 * be followed, in the same synchronous code, by {@link startNow}. Aborting it before then
 * finishes it as cancelled, as a queued task.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** as `spawn`: `TypeError` for a non-function or bad options, `RuntimeShutdown`.
 *
 * **Example**
 * ```ts
 * const task = spawnUnstarted(() => handler(request), { name: 'request' });
 * request.task = task; // before the handler can look
 * startNow(task);
 * ```
 */
export function spawnUnstarted<T>(fn: () => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<Awaited<T>> {
  return Handle.current().spawnUnstarted(fn, options);
}

/**
 * Starts a task made by {@link spawnUnstarted} now: its function runs synchronously, inside the
 * caller's code, as the current task, in the async context a queued task would have captured
 * (the caller's; where anything may keep values there, inside an AsyncResource of its own, as
 * a queued task), before this returns; it goes on from its first `await` as any task. This saves
 * the run queue's microtask; it changes only *when* the task starts (before tasks queued
 * earlier that have not started yet). Where the run queue's rules need the queue, the task is
 * queued exactly as `spawn` queues it, and starts on a later microtask: when the event-loop
 * turn's event interval is used up (a start here counts against it), or when an instrumented
 * runtime times segments. A task aborted before this call is left finished. Returns whether
 * the task started here.
 *
 * **Cancellation:** not applicable (synchronous; abort the task through its handle).
 *
 * **Errors:** none of its own: what the task's function throws is the task's panic, as always.
 *
 * **Example**
 * ```ts
 * if (!startNow(task)) await RESOLVED; // queued: give the run queue its microtask
 * ```
 */
export function startNow(handle: JoinHandle<unknown>): boolean {
  const task = taskOfHandle(handle);
  return task.core.startNow(task);
}

/**
 * Runs `step` (a function that parks or starts an operation and returns its promise) and
 * turns a synchronous throw — `Cancelled` from `park`/`throwIfCancelled`, a closed
 * resource — into a rejected promise, so the method never throws synchronously.
 *
 * **Cancellation:** as `step`.
 *
 * **Errors:** none thrown; what `step` throws becomes the rejection.
 *
 * **Example**
 * ```ts
 * read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
 *   return tryPark(() => this.#parkReader(buf, options));
 * }
 * ```
 */
export function tryPark<T>(step: () => Promise<T>): Promise<T> {
  try {
    return step();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Parks `node` at the end of `list` until a waker calls `node.waiter.wake(value)` (or
 * `fail`). On cancellation the node leaves the list, then `afterCancel` runs with it
 * (and whether it was the head), synchronously, before the promise rejects with
 * `Cancelled`. An operation cancelled before it parks rejects at once (never throws).
 *
 * **Cancellation:** the node is removed synchronously, so a waker never hands a value or a
 * permit to a cancelled operation: nothing is lost.
 *
 * **Errors:** the promise rejects with `Cancelled`, or with what the waker fails it with.
 *
 * **Example**
 * ```ts
 * const value = await parkIn(this.#receivers, new WaitNode<T>(), 'Receiver.recv', options);
 * ```
 */
export function parkIn<T, N extends WaitNode<T>>(
  list: WaitList<T, N>,
  node: N,
  label: string,
  options: WaitOptions | undefined,
  afterCancel?: (node: N, wasHead: boolean) => void,
): Promise<T> {
  // The node is its waiter's cancel target (WaitNode.waiterCancelled): no closure and no
  // `{ waiter, promise }` pair per park.
  let promise: Promise<T>;
  node.list = list as unknown as WaitList<T, WaitNode<T>>;
  node.afterCancel = afterCancel as ((node: WaitNode<T>, wasHead: boolean) => void) | undefined;
  try {
    promise = parkTarget<T>(label, node, options);
  } catch (error) {
    return Promise.reject(error);
  }
  list.push(node);
  return promise;
}

/**
 * {@link parkIn} with a fresh node that asks for one and brings nothing.
 *
 * **Cancellation:** as {@link parkIn}. **Errors:** as {@link parkIn}.
 *
 * **Example**
 * ```ts
 * await parkSimple(this.#waiters, 'Notify.notified', options);
 * ```
 */
export function parkSimple<T>(list: WaitList<T>, label: string, options: WaitOptions | undefined): Promise<T> {
  return parkIn(list, new WaitNode<T>(), label, options);
}

/**
 * Checks that `n` is an integer in [`min`, `max`] and throws a `RangeError` naming `name`
 * and the value otherwise.
 *
 * **Cancellation:** not applicable. **Errors:** `RangeError`.
 *
 * **Example**
 * ```ts
 * checkCount('Semaphore: permits', permits, 0);
 * ```
 */
export function checkCount(name: string, n: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${describe(n)}`);
  }
}

/**
 * Checks that `fn` is a function and throws a `TypeError` naming `name` and the value
 * otherwise.
 *
 * **Cancellation:** not applicable. **Errors:** `TypeError`.
 *
 * **Example**
 * ```ts
 * checkFunction('spawn(fn): fn', fn);
 * ```
 */
export function checkFunction(name: string, fn: unknown): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') throw new TypeError(`${name} must be a function, got ${describe(fn)}`);
}

