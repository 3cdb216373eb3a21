import { AbortHandle } from './abort-handle.js';
import { parkTarget as parkTargetOf, thenParksOwnWait, throwIfCancelled, type WaitOptions } from './park.js';
import { frameStore as frameStoreOf, storage } from './internal/context.js';
import { describe } from './internal/describe.js';
import { dropSegment, markUntimed, onTimingSegments, segmentCount } from './internal/instrument.js';
import { FINISHED as FINISHEDOf, InsideJoin, Task, nativeThen } from './internal/task.js';
import { keepThenAlone } from './internal/then-alone.js';

// Module-local copies of imports read at every join: an imported binding is read through its module
// cell with a TDZ check each time (issue 16: @rt/net's README, pass eu30; the scheduler's README, pass lc31).
const FINISHED = FINISHEDOf;
const frameStore = frameStoreOf;
const parkTarget = parkTargetOf;

/**
 * Waits for `task`: a plain promise outside tasks (without a signal), a parked (abortable)
 * wait inside one or with a signal.
 */
function joinTask(task: Task, options?: WaitOptions, current: Task | undefined = frameStore()?.task): Promise<unknown> {
  task.observed = true;
  if (options === undefined && current === undefined) return task.completionPromise();
  try {
    if (task.state === FINISHED) {
      // No look-up of the current task again unless there may be something to throw.
      if (options !== undefined || current!.cancelRequested) throwIfCancelled(options);
      return task.completionPromise();
    }
    const join = new InsideJoin(task);
    const promise = parkTarget<unknown>(`JoinHandle(task ${task.id})`, join, options);
    task.addJoin(join);
    return promise;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `then` while segments are timed (defined in JoinHandle's static block). */
let instrumentedThen: (this: JoinHandle<unknown>, onfulfilled: unknown, onrejected: unknown) => Promise<unknown>;
/** The `then` accessor while segments are timed (see the end of this file). */
let readThen: (this: JoinHandle<unknown>) => typeof instrumentedThen;
/**
 * The task of the JoinHandle whose `then` was read last (until the next call), null when it was
 * read from the prototype itself (only user code does that), and `segmentCount()` then.
 */
let thenReadFrom: Task | null | undefined;
/** The task behind a handle (for `startNow` in primitives.ts): the handle itself, which is its task's record. */
export function taskOfHandle(handle: JoinHandle<unknown>): Task {
  return handle;
}
let thenReadAt = 0;

/**
 * An owned permission to join a task: await it for the task's value, or abort the task.
 *
 * Awaiting resolves with the value the task returned, or rejects with a `JoinError`:
 * `isCancelled()` if it was aborted (or let a `Cancelled` escape), `isPanic()` with the thrown
 * value as `cause` if it threw. A handle may be awaited any number of times. Dropping the
 * handle does not stop the task (it is detached); an error nobody awaits is reported according
 * to the runtime's `unhandledError` setting.
 *
 * **Cancellation:** awaiting a JoinHandle inside a task is an rt await point: aborting the
 * *awaiting* task rejects the await with `Cancelled` and leaves the joined task running (the
 * result stays available to later awaits).
 *
 * **Errors:** `JoinError` as above; `Cancelled` when the awaiting task is aborted.
 *
 * **Example**
 * ```ts
 * const handle = spawn(async () => 6 * 7);
 * console.log(await handle); // 42
 * ```
 */
export class JoinHandle<T> extends Task implements PromiseLike<T> {
  // The handle is its task's record (no second object per spawn: issue 16): the record's
  // members are internal (`Task` in internal/task.ts); its id and name are the handle's.

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const current = frameStore()?.task;
    if (current === undefined) return this.thenFromOutside(onfulfilled, onrejected) as Promise<R1 | R2>;
    // A finished task joined from a task that is not aborted (in a loop of `await handle`, nearly
    // every join): what `joinTask` does then, without its checks for options and a parked join.
    if (this.state === FINISHED && !current.cancelRequested) return this.thenFinished(onfulfilled, onrejected) as Promise<R1 | R2>;
    return (joinTask(this, undefined, current) as Promise<T>).then(onfulfilled, onrejected);
  }

  /**
   * Waits for the task like `await handle`, but gives up when `options.signal` aborts.
   *
   * **Cancellation:** cancel-safe: giving up leaves the task running and its result available
   * to later joins.
   *
   * **Errors:** the task's `JoinError`; `Cancelled` when the signal or the awaiting task aborts.
   *
   * **Example**
   * ```ts
   * const value = await handle.join({ signal: AbortSignal.timeout(1000) });
   * ```
   */
  join(options?: WaitOptions): Promise<T> {
    return joinTask(this, options) as Promise<T>;
  }

  /** Same as `then(undefined, onrejected)`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /**
   * Aborts the task: its current or next rt await point rejects with `Cancelled`, its signal
   * aborts, and awaiting the handle then rejects with a cancelled `JoinError`. A task not yet
   * started never runs. No effect on a finished task, or on a `spawnBlocking` job that has
   * already started (as in Tokio).
   */
  override abort(reason?: unknown): void {
    super.abort(reason);
  }

  /** True once the task has returned, thrown or been cancelled. Never waits. */
  isFinished(): boolean {
    return this.state === FINISHED;
  }

  /**
   * Calls `callback` once the task has finished (returned, thrown or been cancelled, also
   * when aborted before it ever started), or at once if it already has. It does not join:
   * the value or error stays with the handle, and a panic nobody joins is still reported as
   * unhandled. Each callback runs once, synchronously, when the task finishes; for
   * bookkeeping such as `TaskTracker`'s count, where awaiting the handle would observe the
   * task's error.
   *
   * **Cancellation:** not applicable (no wait; a callback cannot be removed).
   *
   * **Errors:** `TypeError` if `callback` is not a function; an exception thrown by the
   * callback does not disturb the task or the other callbacks: it is rethrown on its own, in
   * a microtask (an uncaught exception).
   *
   * **Example**
   * ```ts
   * let running = 0;
   * const handle = spawn(work);
   * running++;
   * handle.onFinished(() => running--);
   * ```
   */
  onFinished(callback: () => void): void {
    if (typeof callback !== 'function') throw new TypeError(`JoinHandle.onFinished(callback): callback must be a function, got ${describe(callback)}`);
    this.watchFinish(callback);
  }

  /** What `util.inspect` (and `console.log`) shows: the id and name, not the task's record. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `JoinHandle { id: ${this.id}${this.name === undefined ? '' : `, name: ${JSON.stringify(this.name)}`} }`;
  }

  /**
   * What `JSON.stringify` writes: `{ id }`, or `{ id, name }` for a named task. The handle is
   * its task's record, whose fields point back into the runtime (a cycle): without this,
   * stringifying a handle, or a log object holding one, would throw.
   */
  toJSON(): { id: number; name?: string } {
    return this.name === undefined ? { id: this.id } : { id: this.id, name: this.name };
  }

  /** A handle that can abort the task (and ask whether it finished) but not join it. */
  abortHandle(): AbortHandle {
    return new AbortHandle(this);
  }

  static {
    readThen = function then(this: JoinHandle<unknown>) {
      // `handlePrototype`, not `JoinHandle.prototype`: a class's `prototype` read is a LoadIC
      // miss in optimized code (LoadIC_FunctionPrototype, ~50 instructions per `await handle`).
      thenReadFrom = this !== handlePrototype && this instanceof JoinHandle ? this : null; // null: read from the prototype itself
      thenReadAt = segmentCount();
      return instrumentedThen;
    };
    instrumentedThen = function then(this: JoinHandle<unknown>, onfulfilled: unknown, onrejected: unknown): Promise<unknown> {
      const current = storage.getStore()?.task;
      if (current === undefined) return this.thenFromOutside(onfulfilled, onrejected);
      // Read from this handle in this segment, just before: a call of user code
      // (`handle.then(cb)`, `finally`), timed as usual.
      const readHere = (thenReadFrom === this || thenReadFrom === null) && thenReadAt === segmentCount();
      thenReadFrom = undefined;
      if (readHere || typeof onfulfilled !== 'function' || typeof onrejected !== 'function') {
        return nativeThen.call(joinTask(this, undefined, current), onfulfilled as never, onrejected as never);
      }
      // Read in an earlier segment and called now: the engine's thenable job (see
      // the end of this file), which runs nothing but this call. As in Tokio, where
      // `handle.await` is part of the poll of the task that awaits it, neither this job nor
      // the reaction that passes the outcome on to the await (`onfulfilled`/`onrejected` are
      // the engine's resolving functions) is a poll: the awaiting task's next poll is its
      // continuation after the await.
      if (this.state === FINISHED && !current.cancelRequested) {
        // The task has finished: the await's promise is settled here, through the resolving
        // functions the engine passed, instead of by a reaction of a settled promise a
        // microtask later (what the plain `then` does: it cannot tell the engine's call from a
        // user's). The engine ignores what its call of `then` returns.
        dropSegment();
        this.settleNow(onfulfilled as (value: unknown) => void, onrejected as (error: unknown) => void);
        return undefined as unknown as Promise<unknown>;
      }
      const joined = joinTask(this, undefined, current);
      dropSegment();
      const derived = nativeThen.call(joined, onfulfilled as never, onrejected as never) as Promise<unknown>;
      markUntimed(derived);
      return derived;
    };
  }
}

// Each `then` from inside a task is a join of its own (an InsideJoin parked in the awaiting task,
// or none when the task has finished): `timeout(ms, handle)` ends it when the deadline wins (it
// leaves the awaiting task's waits and the joined task's list of joins; the result stays for later
// joins), as Tokio's timeout drops the join. Unmarked, every elapsed `timeout(ms, handle)` on a
// task still running left its join parked until that task finished (pass mt29).
(JoinHandle.prototype as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] = true;

// `then` (and `abort`, whose `super` call needs its place) alone on `JoinHandle.prototype`; the
// handle's other methods one prototype further, between it and the task record's (issue 16, pass
// sj29: on Node 24.22, ~33 instructions less per `await handle`, 198 -> 165 in `GetProperty`; see
// `keepThenAlone`). The drain tells tasks from contexts with `instanceof JoinHandle`: one
// prototype, as `instanceof Task` was before this.
keepThenAlone(JoinHandle.prototype, 'abort');

/**
 * While an instrumented runtime lives in the process (segments are timed), JoinHandle's `then`
 * is an accessor that notes when it was read, so the call can tell who made it. `await handle`
 * (and `Promise.resolve(handle)`, `return handle` in an async function) reads `then` at once but
 * calls it later, in a promise job of its own (the thenable job); user code that calls
 * `handle.then(...)`, directly or through `Promise.prototype.finally`, reads and calls it in
 * one step: so a call is the user's if `then` was read from this handle (or from
 * `JoinHandle.prototype`) in this segment and no `then` call came in between, else the
 * engine's. (Code that keeps the function read from a handle and calls it later, with two
 * functions, in another segment — or calls one handle's `then` on another, `a.then.call(b, f, r)`,
 * or reads it before an `await` in its own arguments — would be taken for the engine: its
 * callbacks would run untimed, and for a finished task at once, inside the call, which then
 * returns undefined (so a `.then` chained on it throws, and a throw of `f` leaves the call): the
 * engine's call gets the outcome without a reaction of its own. Only on an instrumented runtime;
 * the review that found the cross-handle case left it, since reading `then` from any handle in
 * the segment as the user's would make the engine's call slower wherever two tasks' awaits meet
 * in one turn.) Otherwise `then` is the plain
 * method. One class for both (an instrumented
 * runtime's handles were a subclass: its construction went through the engine's generic
 * construct stub, ~180 instructions per spawn, the scheduler README's seventh round); a handle
 * of a runtime that is not instrumented, awaited while another runtime is, takes the
 * accessor's path too, with the same outcome (its task has no segments to time).
 */
const plainThen = Object.getOwnPropertyDescriptor(JoinHandle.prototype, 'then')!;
/** `JoinHandle.prototype`, for `readThen` (see there). */
const handlePrototype: object = JoinHandle.prototype;
onTimingSegments((on) => {
  Object.defineProperty(JoinHandle.prototype, 'then', on ? { configurable: true, enumerable: false, get: readThen } : plainThen);
});
