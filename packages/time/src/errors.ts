import { RtError } from '@rt/scheduler';

/**
 * The rejection of `timeout`/`timeoutAt` when the deadline passes before the operation
 * completes (Tokio's `time::error::Elapsed`). Also the abort reason of the signal given to
 * the operation.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none. Code `ERR_RT_ELAPSED`.
 *
 * **Example**
 * ```ts
 * try { await timeout(100, slowWork()); } catch (error) {
 *   if (error instanceof Elapsed) console.log(error.code); // 'ERR_RT_ELAPSED'
 * }
 * ```
 */
export class Elapsed extends RtError {
  constructor(message = 'deadline has elapsed', options?: ErrorOptions) {
    super('ERR_RT_ELAPSED', message, options);
  }
}
Object.defineProperty(Elapsed.prototype, 'name', { value: 'Elapsed', writable: true, configurable: true });

/**
 * Thrown by `pause`, `resume` and `advance` when the clock is not in the state they need
 * (Tokio panics in these cases): `pause` on a paused clock, `resume`/`advance` on a
 * running one.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none. Code `ERR_RT_CLOCK_STATE`.
 *
 * **Example**
 * ```ts
 * try { await advance(10); } catch (error) {
 *   if (error instanceof ClockStateError) pause();
 * }
 * ```
 */
export class ClockStateError extends RtError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RT_CLOCK_STATE', message, options);
  }
}
Object.defineProperty(ClockStateError.prototype, 'name', { value: 'ClockStateError', writable: true, configurable: true });
