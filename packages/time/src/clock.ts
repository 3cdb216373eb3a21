// The test clock: pause, resume and advance the current runtime's clock (Tokio's
// `time::pause`, `time::resume`, `time::advance`).
import { ClockStateError } from './errors.js';
import { currentDriver } from './internal/driver.js';
import { checkDuration } from './internal/validate.js';

/**
 * Freezes the current runtime's clock: `Instant.now()` stands still and timers fire only
 * when the clock is moved, by {@link advance} or by auto-advance.
 *
 * Auto-advance (on unless `Builder.autoAdvance(false)`): while the clock is paused,
 * something awaits a timer, and every task is idle, the clock jumps to the next timer's
 * deadline, so a test of `await sleep(3_600_000)` finishes at once and `Instant` shows
 * the hour. It never jumps while the runtime reports external work in flight
 * (`spawnBlocking` jobs, tracked I/O): their results may arrive first. Work the runtime
 * does not know of (a plain `fs.promises` call, a Node socket) is not seen: with such work in
 * a test, use `Builder.autoAdvance(false)` and `advance`. "Idle" means two event-loop turns
 * with no timer activity and no forced yields. The paused clock
 * starts at a whole millisecond, so durations in whole milliseconds land exactly.
 * `Builder.startPaused()` creates a runtime whose clock starts paused.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `ClockStateError` if the clock is already paused; `RuntimeShutdown` if the
 * runtime has shut down.
 *
 * **Example**
 * ```ts
 * pause();
 * const start = Instant.now();
 * await sleep(3_600_000); // auto-advanced: returns at once
 * console.log(start.elapsed()); // 3600000
 * ```
 */
export function pause(): void {
  const driver = currentDriver();
  if (driver.shut) throw driver.shutdownError();
  if (!driver.pause()) throw new ClockStateError('pause: the clock is already paused');
}

/**
 * Lets the current runtime's paused clock run again, from its paused (and advanced)
 * reading: time never goes backwards.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `ClockStateError` if the clock is not paused; `RuntimeShutdown` if the
 * runtime has shut down.
 *
 * **Example**
 * ```ts
 * pause();
 * await advance(1_000);
 * resume();
 * ```
 */
export function resume(): void {
  const driver = currentDriver();
  if (driver.shut) throw driver.shutdownError();
  if (!driver.resume()) throw new ClockStateError('resume: the clock is not paused');
}

/**
 * Moves the current runtime's paused clock forward by `ms` in one jump, fires every timer
 * that became due (in deadline order), then yields one event-loop turn so the tasks they
 * woke can run.
 *
 * A chain of sleeps is not followed step by step: a task woken by the jump that sleeps
 * again starts its new sleep at the advanced time (as in Tokio).
 *
 * **Cancellation:** the jump happens at the call, synchronously; aborting the caller
 * changes nothing.
 *
 * **Errors:** rejects with `ClockStateError` if the clock is not paused, a RangeError for a
 * negative, NaN or non-finite `ms`, `RuntimeShutdown` if the runtime has shut down.
 *
 * **Example**
 * ```ts
 * pause();
 * const done = sleep(500).then(() => 'done');
 * await advance(500);
 * console.log(await done); // 'done'
 * ```
 */
export async function advance(ms: number): Promise<void> {
  checkDuration(ms, 'advance(ms)');
  const driver = currentDriver();
  if (driver.shut) throw driver.shutdownError();
  if (!driver.clock.paused) throw new ClockStateError('advance: the clock is not paused (call pause() first)');
  driver.advance(ms);
  await new Promise<void>((resolve) => setImmediate(resolve));
}
