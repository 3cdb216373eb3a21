// Time for rt's own packages (not part of the public API): `@rt/time/primitives`.
import { currentDriver } from './internal/driver.js';

/** A runtime's clock, read once per event-loop turn (see {@link currentClock}). */
export interface TurnClock {
  /**
   * The clock (milliseconds, as `Instant.now().valueOf()`) as of the current event-loop turn's
   * first call: a running clock is read once per turn (as libuv's timers count from the loop's
   * time, not the moment they are set); a paused clock's reading is exact, `advance` within
   * the turn included. Never ahead of `Instant.now()`, never behind an earlier reading.
   */
  turnNow(): number;
}

/**
 * The current runtime's clock, for code that sets many deadlines per turn and keeps the clock
 * (the HTTP server: one deadline per request, one clock read per turn).
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * const clock = currentClock();
 * connection.deadline = clock.turnNow() + keepAliveTimeout;
 * ```
 */
export function currentClock(): TurnClock {
  return currentDriver().clock;
}

/**
 * The marker `timeout` reads on a thenable whose every `then` parks a wait of its own (see its
 * doc in `@rt/scheduler/primitives`, where it is defined so that the scheduler's `JoinHandle` can
 * carry it too; pass mt29). Re-exported here for the packages that marked their thenables before.
 */
export { thenParksOwnWait } from '@rt/scheduler/primitives';

/**
 * A method of a {@link thenParksOwnWait} thenable (a oneshot `Receiver`): `thenable[giveBack](entry)`
 * puts back the value its `then` took for a `timeout` whose caller never got it, so the next
 * receive finds it (as sent: a sent promise is not adopted), and returns whether it did. That
 * happens when the caller's signal or task aborts in the same synchronous run as the send (the
 * receive was woken, its value a microtask from reaching the timeout, which rejects with
 * `Cancelled` at once), or before the outcome of a receive that took a ready value. `entry`: the
 * wait that `then` parked (as `parkedAfter` found it), called at the abort: the thenable gives back
 * only a value that went to that wait. `undefined`: its `then` parked nothing and its promise
 * fulfilled (it took the value), called when that outcome reaches the settled timeout (pass rc30).
 * `entry` undefined and `rejection` given: that promise rejected, with `rejection.reason`; the
 * thenable gives back only if the value it took was a sent promise (or thenable) that rejected with
 * that very reason (its receive's own errors, "already received", `Cancelled`, are not a take; pass
 * rc31: a sent promise that rejects is given back like any value).
 *
 * **Cancellation:** not applicable (a marker). **Errors:** the method must not throw.
 *
 * **Example**
 * ```ts
 * (Receiver.prototype as { [giveBack]?: (entry: ParkEntry | undefined, rejection?: { reason: unknown }) => boolean })[giveBack] = function (entry, rejection) { return putBack(this, entry, rejection); };
 * ```
 */
export const giveBack: unique symbol = Symbol('rt.giveBack');

/**
 * A method of a {@link thenParksOwnWait} thenable that has {@link giveBack} and must keep a value
 * its `then` takes to give it back (a `@rt/sync` oneshot `Receiver`, whose `slot` keeps it):
 * `thenable[keepTaken](true)` right before `timeout` calls its `then`, `thenable[keepTaken](false)`
 * once that `then`'s outcome has reached the timeout (no give-back can come after). Counted: a
 * thenable keeps a value it took while any `timeout` around it is unfinished, and lets it go after
 * (review rv36: a receiver kept every value it handed out for as long as it lived). Meanwhile a
 * value taken is not taken for good: the receivers' `tryRecv` says `Empty`, not `Disconnected`
 * (pass rc31; `shared.oneshot`'s receiver counts only for that, its bytes stay in shared memory).
 *
 * **Cancellation:** not applicable (a marker). **Errors:** the method must not throw.
 *
 * **Example**
 * ```ts
 * (Receiver.prototype as { [keepTaken]?: (keep: boolean) => void })[keepTaken] = function (keep) { this.keeps += keep ? 1 : -1; };
 * ```
 */
export const keepTaken: unique symbol = Symbol('rt.keepTaken');
