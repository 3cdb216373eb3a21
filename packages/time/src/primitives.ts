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
 * Marks an rt thenable whose every `then` parks a wait of its own in the current task, which
 * nobody else can observe (a oneshot `Receiver`: each `then` is a fresh `recv()`). `timeout(ms,
 * work)` around such a thenable ends that wait (its entry's `cancel`) when the deadline wins,
 * as Tokio's `timeout` drops the future it wraps: the wait leaves the task's list, and a value
 * sent later stays in the channel for the next receive instead of going to a promise nobody
 * reads. Set it to `true` on the class's prototype. Only for a thenable whose `then` parks at
 * most one entry and never shares its wait (a `Notify`'s `Notified` shares its promise: not one).
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
 * A method of the entry a {@link thenParksOwnWait} thenable's `then` parks (a oneshot `Receiver`
 * is its own entry): `entry[giveBack](value)` puts back a value that wait delivered after the
 * `timeout` around it had already settled otherwise, so the next receive finds it. That happens
 * when the caller's signal or task aborts in the same synchronous run as the send: the receive
 * was woken, its value a microtask from reaching the timeout, which had rejected with `Cancelled`
 * at once. Called a microtask after the wake, with the value the wait resolved with.
 *
 * **Cancellation:** not applicable (a marker). **Errors:** the method must not throw.
 *
 * **Example**
 * ```ts
 * (Receiver.prototype as { [giveBack]?: (value: unknown) => void })[giveBack] = function (value) { putBack(this, value); };
 * ```
 */
export const giveBack: unique symbol = Symbol('rt.giveBack');
