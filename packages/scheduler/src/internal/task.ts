// A task: the record behind a JoinHandle (every task is made as a JoinHandle, which extends
// this class: one object per spawn), and the root Frame of its own async context.
//
// Life cycle: SCHEDULED (in the runtime's run queue) → RUNNING (its function has been called;
// it is somewhere in its async body) → FINISHED (value or JoinError recorded). An abort sets
// `cancelRequested` and cancels every waiter the task has parked, so the task's current rt
// await point rejects with Cancelled; a task aborted while SCHEDULED never runs.
//
// Joining: code outside a task gets the task's completion promise (created on first demand);
// code inside a task parks a waiter, kept in the task's list of joins, so aborting *that*
// task cancels the join.
import { Cancelled, JoinError, isCancelled } from '../errors.js';
import { EMPTY_BUDGET as EMPTY_BUDGETOf, beginUnstamped, callInContext, captureThenContext, endUnstamped, frameStore as frameStoreOf, runOutsideTasks, storage, type CapturedContext } from './context.js';
import type { CancelTarget, TaskWait } from './waiter.js';
import type { Waiter } from '../park.js';
import type { Core } from './core.js';
import { reportLater } from './report.js';
import { announcingPark, beginFirstSegment, endFirstSegment, markUntimed } from './instrument.js';

// Module-local copies of imports read at every spawn and task end (an imported binding is read
// through its module cell with a TDZ check each time: @rt/net's README, pass eu30).
const EMPTY_BUDGET = EMPTY_BUDGETOf;
const frameStore = frameStoreOf;

// The states, read inside this module through its own constants: an exported binding is a module
// cell even in its own module, read with a TDZ check each time, where TurboFan folds a module's
// own `const` (issue 16: @rt/net's README, pass eu30; this package's README, pass lc31).
const STATE_SCHEDULED = 0;
const STATE_RUNNING = 1;
const STATE_FINISHED = 2;
export const SCHEDULED = STATE_SCHEDULED;
export const RUNNING = STATE_RUNNING;
export const FINISHED = STATE_FINISHED;

let nextTaskId = 1;

// `flags` holds the state (the low two bits) and these bits: one small integer field.
const STATE_MASK = 3;
const CANCEL_REQUESTED = 4;
const OK = 8;
const OBSERVED = 16;
const BLOCKING = 32;
/**
 * The bits above these hold the task's `probeBase` + 1 (0: none): where an instrumented runtime
 * keeps its accounting, in the same small integer (issue 16: 8 B less per task record). Bases
 * below instrument.ts's PROBE_LIMIT (2^24 - 1) fit, so the word stays below 2^30, a small
 * integer on every V8 build.
 */
const PROBE_SHIFT = 6;
const FLAG_MASK = (1 << PROBE_SHIFT) - 1;

/** What few tasks need: kept out of the Task object so a million trivial tasks stay small. */
export class TaskExtra {
  cancelReason: unknown = undefined;
  controller: AbortController | undefined = undefined;
  completion: Promise<unknown> | undefined = undefined;
  resolveCompletion: ((value: unknown) => void) | undefined = undefined;
  rejectCompletion: ((error: unknown) => void) | undefined = undefined;
  onFinish: ((task: Task) => void) | undefined = undefined;
  /** `JoinHandle.onFinished` callbacks (non-joining: they do not mark the result observed). */
  finishWatchers: (() => void)[] | undefined = undefined;
  onAbort: ((task: Task) => void) | undefined = undefined;
  location: string | undefined = undefined;
  /** The name given at spawn, once a TaskExtra exists (before that, `Task.extra` holds the name itself). */
  name: string | undefined = undefined;
  /** The `CurrentTask` view `tryCurrentTask()`/`currentTask()` hand out (one per task, made on demand). */
  view: object | undefined = undefined;
}

/**
 * What a JoinSet member's `member` holds (see join-set.ts), told once when the task finishes.
 * It shares the task's field of joins (`links`): a member is never joined through a handle (the
 * set hands out AbortHandles), so the two never meet, and a class, so the field tells them apart.
 */
export abstract class SetMembership {
  abstract memberFinished(task: Task): void;
}

/**
 * Runs a finish watcher: one that throws must not stop the task's other bookkeeping, so its
 * error is rethrown on its own (an uncaught exception, as from an event listener).
 */
function runWatcher(watcher: () => void): void {
  try {
    watcher();
  } catch (error) {
    reportLater(error);
  }
}

export class Task {
  // The fields are declared here and set in the constructor, in this order, not written as class
  // fields: a class field makes V8 run the class's instance-members initializer inside the
  // constructor, and a JoinHandle (a class derived from this one) was then constructed through the
  // generic construct stub, never inlined into `spawn` (issue 16: measured on Node 24.22, 1M
  // constructions of a 12-field derived class, 45-51 ns with class fields in the base against
  // 14-20 ns with the same fields assigned in its constructor).
  /** @internal */
  declare readonly core: Core;
  /** The task's id, unique among all tasks of the process. */
  declare readonly id: number;
  /** @internal The state (low bits) and the flags above. */
  private declare flags: number;
  /**
   * The task's function while SCHEDULED, then (once FINISHED) its value or JoinError: one
   * field for the two, as a task never needs both (see `fn` and `result`).
   * @internal
   */
  private declare slot: unknown;
  /** @internal The cooperative budget and the turn it was filled in (see Budget in context.ts). */
  declare budget: number;
  /** @internal Head of the list of waiters this task has parked (what dump() shows). */
  declare waitHead: TaskWait | undefined;
  /**
   * @internal While the task is in its runtime's array of linked live tasks, its index there (see
   * `Core.live`); once it has finished (it has left that array), free for its JoinSet, which links
   * its finished, unjoined members through it (the next one, or undefined); else undefined.
   */
  declare liveLink: Task | number | undefined;
  /**
   * The rarely used fields, or only the task's name (a string: a named task with nothing else
   * rare, the usual named task, needs no TaskExtra: `more()` makes one when something else is needed).
   * @internal
   */
  private declare extra: TaskExtra | string | undefined;
  /**
   * Until the task finishes: then() calls from outside any task and the parked joins of tasks,
   * most recent first (no TaskExtra, array or closure per join); undefined once it has finished.
   * For a JoinSet member instead, from its spawn until it leaves the set: its membership (see
   * SetMembership and `member`).
   * @internal
   */
  private declare links: JoinRecord | SetMembership | undefined;

  /** @internal */
  constructor(core: Core, fn: (() => unknown) | undefined, name: string | undefined, kind: 'task' | 'blocking', location: string | undefined) {
    this.core = core;
    this.id = nextTaskId++;
    this.flags = kind === 'blocking' ? BLOCKING | STATE_SCHEDULED : STATE_SCHEDULED;
    this.slot = fn;
    this.budget = EMPTY_BUDGET;
    this.waitHead = undefined;
    this.liveLink = undefined;
    this.extra = name;
    this.links = undefined;
    if (location !== undefined) this.more().location = location;
  }

  /** @internal Where an instrumented runtime keeps this task's accounting (see instrument.ts); -1: nowhere. */
  get probeBase(): number {
    return (this.flags >> PROBE_SHIFT) - 1;
  }
  /** @internal A base in [-1, PROBE_LIMIT) (see instrument.ts). */
  set probeBase(base: number) {
    this.flags = (this.flags & FLAG_MASK) | ((base + 1) << PROBE_SHIFT);
  }

  /** @internal The JoinSet membership while the task belongs to a set (see SetMembership). */
  get member(): SetMembership | undefined {
    const links = this.links;
    return links instanceof SetMembership ? links : undefined;
  }
  /** @internal Set by a JoinSet right after the spawn (no join can exist yet), cleared when the task leaves it. */
  set member(membership: SetMembership | undefined) {
    this.links = membership;
  }

  // Frame: a task is its own root frame (prototype getters: no per-task storage). Not declared
  // with `implements Frame`: these members are @internal, stripped from the published
  // declarations, where the clause would then not hold (the consumer test compiles them); the
  // call sites that pass a task as a Frame (runFrame, storage.run) check the shape.
  /** @internal */
  get task(): Task {
    return this;
  }
  /** @internal */
  get localKey(): undefined {
    return undefined;
  }
  /** @internal */
  get localValue(): undefined {
    return undefined;
  }
  /** @internal */
  get parent(): undefined {
    return undefined;
  }
  /** @internal */
  get unconstrained(): boolean {
    return false;
  }

  /** @internal The rarely used fields (created on first use); a JoinSet links its members through them. */
  more(): TaskExtra {
    const extra = this.extra;
    if (typeof extra === 'object') return extra;
    const made = new TaskExtra();
    made.name = extra;
    this.extra = made;
    return made;
  }

  /** @internal The TaskExtra if one was made (undefined while the task has at most a name). */
  private get rare(): TaskExtra | undefined {
    const extra = this.extra;
    return typeof extra === 'object' ? extra : undefined;
  }

  /** @internal */
  get state(): number {
    return this.flags & STATE_MASK;
  }
  /** @internal */
  set state(state: number) {
    this.flags = (this.flags & ~STATE_MASK) | state;
  }

  /**
   * What runs: the task's function while SCHEDULED (blocking tasks: undefined), else undefined.
   * While RUNNING the slot is empty.
   * @internal
   */
  get fn(): (() => unknown) | undefined {
    return (this.flags & STATE_MASK) === STATE_SCHEDULED ? (this.slot as (() => unknown) | undefined) : undefined;
  }
  /** @internal */
  set fn(fn: (() => unknown) | undefined) {
    // Once finished the slot holds the result: clearing the function must not erase it.
    if ((this.flags & STATE_MASK) !== STATE_FINISHED) this.slot = fn;
  }

  /** @internal The value, or the JoinError, once finished (written just before the state turns FINISHED). */
  private get result(): unknown {
    return this.slot;
  }
  /** @internal */
  private set result(result: unknown) {
    this.slot = result;
  }

  /** @internal */
  private flag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** @internal */
  get kind(): 'task' | 'blocking' {
    return (this.flags & BLOCKING) !== 0 ? 'blocking' : 'task';
  }
  /** @internal */
  get cancelRequested(): boolean {
    return (this.flags & CANCEL_REQUESTED) !== 0;
  }
  /** @internal */
  get ok(): boolean {
    return (this.flags & OK) !== 0;
  }
  /** @internal Someone asked for the result (then/join/JoinSet): errors are not "unhandled". */
  get observed(): boolean {
    return (this.flags & OBSERVED) !== 0;
  }
  /** @internal */
  set observed(on: boolean) {
    // The bit set directly, not through `flag` (which Node 22's optimizer left a call per join:
    // ~40 instructions per JoinSet member, callgrind).
    this.flags = on ? this.flags | OBSERVED : this.flags & ~OBSERVED;
  }
  /** @internal */
  get value(): unknown {
    return this.ok ? this.result : undefined;
  }
  /** @internal */
  get error(): JoinError | undefined {
    return this.state === STATE_FINISHED && !this.ok ? (this.result as JoinError) : undefined;
  }
  /**
   * Takes the value (when `ok`) or JoinError of a finished task whose one reader (its JoinSet)
   * takes it: returns it and drops it from the task, which may stay referenced a while (a
   * JoinSet's stale member entry) while the result must not. `value`/`error` read undefined
   * afterwards. Only for a FINISHED task.
   * @internal
   */
  takeResult(): unknown {
    const result = this.slot;
    this.slot = undefined;
    return result;
  }
  /** @internal */
  get cancelReason(): unknown {
    return this.rare?.cancelReason;
  }
  /** @internal */
  set cancelReason(reason: unknown) {
    this.more().cancelReason = reason;
  }
  /** @internal */
  get location(): string | undefined {
    return this.rare?.location;
  }
  /** The name given at spawn, if any. */
  get name(): string | undefined {
    const extra = this.extra;
    return typeof extra === 'object' ? extra.name : extra;
  }
  /** @internal Links the parked join of another task (not yet finished: see `joinTask`). */
  addJoin(join: InsideJoin): void {
    join.next = this.links as JoinRecord | undefined;
    this.links = join;
  }
  /** @internal Unlinks a parked join that was cancelled. */
  removeJoin(join: InsideJoin): void {
    if (this.state === STATE_FINISHED) return;
    let previous: JoinRecord | undefined;
    for (let record = this.links as JoinRecord | undefined; record !== undefined; previous = record, record = record.next) {
      if (record !== join) continue;
      if (previous === undefined) this.links = record.next;
      else previous.next = record.next;
      record.next = undefined;
      return;
    }
  }
  /** @internal Called once at finish (JoinSet bookkeeping). */
  get onFinish(): ((task: Task) => void) | undefined {
    return this.rare?.onFinish;
  }
  /** @internal */
  set onFinish(callback: ((task: Task) => void) | undefined) {
    if (callback !== undefined || typeof this.extra === 'object') this.more().onFinish = callback;
  }
  /**
   * Calls `callback` once the task has finished (at once if it has): the non-joining
   * completion hook behind `JoinHandle.onFinished`.
   * @internal
   */
  watchFinish(callback: () => void): void {
    if (this.state === STATE_FINISHED) runWatcher(callback);
    else (this.more().finishWatchers ??= []).push(callback);
  }
  /** @internal A blocking task: called on abort while still queued (the pool removes the job). */
  get onAbort(): ((task: Task) => void) | undefined {
    return this.rare?.onAbort;
  }
  /** @internal */
  set onAbort(callback: ((task: Task) => void) | undefined) {
    if (callback !== undefined || typeof this.extra === 'object') this.more().onAbort = callback;
  }

  /** @internal The task's AbortSignal, created on first use. */
  get signal(): AbortSignal {
    const extra = this.more();
    if (extra.controller === undefined) {
      extra.controller = new AbortController();
      if (this.cancelRequested) extra.controller.abort(extra.cancelReason);
    }
    return extra.controller.signal;
  }

  /** @internal */
  get finished(): boolean {
    return this.state === STATE_FINISHED;
  }

  /** @internal */
  linkWaiter(waiter: TaskWait): void {
    waiter.next = this.waitHead;
    if (this.waitHead !== undefined) this.waitHead.prev = waiter;
    this.waitHead = waiter;
  }

  /**
   * @internal Takes `waiter` out of the task's list of parked waiters (nothing if it is not there).
   * The usual case, the task's one wait, is a few bytecodes here and the rest out of line: this is
   * inlined into every primitive's wake, and the bytecodes it takes there count against TurboFan's
   * inlining budget of the caller (issue 16: the ping-pong over `park()` on Node 24.22 had its park
   * left a call once the inlined wake had used the budget up).
   */
  unlinkWaiter(waiter: TaskWait): void {
    if (waiter.prev === undefined && waiter.next === undefined) {
      if (this.waitHead === waiter) this.waitHead = undefined;
    } else this.unlinkLinked(waiter);
  }

  /** @internal `unlinkWaiter` of a waiter with a neighbour in the list. */
  private unlinkLinked(waiter: TaskWait): void {
    if (waiter.prev !== undefined) waiter.prev.next = waiter.next;
    else if (this.waitHead === waiter) this.waitHead = waiter.next;
    if (waiter.next !== undefined) waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
  }

  /** @internal The labels of the rt primitives this task is parked on, most recent first. */
  waitingOn(): string[] {
    const labels: string[] = [];
    for (let w = this.waitHead; w !== undefined; w = w.next) {
      for (let n = w.waits ?? 1; n > 0; n--) labels.push(w.label);
    }
    return labels;
  }

  /** @internal Requests cancellation: the next (or current) rt await point of the task rejects. */
  abort(reason?: unknown): void {
    if (this.state === STATE_FINISHED || this.cancelRequested) return;
    this.flag(CANCEL_REQUESTED, true);
    const extra = this.more();
    extra.cancelReason = reason ?? new Cancelled(`task ${this.id} was aborted`);
    // Called by an `rt:task:park` subscriber while the task parks (a watchdog on a label): the
    // primitive has not finished parking (its entry may be linked before its own list node, its
    // Sleep before its timer group), so its entries are cancelled on a microtask, once it has.
    if (announcingPark === this) {
      queueMicrotask(() => this.cancelParked());
      return;
    }
    this.cancelParked();
  }

  /**
   * Aborts the task's signal and cancels every parked entry, even if a primitive's onCancel
   * throws; the first such error is rethrown afterwards (to the caller of abort()). An entry
   * whose cancel leaves it parked breaks the entries' contract: it is unlinked here and an
   * error names it, instead of the loop spinning on it.
   */
  private cancelParked(): void {
    const extra = this.more();
    const reason = extra.cancelReason;
    extra.controller?.abort(reason);
    let failure: { error: unknown } | undefined;
    for (let w = this.waitHead; w !== undefined; w = this.waitHead) {
      try {
        w.cancel(reason);
      } catch (error) {
        failure ??= { error };
      }
      if (this.waitHead === w) {
        this.unlinkWaiter(w);
        failure ??= { error: new Error(`task ${this.id}: cancelling ${w.label} left it parked (an entry's cancel must leave the task's list)`) };
      }
    }
    if (this.state === STATE_SCHEDULED) this.core.abortScheduled(this);
    if (failure !== undefined) throw failure.error;
  }

  /** @internal Runs the task's function (called by the run queue inside the task's context). */
  start(): void {
    if (this.flags >> PROBE_SHIFT === 0) return this.call();
    // Instrumented: the call is the task's first segment (its first poll).
    beginFirstSegment(this);
    try {
      this.call();
    } finally {
      endFirstSegment(this);
    }
  }

  /** @internal */
  private call(): void {
    // SCHEDULED: the slot holds the function (see `fn`); read and cleared directly.
    const fn = this.slot as () => unknown;
    this.slot = undefined;
    this.flags = (this.flags & ~STATE_MASK) | STATE_RUNNING;
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      this.finishError(error);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      if (isNativePromise(result)) {
        const outcome = result.then(taskFulfilled, taskRejected);
        // Recording the outcome is the runtime's work, not a poll of the task (Tokio polls
        // `async { 1 }` once): instrumentation does not time that reaction.
        if (this.flags >> PROBE_SHIFT !== 0) markUntimed(outcome);
      } else void settleWhenDone(this, result as PromiseLike<unknown>);
    } else {
      this.finishValue(result);
    }
  }

  /** @internal */
  finishValue(value: unknown): void {
    if (this.state === STATE_FINISHED) return;
    // The promise the function returned is not kept for a later join (issue 16): a join of a
    // finished task makes a settled promise of the value instead (see `settledPromise`), and
    // the promise dies young, where keeping it in the task made the scavenger copy it with the
    // task until the join (callgrind, Node 24.22, in a task: 5,255 -> 5,021 instructions per
    // spawn + join, garbage collection included; the mutator alone pays ~150 more).
    this.flags |= OK;
    this.result = value;
    this.finish();
  }

  /** @internal Ends the task with a thrown value: a Cancelled escaping means cancelled, else a panic. */
  finishError(error: unknown): void {
    if (this.state === STATE_FINISHED) return;
    this.result = isCancelled(error)
      ? new JoinError('cancelled', this.id, this.cancelRequested ? this.cancelReason : error, this.name)
      : new JoinError('panic', this.id, error, this.name);
    this.finish();
  }

  /** @internal */
  finishCancelled(): void {
    if (this.state === STATE_FINISHED) return;
    this.result = new JoinError('cancelled', this.id, this.cancelReason, this.name);
    this.finish();
  }

  /** @internal */
  private finish(): void {
    // (Every caller has just written the result into the slot: nothing of the function is left.)
    const flags = this.flags;
    this.flags = (flags & ~STATE_MASK) | STATE_FINISHED;
    this.core.taskFinished(this, (flags & STATE_MASK) === STATE_RUNNING);
    // A task with nothing rare, no join or set waiting and a value (the usual short task): done.
    // (The rest out of line, so this much inlines into the outcome reaction: issue 16.)
    if (typeof this.extra !== 'object' && this.links === undefined && (this.flags & OK) !== 0) return;
    this.finishRest();
  }

  /** @internal The rest of `finish`: completion promise, joins, JoinSet, watchers, unhandled panics. */
  private finishRest(): void {
    const extra = this.rare;
    if (extra !== undefined) {
      if (this.ok) extra.resolveCompletion?.(this.result);
      else extra.rejectCompletion?.(this.result);
      extra.resolveCompletion = extra.rejectCompletion = undefined;
    }
    // Parked joins of tasks are woken here, in call order; joins from outside run last.
    let outside: OutsideJoin | OutsideJoin[] | undefined;
    let member: SetMembership | undefined;
    const links = this.links;
    if (links instanceof SetMembership) member = links; // kept until the set lets the task go
    else if (links !== undefined) {
      this.links = undefined;
      outside = wakeJoins(this.ok, this.result, links as JoinRecord);
    }
    if (extra !== undefined) {
      const onFinish = extra.onFinish;
      extra.onFinish = undefined;
      extra.onAbort = undefined;
      onFinish?.(this);
      const watchers = extra.finishWatchers;
      if (watchers !== undefined) {
        extra.finishWatchers = undefined;
        for (const watcher of watchers) runWatcher(watcher);
      }
    }
    member?.memberFinished(this);
    if (outside !== undefined) {
      // The callbacks belong to code outside any task: run them outside this task's context.
      if (storage.getStore() === undefined) settleOutsideJoins(this.ok, this.result, outside);
      else runOutsideTasks(settleOutsideJoins, this.ok, this.result, outside);
    }
    if (!this.ok && !this.observed && (this.result as JoinError).isPanic()) this.core.maybeUnhandled(this);
  }

  /**
   * `then` from outside any task: one promise per call, settled at finish with the callbacks
   * applied (no intermediate completion promise).
   * @internal
   */
  thenFromOutside(onfulfilled: unknown, onrejected: unknown): Promise<unknown> {
    this.observed = true;
    if (this.state === STATE_FINISHED) return this.thenFinished(onfulfilled, onrejected);
    // One shared executor (no closure per call) hands the resolving functions over.
    const promise = new Promise(captureJoinResolvers);
    this.links = new OutsideJoin(onfulfilled, onrejected, this.links as JoinRecord | undefined, joinResolve!, joinReject!, captureThenContext());
    joinResolve = joinReject = undefined;
    return promise;
  }

  /**
   * A settled promise of a FINISHED task's outcome (`Promise.resolve`/`Promise.reject`: a value
   * that is an object with a callable `then`, possible only if it gained one after the task's
   * promise fulfilled, is adopted).
   * @internal
   */
  settledPromise(): Promise<unknown> {
    const value = this.result;
    return this.ok ? Promise.resolve(value) : Promise.reject(value);
  }

  /**
   * Hands a FINISHED task's outcome to a promise's resolving functions at once: what a join
   * through {@link settledPromise} hands them a microtask later (the task is observed). For the engine's thenable job of `await handle` on an instrumented runtime
   * (see join-handle.ts), whose `resolve`/`reject` are the await's own.
   * @internal
   */
  settleNow(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
    this.observed = true;
    const value = this.result;
    if (!this.ok) return reject(value);
    resolve(value);
  }

  /**
   * `settledPromise().then(onfulfilled, onrejected)` of a FINISHED task joined with `then` (the
   * task is observed): the settled promise is only reacted to, never handed out, so a small value
   * the joins before met twice in a row is reacted to on the promise kept for it (see `fulfilledWith`).
   * @internal
   */
  thenFinished(onfulfilled: unknown, onrejected: unknown): Promise<unknown> {
    this.observed = true;
    const value = this.result;
    const settled = (this.flags & OK) !== 0 ? fulfilledWith(value) : Promise.reject(value);
    // Its own `then`, not `nativeThen.call`: TurboFan inlines this one where the join is inlined
    // (callgrind, Node 26.12: ~85 instructions less per join).
    return settled.then(onfulfilled as never, onrejected as never);
  }

  /** @internal A promise of the task's outcome (JoinSet.shutdown, joins of finished tasks). */
  completionPromise(): Promise<unknown> {
    this.observed = true;
    if (this.state === STATE_FINISHED) return this.settledPromise();
    const extra = this.more();
    if (extra.completion === undefined) {
      extra.completion = new Promise((resolve, reject) => {
        extra.resolveCompletion = resolve;
        extra.rejectCompletion = reject;
      });
    }
    return extra.completion;
  }
}

/** One then() call from outside any task, waiting for the task to finish. */
class OutsideJoin {
  constructor(
    readonly onfulfilled: unknown,
    readonly onrejected: unknown,
    public next: JoinRecord | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    /** The async context of the `then` call, its callbacks' (undefined: none but rt's to keep). */
    readonly context: CapturedContext | undefined,
  ) {}
}

/**
 * The parked join of code inside a task (`joinTask`): its own cancel target, so a join
 * allocates this record, the waiter and its promise, and no closure.
 */
export class InsideJoin implements CancelTarget {
  waiter: Waiter<unknown> | undefined = undefined;
  next: JoinRecord | undefined = undefined;

  constructor(readonly task: Task) {}

  waiterCancelled(): void {
    this.task.removeJoin(this);
  }
}

type JoinRecord = OutsideJoin | InsideJoin;

/**
 * Wakes the parked joins of a finished task in call order; returns its joins from outside any
 * task (one, or several in call order), to be settled after the rest of the finish.
 */
function wakeJoins(ok: boolean, result: unknown, last: JoinRecord): OutsideJoin | OutsideJoin[] | undefined {
  if (last.next === undefined) {
    if (!(last instanceof InsideJoin)) return last;
    wakeJoin(ok, result, last);
    return undefined;
  }
  const joins: JoinRecord[] = [];
  for (let join: JoinRecord | undefined = last; join !== undefined; join = join.next) joins.push(join);
  let outside: OutsideJoin[] | undefined;
  for (let i = joins.length - 1; i >= 0; i--) {
    const join = joins[i]!;
    if (join instanceof InsideJoin) wakeJoin(ok, result, join);
    else (outside ??= []).push(join);
  }
  return outside;
}

function wakeJoin(ok: boolean, result: unknown, join: InsideJoin): void {
  const waiter = join.waiter!;
  join.waiter = join.next = undefined;
  if (ok) waiter.wake(result);
  else waiter.fail(result);
}

let joinResolve: ((value: unknown) => void) | undefined;
let joinReject: ((error: unknown) => void) | undefined;
function captureJoinResolvers(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  joinResolve = resolve;
  joinReject = reject;
}

/** Applies then() callbacks registered from outside any task, in call order, as promise reactions would. */
function settleOutsideJoins(ok: boolean, result: unknown, joins: OutsideJoin | OutsideJoin[]): void {
  if (!Array.isArray(joins)) return settleOutsideJoin(ok, result, joins);
  for (const join of joins) settleOutsideJoin(ok, result, join);
}

function settleOutsideJoin(ok: boolean, result: unknown, join: OutsideJoin): void {
  // The callbacks run in the context of their `then` call, not in the finishing task's.
  callInContext(join.context, settleJoin, ok, result, join);
}

function settleJoin(ok: boolean, result: unknown, join: OutsideJoin): void {
  const handler = ok ? join.onfulfilled : join.onrejected;
  if (typeof handler !== 'function') {
    if (ok) join.resolve(result);
    else join.reject(result);
    return;
  }
  try {
    join.resolve((handler as (value: unknown) => unknown)(result));
  } catch (error) {
    join.reject(error);
  }
}

/** The engine's `then` (read here through `promiseThen`, a module's own constant: see the states). */
const promiseThen = Promise.prototype.then;
export const nativeThen = promiseThen;

/**
 * The settled promise a join of a finished task reacts to for a value met before (see
 * `fulfilledWith`): `promise` is fulfilled with `value`; `seen` is the value of the last join
 * that made a promise of its own. Fields of a constant object, not module `let`s (no
 * temporal-dead-zone checks: pass eu29).
 */
const joinCache: { value: unknown; promise: Promise<unknown>; seen: unknown } = { value: undefined, promise: Promise.resolve(undefined), seen: undefined };

/**
 * `Promise.resolve(value)` for a join's reaction (`thenFinished`), without a new promise when
 * `value` is the number, boolean, null or undefined of the promise kept: tasks joined one after
 * another often return the same value (undefined above all), and a settled promise nobody else
 * holds is the same promise for every reaction to it (issue 16: 48 B per join). A value's promise
 * is kept at its second join in a row, not its first, so joins of values that differ each time
 * do not store a new promise into the (old) cache per join. Strings and bigints are not kept (one
 * could be large), objects never (a promise of an object adopts its `then`); `-0` and `0` are
 * told apart. The kept promise is made unstamped (`beginUnstamped`): on the promise hooks (Node
 * 20/22) a stamp is the frame it was made in, and the cache, a module constant, would hold that
 * frame's task (its runtime's core, a task local's value) past the task's end and the runtime's
 * shutdown, until the next value is kept (review rv35). No reaction reads it: `before` reads the
 * stamp of the promise a reaction settles, made by the joiner's own `then`.
 */
function fulfilledWith(value: unknown): Promise<unknown> {
  const cache = joinCache;
  if (value === cache.value && (value !== 0 || 1 / (value as number) === 1 / (cache.value as number))) return cache.promise;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) {
    if (value === cache.seen && (value !== 0 || 1 / (value as number) === 1 / (cache.seen as number))) {
      const frame = beginUnstamped();
      const promise = Promise.resolve(value);
      endUnstamped(frame);
      cache.value = value;
      cache.promise = promise;
      return promise;
    }
    cache.seen = value;
  }
  return Promise.resolve(value);
}

/** A promise of the engine's own, with the engine's `then`: its reactions run in the context they were attached in. */
function isNativePromise(value: object): value is Promise<unknown> {
  return Object.getPrototypeOf(value) === Promise.prototype && (value as Promise<unknown>).then === promiseThen;
}

/**
 * The reactions that record the outcome of a task whose function returned a native promise:
 * two shared functions, no closure, no async function per task. They find their task as the
 * current one, since they were attached inside the task's own context (`start` runs in it,
 * and a promise reaction runs in the context it was attached in, with either storage).
 * Measured on Node 20, 1,000,000 tasks: ~100 B and an engine-made promise less per task than
 * `settleWhenDone`'s async function.
 */
function taskFulfilled(value: unknown): void {
  const task = frameStore() as Task;
  try {
    task.finishValue(value);
  } catch (error) {
    task.finishError(error);
  }
}

function taskRejected(error: unknown): void {
  (frameStore() as Task).finishError(error);
}

/**
 * Records the outcome of an async task function. An async function awaiting a native promise
 * allocates less than `promise.then(onValue, onError)` with two closures (measured on Node 24).
 */
async function settleWhenDone(task: Task, pending: PromiseLike<unknown>): Promise<void> {
  try {
    task.finishValue(await pending);
  } catch (error) {
    task.finishError(error);
  }
}
