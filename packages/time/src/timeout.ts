import { Cancelled, Handle as HandleOf, park as parkOf } from '@rt/scheduler';
import type { RtError, WaitOptions, Waiter } from '@rt/scheduler';
import { atTurnEnd, isThenable as isThenableOf, parkedAfter as parkedAfterOf, parkedOn, settleLater, type ParkEntry } from '@rt/scheduler/primitives';
import { Elapsed } from './errors.js';
import { TimerEntry, currentDriver as currentDriverOf, type TimeDriver } from './internal/driver.js';
import { PlainWaiter } from './internal/plain-waiter.js';
import { checkDuration as checkDurationOf, checkWaitOptions as checkWaitOptionsOf, describe } from './internal/validate.js';
import { milliseconds, type Instant } from './instant.js';
import { giveBack as giveBackOf, keepTaken as keepTakenOf, thenParksOwnWait as thenParksOwnWaitOf } from './primitives.js';

// Module-local copies of imports read at every `timeout` (an imported binding is read through its
// module cell with a TDZ check each time; a symbol key read from one is not a constant key either):
// issue 16, @rt/net's README, pass eu30; this package's README, pass lc31.
const checkDuration = checkDurationOf;
const checkWaitOptions = checkWaitOptionsOf;
const currentDriver = currentDriverOf;
const giveBack: typeof giveBackOf = giveBackOf;
const Handle = HandleOf;
const isThenable = isThenableOf;
const keepTaken: typeof keepTakenOf = keepTakenOf;
const park = parkOf;
const parkedAfter = parkedAfterOf;
const thenParksOwnWait: typeof thenParksOwnWaitOf = thenParksOwnWaitOf;

/**
 * What `timeout` can limit: a promise (or thenable), or a function that is called at once
 * with an AbortSignal (aborted when the deadline passes first) and returns the result or a
 * promise of it.
 *
 * **Cancellation:** see `timeout`. **Errors:** none (a type).
 *
 * **Example**
 * ```ts
 * const work: TimeoutWork<string> = (signal) => fetch(url, { signal }).then((r) => r.text());
 * ```
 */
export type TimeoutWork<T> = PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>);

/**
 * The abort of a timed-out work's signal (`reason`), or what it caused: an rt wait's `Cancelled`
 * has it as `cause`, and so has Node's `AbortError` (`timers/promises`, `events.once`, `fs`,
 * streams; review rv33).
 */
function abortedBy(error: unknown, reason: unknown): boolean {
  // (Not `instanceof Error`: Node's errors come from its own realm, not a vm context's.)
  return error === reason || (typeof error === 'object' && error !== null && (error as { cause?: unknown }).cause === reason);
}

/** A thenable that can take back a value its `then` delivered (see `giveBack`). */
type GiveBack = { [giveBack]?: (entry: ParkEntry | undefined, rejection?: { reason: unknown }) => boolean; [keepTaken]?: (keep: boolean) => void };

/**
 * `slot` (the wheel's; negative values are the owner's) of a timer out of the wheel whose work's
 * outcome decides until the turn's end (see `awaitOutcome`).
 */
const DECIDING = -2;
/**
 * `DECIDING`, and the caller's signal or task aborted meanwhile (or the decision is that abort's
 * own): `Cancelled` unless a value wins; a later abort changes nothing.
 */
const DECIDING_CANCELLED = -3;
/**
 * The `Cancelled` of a timer whose deadline's decision the caller's abort overtook
 * (`DECIDING_CANCELLED`), carrying the abort's reason as `cause` (pass rc31): beside the timer, not
 * a field of it, as only that rare path needs it.
 */
const cancelledWhileDeciding = new WeakMap<TimerEntry, Cancelled>();
/**
 * `slot` of a timer settled by its caller's abort, whose thenable took back the value the wait its
 * `then` parked had taken (see `cancelled`): `late` gives nothing back after it (pass rc31).
 */
const GAVE_BACK = -4;

/** The timer of one `timeout` call: fails the wait with Elapsed and aborts the work. */
class TimeoutEntry<T> extends TimerEntry {
  settled = false;
  /** Set right after parking (parking needs this entry's cancel callback first). */
  waiter!: Waiter<T>;
  /**
   * The wait the work's `then` parked in the task, for a thenable marked `thenParksOwnWait` (a
   * oneshot receive): ended when the deadline or the caller's signal wins (see `endWork`).
   */
  work: ParkEntry | undefined = undefined;
  /**
   * The thenable itself when it has `giveBack` (a oneshot `Receiver`): what a value goes back to (at
   * the caller's abort, see `cancelled`, or in `late`), asked to keep a value its `then` takes until
   * the outcome comes (`keepTaken`, review rv36), and cleared then (`release`). One field for both
   * (pass rc31; they were two, `source` and `keeps`): once the abort gave back, `slot` is `GAVE_BACK`.
   */
  source: GiveBack | undefined = undefined;
  constructor(
    private readonly driver: TimeDriver,
    private readonly controller: AbortController | undefined,
    private readonly ms: number | undefined,
  ) {
    super();
  }

  /** The deadline came first. */
  fire(): void {
    if (this.settled) return;
    // The work's receive already ended (a send woke it in this same run, before its outcome
    // reached `resolved`, a microtask away): the work completed first, its outcome wins. Failing
    // here would lose the value (the receive took it). The timer is out of the wheel; `resolved`
    // or `rejected` comes next and settles (review rv31). (This timeout's own wait is still
    // parked here: a receive parked right after it is still so exactly while it has not ended.)
    if (this.work !== undefined && parkedAfter(this.waiter) !== this.work) return;
    // The function form, no rt wait of the work parked with its signal (pass rc29): those it parked
    // have all ended, or it parked none (a receive in its cooperative yield took a value ready
    // before the deadline and is a few microtasks from completing: review rv33). Its outcome decides.
    const controller = this.controller;
    if (controller !== undefined && parkedOn(controller.signal) !== true) {
      this.awaitOutcome(controller, this.elapsed());
      return;
    }
    const error = this.elapsed();
    this.finish();
    if (this.waiter.fail(error)) this.abortLater(error);
    this.endWork(error);
  }

  private elapsed(): Elapsed {
    return new Elapsed(this.ms === undefined ? 'timeoutAt: the deadline elapsed before the operation completed' : `timeout: the operation did not complete within ${this.ms} ms`);
  }

  /**
   * The deadline, when the function form's rt waits (those parked with its signal) have all ended
   * before it without the work's outcome reaching this timer, or it parked none (review rv33: a
   * receive that found its value ready but yielded for the budget first takes it a microtask
   * before the deadline, its outcome a few microtasks after): one was woken, maybe in this same
   * synchronous run, and the work may have completed, its value a few microtasks away (review
   * rv31; failing now would lose the value a receive took, a permit an acquire took). As Tokio's
   * `timeout` polls the work first and a ready work wins, the outcome decides until the end of
   * this event-loop turn: a value wins; a rejection caused by the signal's abort is `Elapsed`,
   * another error the work's own; nothing by then, `Elapsed`. The signal still aborts (on the next
   * microtask, unless the outcome came first), so a work that went on to another wait stops there.
   */
  private awaitOutcome(controller: AbortController, error: RtError): void {
    this.slot = DECIDING;
    queueMicrotask(() => {
      if (!this.settled) controller.abort(error);
    });
    atTurnEnd(() => {
      if (this.settled) return;
      this.finish();
      this.waiter.fail(this.slot === DECIDING_CANCELLED ? (cancelledWhileDeciding.get(this) ?? error) : error);
    });
  }

  abandon(error: RtError): void {
    if (this.settled) return;
    this.finish();
    if (this.waiter.fail(error)) this.abortLater(error);
  }

  /**
   * Aborts the work's signal on the next microtask: abort listeners are user code, and
   * `fire` runs inside the driver's walk of the wheel, where no user code runs.
   */
  private abortLater(error: RtError): void {
    const controller = this.controller;
    if (controller !== undefined) queueMicrotask(() => controller.abort(error));
  }

  /** The work completed first. */
  resolved(value: T): void {
    if (this.settled) {
      this.late();
      this.release();
      return;
    }
    this.release();
    this.finish();
    this.driver.remove(this);
    this.waiter.wake(value);
  }

  rejected(error: unknown): void {
    if (this.settled) {
      // A sent promise that rejects, taken ready by a receive the caller's abort overtook: back too
      // (the thenable checks it took a value that rejected with this reason; pass rc31).
      this.late({ reason: error });
      this.release();
      return;
    }
    this.release();
    this.finish();
    this.driver.remove(this);
    // Only while the outcome decides (see awaitOutcome) is the signal aborted while the timer is unsettled.
    const controller = this.controller;
    if (controller !== undefined && controller.signal.aborted && abortedBy(error, controller.signal.reason)) error = this.slot === DECIDING_CANCELLED ? (cancelledWhileDeciding.get(this) ?? controller.signal.reason) : controller.signal.reason;
    this.waiter.fail(error);
  }

  /** The work's outcome came: no give-back after it, so the thenable need no longer keep what it took (see `keepTaken`). */
  private release(): void {
    const source = this.source;
    if (source === undefined) return;
    this.source = undefined;
    source[keepTaken]?.(false);
  }


  /**
   * The receive of this timeout's thenable delivered a value after all: it parked nothing (the
   * value was ready, or came after a budget yield) and the caller's signal or task aborted before
   * its outcome came, or the runtime shut down. The value goes back to the channel for the next
   * receive (`giveBack`) instead of being lost (a receive this timeout kept gives back at the
   * abort: see `cancelled`); a work without `giveBack` (a promise, the function form) keeps it.
   * `rejection`: the receive's promise rejected, which a sent promise that rejects does (pass rc31).
   */
  private late(rejection?: { reason: unknown }): void {
    const source = this.source;
    if (source !== undefined && this.slot !== GAVE_BACK) source[giveBack]!(undefined, rejection);
  }

  /**
   * The caller's task or signal aborted: stop the timer, abort the work. The function form whose
   * rt waits parked with the signal have all ended (or it parked none) may have completed in the
   * abort's own synchronous run, its value (a message, a permit) a few microtasks away, which
   * nothing could give back: its outcome decides until the end of the turn, as at the deadline
   * (pass rc30; a value wins, a rejection the abort caused or nothing by then is `Cancelled`), and
   * this timeout's own wait is settled then (`settleLater`). The same while the deadline's decision
   * is pending (`DECIDING`): that decision stands. `reason`: the abort's (the signal's, the task's,
   * a `RuntimeShutdown` when the runtime shuts down), the `cause` of the `Cancelled` settled later,
   * as of the one `park` rejects with at once (pass rc31: it had none).
   */
  cancelled(reason: unknown): typeof settleLater | undefined {
    if (this.settled) return undefined;
    if (this.slot <= DECIDING) {
      if (this.slot === DECIDING) cancelledWhileDeciding.set(this, cancelledError(reason));
      this.slot = DECIDING_CANCELLED;
      return settleLater;
    }
    const controller = this.controller;
    const error = cancelledError(reason);
    if (controller !== undefined && parkedOn(controller.signal) !== true) {
      this.driver.remove(this);
      this.awaitOutcome(controller, error);
      // A second abort (the task's after the signal's, the runtime's shutdown) changes nothing.
      this.slot = DECIDING_CANCELLED;
      return settleLater;
    }
    this.finish();
    this.driver.remove(this);
    controller?.abort(error);
    // The receive the thenable's `then` parked took a value in this same run: back into the
    // channel now (not a microtask later: a receive started after the abort finds it, and a sent
    // promise comes back as sent). A receive that parked nothing gives back in `late`.
    // (`source` stays until the outcome, which lets the thenable stop keeping: see `release`.)
    const source = this.source;
    if (source !== undefined && this.work !== undefined) {
      this.slot = GAVE_BACK;
      source[giveBack]!(this.work);
    }
    this.endWork(error);
    return undefined;
  }

  /**
   * Ends the wait the work's `then` parked (its entry's cancel, rt code only: the receive rejects
   * with Cancelled, which this timeout ignores, and leaves the task's list; a value sent later
   * stays in its channel). Without it, an elapsed receive whose sender is then dropped stayed in
   * the task's list for the task's life (pass lk28: ~1.7 KB per timed-out request).
   */
  private endWork(reason: RtError): void {
    // (`work` stays: a value its receive delivered anyway goes back through it, see `late`.)
    this.work?.cancel(reason);
  }

  private finish(): void {
    this.settled = true;
    this.driver.removeWaiter();
  }
}

/** The `Cancelled` of an aborted timeout, with the abort's reason as `cause` (as `park`'s). */
function cancelledError(reason: unknown): Cancelled {
  return new Cancelled('timeout: the wait was cancelled', { cause: reason });
}

function start<T>(what: string, driver: TimeDriver, now: number, deadline: number, ms: number | undefined, work: TimeoutWork<T>, options: WaitOptions | undefined): Promise<T> {
  let controller: AbortController | undefined;
  let pending: PromiseLike<T>;
  try {
    checkWaitOptions(options, what);
    if (typeof work === 'function') {
      controller = new AbortController();
      const result = work(controller.signal);
      pending = isThenable(result) ? result : Promise.resolve(result);
    } else if (isThenable(work)) {
      pending = work;
    } else {
      throw new TypeError(`${what}: expected a promise or a function taking an AbortSignal, got ${describe(work)}`);
    }
    if (driver.shut) throw driver.shutdownError();
  } catch (error) {
    controller?.abort(error);
    return Promise.reject(error);
  }
  const timer = new TimeoutEntry<T>(driver, controller, ms);
  let parked: { waiter: Waiter<T>; promise: Promise<T> };
  try {
    // Outside any task and without a signal nothing can cancel the wait: skip park.
    parked =
      options === undefined && Handle.tryCurrent() === undefined
        ? new PlainWaiter<T>()
        : park<T>('time.timeout', (_waiter, reason) => timer.cancelled(reason), options);
  } catch (error) {
    // Already cancelled: the work must not run on unattended.
    controller?.abort(error);
    swallow(pending);
    return Promise.reject(error);
  }
  timer.waiter = parked.waiter;
  driver.addWaiter();
  driver.insertOrQueue(timer, deadline, now);
  // A thenable that can take a value back (see `giveBack`), and keeps what its `then` takes only
  // while a give-back can come (see `keepTaken`): from here until the outcome reaches
  // `resolved`/`rejected` (review rv36).
  if (controller === undefined && (work as GiveBack)[giveBack] !== undefined) {
    timer.source = work as GiveBack;
    timer.source[keepTaken]?.(true);
  }
  pending.then(
    (value) => timer.resolved(value),
    (error: unknown) => timer.rejected(error),
  );
  // A thenable whose `then` parks a wait of its own (a oneshot receiver): the timer keeps that wait
  // (the task's wait parked right after this timeout's, so linked before it), to end it if the work
  // loses (see `thenParksOwnWait`). Outside any task the waiter is in no list: nothing is kept.
  if (controller === undefined && (work as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] === true && !timer.settled) {
    timer.work = parkedAfter(parked.waiter);
  }
  return parked.promise;
}

/**
 * Marks the outcome of a work `timeout` will not await as handled. Not a thenable marked
 * `thenParksOwnWait` (a oneshot `Receiver`, a `Notified`, a `JoinHandle`): it made no promise that
 * could reject unhandled, and its `then` would start a receive (a wait) that takes the value (the
 * notification) and drops it (review rv40: `timeout(-1, rx)`, or one given an aborted signal, lost
 * the value sent to `rx`, and in pass rw32's window took the value given back).
 */
function swallow(work: PromiseLike<unknown>): void {
  if ((work as { [thenParksOwnWait]?: boolean })[thenParksOwnWait] === true) return;
  work.then(undefined, () => undefined);
}

/**
 * Limits an operation to `ms` milliseconds (Tokio's `timeout`): resolves with its result
 * if it completes in time, rejects with {@link Elapsed} otherwise.
 *
 * `work` is a promise, or a function that is called at once with an `AbortSignal` and
 * returns the result or a promise of it; the signal aborts (reason: the `Elapsed` error)
 * when the deadline passes first, so the operation can stop (`fetch(url, { signal })`).
 * A oneshot `Receiver` (`timeout(ms, rx)`, `@rt/sync`'s or `shared.oneshot`'s) is stopped too: its
 * receive ends when the deadline wins (it leaves the task's waits; a value sent later stays in the
 * channel for the next `recv()`), as Tokio's `timeout` drops the receive; so are a `JoinHandle`
 * (its join ends; the task runs on and its result stays for later joins) and a `Notified` (its
 * wait leaves the Notify; another `then` of the same `Notified` sharing that wait rejects with
 * `Cancelled`): every thenable marked `thenParksOwnWait` (pass mt29). A promise cannot be stopped: when it
 * loses, its outcome is ignored (a rejection is not reported as unhandled), and the operation
 * behind it goes on: `timeout(ms, rx.recv())` leaves the receive parked in the task until a
 * message comes, and that message (or a semaphore's permit, a notification) goes to the
 * ignored promise and is lost. For rt waits use the function form:
 * `timeout(ms, (signal) => rx.recv({ signal }))`. Work that is already complete wins even
 * when `ms` is 0. The timer is removed as soon as the work completes.
 *
 * **Cancellation:** cancel safe as far as the timer goes: aborting the awaiting task or
 * `options.signal` rejects with `Cancelled` (the function form: see below for a work that may
 * have completed), removes the timer and aborts the work's signal (reason: a `Cancelled`), or
 * ends a oneshot receiver's receive. Whatever the work had already
 * done is its own business. The function form and a oneshot receiver are cancel safe when the
 * deadline wins (nothing sent is lost); the promise form is not (see above). A hand-off in the
 * same synchronous run as the deadline (review rv31, pass rc29): work that already completed wins,
 * as Tokio's `timeout` polls the work first: a oneshot receiver woken before the deadline gives
 * its value; for the function form, when no rt wait it parked with the signal is still parked (a
 * send, a release woke it, or it parked none: a receive in its cooperative yield) the work's
 * outcome decides until the end of the event-loop turn (a value wins; a rejection the abort
 * caused, an rt `Cancelled` or Node's `AbortError` with the `Elapsed` as `cause`, or nothing by
 * then, is `Elapsed`); while one is parked, `Elapsed` at once. The caller's signal or task
 * aborting (pass rc30: no value or permit is lost to it): around a oneshot receiver the wait
 * rejects with `Cancelled` at once, and a value its receive took (sent in the same run, or already
 * there) goes back into the channel as sent, for the next receive (at once when the receive had
 * parked, so a receive started right after the abort gets it; a microtask later when it took a
 * ready value, a sent promise that rejects too, pass rc31; until then the receivers' `tryRecv` says
 * `Empty`, not `Disconnected`; `@rt/sync`'s and `shared.oneshot`'s receivers both, pass rc30); the function form, while an rt wait it parked with the signal is still parked, rejects
 * with `Cancelled` at once (the abort ends that wait); otherwise (all woken, as a send or a release
 * in the abort's run does, or none parked) its outcome decides until the end of the turn, as at
 * the deadline: a value wins (the caller gets the message or the permit: nothing could give it
 * back), a rejection the abort caused or nothing by then is `Cancelled`, another error the work's
 * own (Node's convention: an operation already complete when the abort comes delivers its result).
 * An abort while the deadline's decision is pending: a value still wins, else `Cancelled`.
 *
 * **Errors:** `Elapsed` when the deadline passes first; the work's own error if it fails
 * first; `Cancelled` (its `cause` the abort's reason: the signal's, the task's, or the
 * `RuntimeShutdown` when the runtime's shutdown aborts the awaiting task, also while a decision is
 * pending; pass rc31); `RuntimeShutdown` if the runtime shuts down while a timeout awaited outside
 * any live task is pending (a deadline that passed first is `Elapsed`). RangeError
 * for a negative, NaN or non-finite `ms`; TypeError if `work` is neither a promise nor a
 * function. A function that throws synchronously rejects with what it threw.
 *
 * **Example**
 * ```ts
 * const body = await timeout(5_000, (signal) => fetch(url, { signal }).then((r) => r.text()));
 * try { await timeout(10, sleep(1_000)); } catch (error) { if (error instanceof Elapsed) console.log('too slow'); }
 * ```
 */
export function timeout<T>(ms: number, work: TimeoutWork<T>, options?: WaitOptions): Promise<Awaited<T>> {
  let driver: TimeDriver;
  try {
    checkDuration(ms, 'timeout(ms)');
    driver = currentDriver();
  } catch (error) {
    if (typeof work !== 'function' && isThenable(work)) swallow(work);
    return Promise.reject(error);
  }
  const now = driver.now();
  return start('timeout', driver, now, now + ms, ms, work, options) as Promise<Awaited<T>>;
}

/**
 * Limits an operation to complete before `deadline` (Tokio's `timeout_at`): as
 * {@link timeout}, with an absolute deadline.
 *
 * **Cancellation:** as `timeout`.
 *
 * **Errors:** as `timeout`; TypeError if `deadline` is not an Instant.
 *
 * **Example**
 * ```ts
 * const deadline = Instant.now().add(1_000);
 * const first = await timeoutAt(deadline, rx.recv());
 * const second = await timeoutAt(deadline, rx.recv()); // same deadline for both
 * ```
 */
export function timeoutAt<T>(deadline: Instant, work: TimeoutWork<T>, options?: WaitOptions): Promise<Awaited<T>> {
  let driver: TimeDriver;
  let at: number;
  try {
    at = milliseconds(deadline, 'timeoutAt(deadline)');
    driver = currentDriver();
  } catch (error) {
    if (typeof work !== 'function' && isThenable(work)) swallow(work);
    return Promise.reject(error);
  }
  return start('timeoutAt', driver, driver.now(), at, undefined, work, options) as Promise<Awaited<T>>;
}
