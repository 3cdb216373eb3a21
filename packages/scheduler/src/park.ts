// The waiter contract every rt primitive (sync, time, net) parks its operations with, so
// cancellation is written once: a task abort or an operation's own `signal` settles the
// waiter, lets the primitive unlink it synchronously, and rejects the operation with
// Cancelled; a wake that already happened always wins over a later abort.
import { Cancelled } from './errors.js';
import { describe } from './internal/describe.js';
import { ParkedWaiter, parkedWithSignal, settleLater, type CancelTarget, type TaskWait } from './internal/waiter.js';
export { settleLater };
import { emitPark as emitParkOf, emitWake as emitWakeOf, parkChannel as parkChannelOf, wakeChannel as wakeChannelOf } from './internal/instrument.js';
import { beginUnstamped as beginUnstampedOf, endUnstamped as endUnstampedOf, frameStore as frameStoreOf, promiseHooksCarryFrames, refillBudget as refillBudgetOf } from './internal/context.js';
import { rejectThrough } from './internal/reject-through.js';
import type { Task } from './internal/task.js';

// Module-local copies of imports read on every park and wake: TurboFan folds a module's own `const` to its
// value (a call's target to a known function), but reads an imported binding through its module
// cell with a TDZ check each time (issue 16, TCP echo: @rt/net's README, pass eu30).
const frameStore = frameStoreOf;
const beginUnstamped = beginUnstampedOf;
const endUnstamped = endUnstampedOf;
const refillBudget = refillBudgetOf;
const parkChannel = parkChannelOf;
const wakeChannel = wakeChannelOf;
const emitPark = emitParkOf;
const emitWake = emitWakeOf;
// The waiter's class, which `park` constructs (an imported class is a module cell as well).
const NewParkedWaiter = ParkedWaiter;
// This module's own functions that a park calls, as constants too: a function declaration is a
// mutable binding (an export, a module cell), whose call TurboFan guards with a compare of the
// target each time; a `const` is folded (issue 16, pass pk31). Declarations are hoisted, so the
// copies hold them from the start.
const checkSignalOf = checkSignal;
const taskUnlessCancelledOf = taskUnlessCancelled;
const parkWaiterOf = parkWaiter;
const parkEntryInOf = parkEntryIn;

/**
 * Marks an rt thenable whose every `then` parks a wait of its own in the current task, which
 * nobody else can observe (a oneshot `Receiver`: each `then` is a fresh `recv()`; a
 * `JoinHandle`: each `then` is a fresh join), or none. `timeout(ms, work)` (`@rt/time`) around such a
 * thenable ends that wait (its entry's `cancel`) when the deadline wins, as Tokio's `timeout`
 * drops the future it wraps: the wait leaves the task's list, and what comes later (a value sent,
 * the task's result) stays for the next wait instead of going to a promise nobody reads. Set it
 * to `true` on the class's prototype. Only for a thenable whose `then` parks at most one entry,
 * as its last park, which no other `then` shares. A `Notified` qualifies (pass mt29): its first
 * `then` registers its one wait, a later `then` shares it and parks nothing (so `timeout` keeps
 * nothing), and a wait ended before any notification registers anew at the next `then`; a `then`
 * made elsewhere while a `timeout` holds that wait shares it and rejects with `Cancelled` when the
 * deadline wins. Defined here, below every thenable that sets it (the scheduler's `JoinHandle`
 * too); `@rt/time` re-exports it.
 *
 * **Cancellation:** not applicable (a marker). **Errors:** none.
 *
 * **Example**
 * ```ts
 * (Receiver.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;
 * ```
 */
export const thenParksOwnWait: unique symbol = Symbol('rt.thenParksOwnWait');

/**
 * Options every rt async operation accepts.
 *
 * **Cancellation:** `signal` aborting before the operation completes cancels it: the
 * operation rejects with {@link Cancelled} (`cause` is `signal.reason`).
 *
 * **Errors:** a `signal` that is not an `AbortSignal` is a TypeError.
 *
 * **Example**
 * ```ts
 * await mutex.lock({ signal: AbortSignal.timeout(100) });
 * ```
 */
export interface WaitOptions {
  signal?: AbortSignal;
}

/**
 * A parked operation, kept by a primitive in its wait queue and settled exactly once.
 *
 * **Cancellation:** a cancelled waiter is already `settled`; `wake`/`fail` on it return false,
 * and the primitive must then hand the value or permit to the next waiter.
 *
 * **Errors:** `wake`/`fail` never throw.
 *
 * **Example**
 * ```ts
 * const next = queue.shift();
 * if (next !== undefined && !next.wake(value)) { // cancelled meanwhile: try the next one
 * }
 * ```
 */
export interface Waiter<T> {
  /** True once woken, failed or cancelled. */
  readonly settled: boolean;
  /**
   * Resolves the parked promise. Returns false and does nothing if already settled
   * (cancelled): the primitive must then hand the value/permit to the next waiter.
   */
  wake(value: T): boolean;
  /** Rejects the parked promise (e.g. with a Closed error). Same return rule as `wake`. */
  fail(error: unknown): boolean;
}

// The park path's checks keep their rare branches (the throws, a signal) out of line: TurboFan
// inlines a function into its caller only while the caller's inlined bytecode stays within its
// cumulative budget, and a park is inlined into a primitive that has usually inlined its wake
// already (issue 16, sc22: on Node 24.22 `parkWaiter`, with 537 bytecodes of its own inlined, was
// left a call in the ping-pong over park(); callgrind: −2–2.5% per round trip of the park() row on
// Node 20/22, −0.6–1% of the oneshot row on Node 24/26: the scheduler README).
function checkSignal(options: WaitOptions | undefined): AbortSignal | undefined {
  return options === undefined ? undefined : signalOf(options);
}

function signalOf(options: WaitOptions): AbortSignal | undefined {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object like { signal }, got ${describe(options)}`);
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

/**
 * Throws {@link Cancelled} synchronously if the current task has been aborted or
 * `options.signal` is aborted; otherwise does nothing.
 *
 * rt operations that can complete without waiting call it first, so an aborted task stops at
 * them too. Outside a task only `options.signal` counts.
 *
 * **Cancellation:** this is a cancellation point; it never waits.
 *
 * **Errors:** `Cancelled` (`cause`: the abort reason); TypeError for a malformed `options`.
 *
 * **Example**
 * ```ts
 * tryRecv(options) { throwIfCancelled(options); return this.queue.shift(); }
 * ```
 */
export function throwIfCancelled(options?: WaitOptions): void {
  const signal = checkSignalOf(options);
  taskUnlessCancelledOf();
  if (signal !== undefined && signal.aborted) {
    throw new Cancelled('the operation was aborted by its signal', { cause: signal.reason });
  }
}

/**
 * Parks the current operation until a primitive wakes or fails its waiter.
 *
 * `label` is what `dump()` shows the task waiting on (`'Mutex.lock'`, `'mpsc.Receiver.recv'`).
 * If the current task is aborted, or `options.signal` aborts, before the waiter is settled:
 * the waiter becomes settled, `onCancel(waiter, reason)` runs synchronously (the primitive removes
 * the waiter from its queue there), then the promise rejects with {@link Cancelled}. Once
 * `wake` has run, a later abort changes nothing: the value is delivered (the abort is seen at
 * the task's next rt await point). Waking also resets the task's cooperative budget.
 * Works outside any task or runtime: then only `options.signal` cancels. The returned pair is
 * the waiter itself (`pair.waiter === pair`, with its `promise`): one object per park.
 *
 * **Cancellation:** the promise rejects with `Cancelled` only if no wake/fail happened first,
 * so a primitive built on it is cancel-safe when `onCancel` returns what the waiter held. An
 * `onCancel` that returns {@link settleLater} keeps the promise: the waiter has left its task and
 * signal but stays unsettled, and the primitive must settle it soon with `wake` or `fail` (what
 * `timeout`'s function form does when its work may have completed in the abort's synchronous
 * run: its outcome decides until the turn's end; pass rc30). `onCancel`'s second argument is the
 * abort's reason (the task's, a `RuntimeShutdown` at the runtime's shutdown, or the signal's): a
 * `Cancelled` settled later carries it as `cause`, as the one `park` rejects with does (pass rc31).
 *
 * **Errors:** throws `Cancelled` synchronously if already cancelled; TypeError for a
 * malformed `options`. The promise rejects with whatever `fail` is given, or `Cancelled`.
 *
 * **Example**
 * ```ts
 * const { waiter, promise } = park<T>('Channel.recv', (w) => this.waiters.delete(w), options);
 * this.waiters.add(waiter);
 * return promise;
 * ```
 */
export function park<T>(
  label: string,
  onCancel: (waiter: Waiter<T>, reason: unknown) => void,
  options?: WaitOptions,
): { waiter: Waiter<T>; promise: Promise<T> } {
  // The waiter is its own `{ waiter, promise }` pair (`waiter.waiter === waiter`): one object per park.
  return parkWaiterOf<T>(label, onCancel, options);
}

/**
 * @internal `park` for a node that is its own cancel target and keeps its waiter (`parkIn`'s
 * node): the same checks and waiter, without a closure and a `{ waiter, promise }` pair per
 * park. Throws as `park` does; sets `target.waiter` before it returns the promise.
 */
export function parkTarget<T>(label: string, target: CancelTarget & { waiter: Waiter<T> | undefined }, options: WaitOptions | undefined): Promise<T> {
  const waiter = parkWaiterOf<T>(label, target, options);
  target.waiter = waiter;
  return waiter.promise;
}

/** The checks and the waiter of `park`/`parkTarget`: the waiter holds the promise it settles. */
function parkWaiter<T>(label: string, onCancel: ((waiter: ParkedWaiter<T>, reason: unknown) => void | typeof settleLater) | CancelTarget, options: WaitOptions | undefined): ParkedWaiter<T> {
  const signal = checkSignalOf(options);
  // taskUnlessCancelled(), written so that the waiter is made where the task is the frame's own
  // value, not a merge of it with `undefined` (see parkEntry).
  const frame = frameStore();
  if (frame !== undefined) {
    const task = frame.task;
    if (task !== undefined) {
      if (task.cancelRequested) throw taskAborted(task);
      if (signal !== undefined && signal.aborted) throw signalAborted(label, signal);
      return new NewParkedWaiter<T>(label, onCancel, signal, task);
    }
  }
  // Outside any task (a call site TurboFan does not inline while it never runs).
  return parkWaiterOutside<T>(label, onCancel, signal);
}

/** `parkWaiter` outside any task: only the signal can cancel. */
function parkWaiterOutside<T>(label: string, onCancel: ((waiter: ParkedWaiter<T>, reason: unknown) => void | typeof settleLater) | CancelTarget, signal: AbortSignal | undefined): ParkedWaiter<T> {
  if (signal !== undefined && signal.aborted) throw signalAborted(label, signal);
  return new NewParkedWaiter<T>(label, onCancel, signal, undefined);
}

/**
 * A parked operation that is its own record in its task's list of parked operations (see
 * {@link parkEntry}): for a primitive whose pending operation already is an object with its
 * own promise (a timer), so parking it allocates no waiter, closure or promise.
 *
 * **Cancellation:** `cancel(reason)` is called when the task is aborted: the owner must call
 * `unparkEntry(task, entry, 'cancelled')` at once, then reject its wait with `Cancelled`.
 *
 * **Errors:** `cancel` should not throw (an abort rethrows the first error after cancelling
 * every other wait of the task).
 *
 * **Example**
 * ```ts
 * class Wait implements ParkEntry {
 *   prev: ParkEntry | undefined = undefined;
 *   next: ParkEntry | undefined = undefined;
 *   get label() { return 'Gate.wait'; }
 *   cancel(reason: unknown) { unparkEntry(this.task!, this, 'cancelled'); this.reject(new Cancelled('Gate.wait was cancelled', { cause: reason })); }
 * }
 * ```
 */
export interface ParkEntry {
  /** Links in the task's list: owned by the scheduler while the entry is parked. */
  prev: ParkEntry | undefined;
  next: ParkEntry | undefined;
  /** What `dump()` shows the task waiting on. */
  readonly label: string;
  /**
   * How many waits the entry stands for (`dump()` lists `label` that many times; 1 when
   * absent): an entry that groups several operations of one task (see {@link parkEntryIn}).
   */
  readonly waits?: number;
  cancel(reason: unknown): void;
}

/** The task an entry was parked in, as {@link parkEntry} returns it (opaque). */
export interface ParkedTask {
  readonly id: number;
}

/**
 * Parks `entry` in the current task (links it into the task's list of parked operations, so
 * an abort calls `entry.cancel(reason)` and `dump()` shows `entry.label`) and returns the
 * task, to hand to {@link unparkEntry} when the wait ends. Outside any task it links nothing
 * and returns `undefined`. What `park` does, minus the waiter record: the owner keeps its own
 * promise and settles it itself.
 *
 * **Cancellation:** throws `Cancelled` synchronously if the current task has been aborted.
 *
 * **Errors:** `Cancelled` (see above).
 *
 * **Example**
 * ```ts
 * this.task = parkEntry(this);
 * return this.promise;
 * ```
 */
export function parkEntry(entry: ParkEntry): ParkedTask | undefined {
  // taskUnlessCancelled(), written out so that the link reads the task as the frame's own value:
  // through the helper's result, a merge of the task with `undefined`, TurboFan checked the
  // task's map again at the cancel test and at the link (issue 16, pass pk31).
  const frame = frameStore();
  if (frame === undefined) return undefined;
  const task = frame.task;
  if (task === undefined) return undefined;
  if (task.cancelRequested) throw taskAborted(task);
  parkEntryInOf(task, entry);
  return task;
}

/**
 * The current task, for a primitive that chooses how to park in it (see
 * {@link parkEntryIn}); `undefined` outside any task.
 *
 * **Cancellation:** throws `Cancelled` synchronously if the current task has been aborted.
 *
 * **Errors:** `Cancelled` (see above).
 *
 * **Example**
 * ```ts
 * const task = currentParkTask();
 * if (task !== undefined && lastParked(task) instanceof Group) parkEntryIn(task, group, true);
 * ```
 */
export function currentParkTask(): ParkedTask | undefined {
  return taskUnlessCancelledOf();
}

/** The current task, if any; throws `Cancelled` if it was aborted: the check every park and cancellation point makes. */
function taskUnlessCancelled(): Task | undefined {
  const frame = frameStore();
  if (frame === undefined) return undefined;
  const task = frame.task;
  if (task === undefined) return undefined;
  if (task.cancelRequested) throw taskAborted(task);
  return task;
}

/** The error of a park in an aborted task (out of line: see checkSignal). */
function taskAborted(task: Task): Cancelled {
  return new Cancelled(`task ${task.id} was aborted`, { cause: task.cancelReason });
}

/** The error of a second park of a {@link ReusableWaiter} still parked (a bug; out of line: see its `park`). */
function stillParked(label: string): Error {
  return new Error(`ReusableWaiter.park: ${label} is still parked`);
}

/** The error of a park whose signal has aborted (out of line: see checkSignal). */
function signalAborted(label: string, signal: AbortSignal): Cancelled {
  return new Cancelled(`${label} was aborted by its signal`, { cause: signal.reason });
}

/**
 * The entry `parked` linked last into its list of parked operations and still there (its
 * most recent wait), or `undefined`. A primitive that parks many operations at once in one
 * task can then add them to one entry of its own (see {@link parkEntryIn}).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const head = lastParked(task);
 * ```
 */
export function lastParked(parked: ParkedTask): ParkEntry | undefined {
  return (parked as Task).waitHead as ParkEntry | undefined;
}

/**
 * The wait its task parked right after `entry` (its next newer neighbour in the task's list of
 * parked operations) while both are still parked, or `undefined` (none, or `entry` is not parked
 * in a task). `entry` is an entry parked with {@link parkEntry}, or a waiter made by {@link park}
 * (its own entry in its task's list). A task links each new wait as its newest and never between
 * two parked ones, so while `entry` stays parked, a wait once returned here is returned again
 * exactly as long as it is parked itself (an object parked anew after its wait ended, as a
 * `ReusableWaiter` is, can come back: keep this for waits parked once): a primitive that parks `entry`, then calls code that
 * parks one wait of its own in the same task (a oneshot receiver's `then`), finds that wait here
 * and can later tell whether it ended (`parkedAfter(entry) !== kept`). One field read: no task
 * lookup (`currentParkTask()` + {@link lastParked} around the call cost ~200 instructions).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { waiter, promise } = park<T>('time.timeout', onCancel, options);
 * work.then(onValue, onError); // parks the receive
 * const receive = parkedAfter(waiter); // later: parkedAfter(waiter) !== receive once it ended
 * ```
 */
export function parkedAfter(entry: ParkEntry | Waiter<unknown>): ParkEntry | undefined {
  // A waiter of park() is a ParkedWaiter, its own TaskWait; a waiter of another kind has no links.
  return (entry as Partial<TaskWait>).prev as ParkEntry | undefined;
}

/**
 * Whether an operation parked with {@link park} (or a primitive built on it: `parkIn`,
 * `parkSimple`) and `{ signal }` is still parked: `true` while one is; `false` once every such
 * wait has been woken, failed or cancelled; `undefined` if none was ever parked with `signal`. A
 * caller that hands its own signal to code (`timeout`'s function form) can then tell, before it
 * aborts the signal, that the rt waits that code parked with it have all ended: one was woken,
 * and its outcome may be a few microtasks from reaching the caller. Waits that watch a signal
 * themselves (a socket's readiness) are not counted.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const pending = work(controller.signal);
 * // later, before aborting it: false when the work's rt waits were all woken (or failed)
 * if (parkedOn(controller.signal) === false) awaitTheOutcome();
 * ```
 */
export function parkedOn(signal: AbortSignal): boolean | undefined {
  return parkedWithSignal(signal);
}

/**
 * {@link parkEntry} in a task found with {@link currentParkTask}. With `linked` true, `entry`
 * is already in `parked`'s list and now stands for one more wait (its `waits` grew): only the
 * instrumentation hears of the park. End each such wait with
 * `unparkEntry(parked, entry, how, false)`, and the last with `unlink` true.
 *
 * **Cancellation:** not applicable (the task's abort was checked by `currentParkTask`).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * parkEntryIn(task, this.group, true);
 * ```
 */
export function parkEntryIn(parked: ParkedTask, entry: ParkEntry, linked = false): void {
  const task = parked as Task;
  if (!linked) task.linkWaiter(entry as TaskWait);
  if (parkChannel.hasSubscribers) emitPark(task, entry.label);
}

/**
 * Ends the wait of an entry parked with {@link parkEntry}: unlinks it from `task`'s list.
 * `how` says why, as a ParkedWaiter would: `'woken'` (`Waiter.wake`: resets the task's
 * cooperative budget and reports the wake to the instrumentation), `'failed'`
 * (`Waiter.fail`: reports the wake) or `'cancelled'` (from `entry.cancel`). With `unlink`
 * false the entry stays linked: one of the several waits it stands for ended (see
 * {@link parkEntryIn}).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * unparkEntry(this.task, this, 'woken');
 * this.resolve();
 * ```
 */
export function unparkEntry(parked: ParkedTask, entry: ParkEntry, how: 'woken' | 'failed' | 'cancelled', unlink = true): void {
  const task = parked as Task;
  if (unlink) task.unlinkWaiter(entry as TaskWait);
  if (how === 'cancelled') return;
  // Waking from park is a fresh start: the task's budget resets (as `Waiter.wake`).
  if (how === 'woken') refillBudget(task);
  if (wakeChannel.hasSubscribers || task.core.probe !== undefined) emitWake(task, entry.label);
}

/**
 * A waiter reused from one park to the next, for an operation parked over and over by one
 * owner (a socket's read loop parks one read at a time): each {@link ReusableWaiter.park}
 * makes only the promise the caller awaits. The waiter is its own entry in the task's list
 * of parked operations (as {@link parkEntry}), so parking allocates no waiter record, no
 * closure and no `{ waiter, promise }` pair. It has no `signal`: an operation given one
 * parks with {@link park}.
 *
 * Between two parks it is `settled` (woken, failed or cancelled). What it promises is
 * `park`'s: an abort of the task before `wake`/`fail` settles it, calls `onCancel(waiter)`
 * synchronously (the owner unlinks its node there), then rejects with {@link Cancelled}; a
 * wake that came first wins; waking resets the task's cooperative budget.
 *
 * **Cancellation:** as {@link park} (without a signal): cancel safe when `onCancel` returns
 * what the operation held.
 *
 * **Errors:** `park()` throws `Cancelled` synchronously if the current task was already
 * aborted, and `Error` if the waiter is still parked (a bug of its owner).
 *
 * **Example**
 * ```ts
 * const waiter = new ReusableWaiter<number>('Socket.read', () => this.readers.remove(node));
 * node.waiter = waiter;
 * const promise = waiter.park(); // later: waiter.wake(n)
 * ```
 */
export class ReusableWaiter<T> implements Waiter<T>, ParkEntry {
  /** Links in the task's list of parked operations (the scheduler's). */
  prev: ParkEntry | undefined = undefined;
  next: ParkEntry | undefined = undefined;
  settled = true;
  #task: Task | undefined = undefined;
  /** The parked promise's resolve function (a failure rejects through it: see `rejectThrough`). */
  #resolve: ((value: T) => void) | undefined = undefined;

  /**
   * The parked promise's executor, made once per waiter where rt's promise hooks carry the frame
   * (Node 20/22): there V8 calls the `Promise` constructor out of line, so an executor written at
   * the `new Promise` was a closure allocated per park and entered through V8's lazy-compile stub.
   * Elsewhere (Node 24+) undefined: TurboFan inlines the constructor and the executor written there.
   */
  readonly #executor: ((resolve: (value: T) => void) => void) | undefined = promiseHooksCarryFrames
    ? (resolve): void => {
        this.#resolve = resolve;
      }
    : undefined;

  constructor(
    readonly label: string,
    private readonly onCancel: (waiter: ReusableWaiter<T>) => void,
  ) {}

  /** The task parked on this waiter now, if any (what a lost-wake report names, as `ParkedWaiter.task`). */
  get task(): ParkedTask | undefined {
    return this.#task;
  }

  /** Parks the current operation (see the class); returns the promise to hand to the caller. */
  park(): Promise<T> {
    if (this.settled !== true) throw stillParked(this.label);
    // What parkEntry(this) does, written out (a socket's read loop parks here once per read: on
    // Node 20 TurboFan left taskUnlessCancelled and parkEntryIn as calls; measured with the wake's
    // below, TCP echo under callgrind: ~100 instructions per message): throws Cancelled (before
    // anything is made) if the task was aborted; links this entry. The task is read as the frame's
    // own value and tested and linked in that branch, as parkEntry does: through `frameStore()?.task`,
    // a merge of the task with `undefined`, TurboFan checked the task's map again at the cancel test
    // and at the link (issue 16, passes pk31 and ec32). Outside any task nothing links, and `#task`
    // stays undefined (it is undefined whenever the waiter is settled: `#end` clears it).
    const store = frameStore();
    if (store !== undefined) {
      const task = store.task;
      if (task !== undefined) {
        if (task.cancelRequested) throw taskAborted(task);
        // task.linkWaiter(this), written out (with the executor below, TurboFan left it a call on Node 20).
        const head = task.waitHead;
        this.next = head;
        if (head !== undefined) head.prev = this;
        task.waitHead = this;
        if (parkChannel.hasSubscribers) emitPark(task, this.label);
        this.#task = task;
      }
    }
    // Made unstamped (see beginUnstamped: the caller's `await` makes the promise whose stamp counts).
    const frame = beginUnstamped();
    const executor = this.#executor;
    const promise = executor !== undefined ? new Promise<T>(executor) : this.#promiseWithInlineExecutor();
    endUnstamped(frame);
    this.settled = false;
    return promise;
  }

  /**
   * The parked promise with its executor written at the `new Promise` (Node 24+: TurboFan inlines
   * both and allocates no closure; see ParkedWaiter). A method of its own, so that `park` captures
   * no `this` in a closure (no function context per call): with its two errors made out of line,
   * `park` is 186 bytes of bytecode instead of 273, and TurboFan then inlines the read loop's list
   * push and baton pass after it too (issue 16: TCP echo, Node 20, −73 instructions per message).
   */
  #promiseWithInlineExecutor(): Promise<T> {
    return new Promise<T>((resolve) => {
      this.#resolve = resolve;
    });
  }

  // wake/fail take the parked promise's resolve before `#end`: `#end` publishes the wake
  // (rt:task:wake), and a subscriber may park this waiter again (its owner's next operation) in
  // there, which replaces `#resolve` (review rv37: that park's promise took this value, and this
  // one never settled).
  wake(value: T): boolean {
    if (this.settled) return false;
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    // Waking from park is a fresh start: unparkEntry resets the task's budget (as ParkedWaiter.wake).
    this.#end('woken');
    resolve(value);
    return true;
  }

  fail(error: unknown): boolean {
    if (this.settled) return false;
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    this.#end('failed');
    rejectThrough(resolve, error);
    return true;
  }

  /** Settles and leaves the task's list (see {@link unparkEntry} for what `how` does there). */
  #end(how: 'woken' | 'failed' | 'cancelled'): void {
    this.settled = true;
    const task = this.#task;
    if (task !== undefined) {
      this.#task = undefined;
      // unparkEntry(task, this, how), written out (see park).
      task.unlinkWaiter(this);
      if (how === 'cancelled') return;
      if (how === 'woken') refillBudget(task);
      if (wakeChannel.hasSubscribers || task.core.probe !== undefined) emitWake(task, this.label);
    }
  }

  /** The task was aborted (the scheduler calls it, as for every {@link ParkEntry}): settle, let the owner unlink, reject. */
  cancel(reason: unknown): void {
    if (this.settled) return;
    this.#end('cancelled');
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    try {
      this.onCancel(this);
    } finally {
      rejectThrough(resolve, new Cancelled(`${this.label} was cancelled`, { cause: reason }));
    }
  }
}
