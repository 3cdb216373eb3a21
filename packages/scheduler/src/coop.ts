// Cooperative budget (Tokio's coop): an rt operation that finds its value ready completes on
// the microtask queue, which Node drains to empty before it looks at timers or I/O. A task
// looping on always-ready operations would therefore starve the event loop. Each task (and,
// outside tasks, the code of the current event-loop turn) gets BUDGET operations per turn;
// the operation after that resolves on the next macrotask instead.
import { frameStore as frameStoreOf, outsideBudget, outsideCounters, returnBudget, spendBudget as spendBudgetOf, storage, type Budget } from './internal/context.js';
import type { Frame } from './internal/context.js';
import { throwIfCancelled } from './park.js';
import type { WaitOptions } from './park.js';

// Module-local copies of imports read on every budget spend: TurboFan folds a module's own `const` to its
// value (a call's target to a known function), but reads an imported binding through its module
// cell with a TDZ check each time (issue 16, TCP echo: @rt/net's README, pass eu30).
const frameStore = frameStoreOf;
const spendBudget = spendBudgetOf;

// The forced yield: one promise per event-loop turn, shared by every budget that runs out in
// it, resolved by one setImmediate. A budget refills on its first use in the new turn (the
// turn's epoch has moved on: the epoch's own immediate was armed earlier, so it runs first).
// Measured (benchmarks/scheduler.bench.mjs-style loop of 5M always-ready operations outside
// a task, Node 20): 2.3-3.1 µs of CPU per forced yield with a promise, a closure and an
// immediate with arguments per yield and a refill callback. On the nineteenth session's machine
// (a VM whose kernel isolates page tables) 3.5-4.7 µs on Node 20/24, as much as a bare
// `await new Promise(r => setImmediate(r))` turn (benchmarks/coop-turn.bench.mjs): nearly all of it
// the turn's epoll_wait system call, ~1 µs there plus what it costs the user code after it. A
// yield that skipped the turn when the loop had nothing to run (pass bq24) needed a system call to
// know that exactly (poll() of libuv's backend fd) and cost the same; scheduler README "pass bq24".
let nextTurn: Promise<void> | undefined;
let resolveNextTurn: (() => void) | undefined;
function captureResolve(resolve: () => void): void {
  resolveNextTurn = resolve;
}
function turnPassed(): void {
  const resolve = resolveNextTurn!;
  nextTurn = resolveNextTurn = undefined;
  resolve();
}

/**
 * Spends one unit of the current task's cooperative budget: returns `undefined` while budget
 * is left, or a promise to await that resolves on the next macrotask when it has run out.
 *
 * An rt operation that can complete *without waiting* calls it first:
 * `const y = coop(); if (y !== undefined) await y;` before taking the value. The budget is
 * 128 operations per task per event-loop turn (outside a task: per turn, shared); it resets
 * after a forced yield and when the task wakes from `park`. Forced yields are counted in
 * `metrics().forcedYields`. Inside {@link unconstrained} it always returns `undefined`.
 *
 * **Cancellation:** the returned promise never rejects; callers check cancellation with
 * `throwIfCancelled` as usual.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * async recv(options) {
 *   const y = coop(); if (y !== undefined) await y;
 *   throwIfCancelled(options);
 *   if (this.queue.length > 0) return this.queue.shift();
 *   // …park
 * }
 * ```
 */
export function coop(): Promise<void> | undefined {
  return spend(frameStore());
}

/**
 * `coop()` and `throwIfCancelled(options)` in one look-up of the current task (what an rt
 * operation that can complete without waiting calls first): spends one unit of the budget and
 * returns the promise to await when it has run out (as `coop`); otherwise throws `Cancelled`
 * if the task was aborted or `options.signal` aborted (as `throwIfCancelled`), else returns
 * `undefined`. One frame look-up instead of two matters on Node 24+, where the look-up is an
 * AsyncLocalStorage read (measured: `coop()` + `throwIfCancelled()` per `writeAll` of a TCP
 * echo were ~1,700 instructions of ~21,000 per message under callgrind).
 *
 * **Cancellation:** a cancellation point, as `throwIfCancelled`; the returned promise never
 * rejects (check again after it, as after `coop`).
 *
 * **Errors:** `Cancelled` (`cause`: the abort reason); TypeError for a malformed `options`.
 *
 * **Example**
 * ```ts
 * const y = coopOrCancelled(options); if (y !== undefined) await y; // then take the value
 * ```
 */
export function coopOrCancelled(options?: WaitOptions): Promise<void> | undefined {
  const frame = frameStore();
  if (spentAtOnce(frame, options)) return undefined;
  return coopOrCancelledSlow(frame, options);
}

/**
 * @internal The common case of {@link coopOrCancelled}, flat: a task's code without a signal, not
 * cancelled, budget left: spends its unit and says true. Checked before spending: what fails here
 * takes {@link coopOrCancelledSlow}, which spends (a spent budget's second spend in the same turn
 * fails again: one forced yield, counted once) and checks cancellation as before. Measured under
 * callgrind (Node 24.22, TCP echo, 64 B x 64 connections): ~45 instructions fewer per writeAll
 * than the general path. Kept apart from the general path so that the two callers
 * (`coopOrCancelled`, `readyOrCancelled`) stay small enough for TurboFan to inline into a ready
 * operation (issue 16: an mpsc(1) ping-pong called `coopOrCancelled` three times per round trip,
 * ~70 instructions a call, while it held the general path too).
 */
export function spentAtOnce(frame: Frame | undefined, options: WaitOptions | undefined): boolean {
  if (options !== undefined || frame === undefined) return false;
  const task = frame.task;
  return task !== undefined && !frame.unconstrained && !task.cancelRequested && spendBudget(task);
}

/** @internal {@link coopOrCancelled} when {@link spentAtOnce} said false (out of line: see there). */
export function coopOrCancelledSlow(frame: Frame | undefined, options: WaitOptions | undefined): Promise<void> | undefined {
  const y = spend(frame);
  if (y !== undefined) return y;
  if (options !== undefined) throwIfCancelled(options);
  else if (frame?.task?.cancelRequested === true) throwIfCancelled();
  return undefined;
}

/**
 * For an operation with a synchronous fast path whose caller falls back to the operation's
 * promise-returning form (`TcpStream.readNow`, then `read`): true when the operation may complete
 * now, one unit of the budget spent (as `coopOrCancelled` returning `undefined`); false when the
 * budget has run out or the task was cancelled, with nothing spent or counted, so the
 * fallback's own `coopOrCancelled` is what yields (and counts the forced yield once) or rejects.
 *
 * **Cancellation:** a cancelled task (or an aborted `options.signal`) gets false, not a throw.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * readNow(buf) { return readyNow() ? this.#readSyscall(buf) : -1; } // the caller then awaits read(buf)
 * ```
 */
export function readyNow(options?: WaitOptions): boolean {
  const frame = frameStore();
  if (frame !== undefined && frame.unconstrained) return !cancelledNow(frame, options);
  // Cancellation first: spendBudget spends when it says yes.
  if (cancelledNow(frame, options)) return false;
  return spendBudget(frame?.task ?? outsideBudget);
}

/**
 * Gives back the unit of budget a `readyNow()` that said true spent, when the operation then
 * found nothing to do after all (a read that got EAGAIN: its caller falls back to the promise
 * form, which spends its own unit). As Tokio restores the budget of a poll that returned
 * Pending: only operations that complete use the budget. Call it at most once per true
 * `readyNow()`, in the same synchronous code.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * if (!readyNow()) return -1;
 * const n = readSyscall(buf);
 * if (n === EAGAIN) { refundNow(); return -1; }
 * ```
 */
export function refundNow(): void {
  const frame = frameStore();
  if (frame !== undefined && frame.unconstrained) return;
  returnBudget(frame?.task ?? outsideBudget);
}

function cancelledNow(frame: Frame | undefined, options: WaitOptions | undefined): boolean {
  if (options === undefined && frame?.task?.cancelRequested !== true) return false;
  try {
    throwIfCancelled(options);
    return false;
  } catch {
    return true;
  }
}

function spend(frame: Frame | undefined): Promise<void> | undefined {
  let budget: Budget;
  if (frame === undefined) budget = outsideBudget;
  else if (frame.unconstrained) return undefined;
  else budget = frame.task ?? outsideBudget;
  if (spendBudget(budget)) return undefined;
  return forcedYield(frame);
}

/** The budget ran out: counts the forced yield and returns the turn's shared yield promise (kept out of `spend`, so `spend` stays small enough to be inlined into every ready operation). */
function forcedYield(frame: Frame | undefined): Promise<void> {
  const task = frame?.task;
  if (task !== undefined) task.core.forcedYields++;
  else outsideCounters.forcedYields++;
  if (nextTurn === undefined) {
    nextTurn = new Promise<void>(captureResolve);
    setImmediate(turnPassed);
  }
  return nextTurn;
}

/**
 * Runs `fn` with the cooperative budget switched off: rt operations inside it never force a
 * yield (Tokio's `task::unconstrained`). Use it only around work known to be short.
 *
 * The rest (task, task locals, cancellation) is unchanged; the returned value is `fn`'s.
 *
 * **Cancellation:** as `fn`'s own rt operations.
 *
 * **Errors:** TypeError if `fn` is not a function; otherwise whatever `fn` throws.
 *
 * **Example**
 * ```ts
 * await unconstrained(async () => { for (let i = 0; i < 1000; i++) await rx.recv(); });
 * ```
 */
export function unconstrained<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError(`unconstrained(fn): fn must be a function, got ${String(fn)}`);
  const parent = storage.getStore();
  const frame: Frame = { task: parent?.task, localKey: undefined, localValue: undefined, parent, unconstrained: true };
  return storage.run(frame, fn);
}
