// Input checks shared by the public functions: bad input fails at once, naming the value.
import { describe } from '@rt/scheduler/primitives';

export { describe };

/** A duration in milliseconds: a finite number >= 0. Returns it. */
export function checkDuration(ms: number, what: string): number {
  if (typeof ms !== 'number') throw new TypeError(`${what}: expected a duration in milliseconds (a number), got ${describe(ms)}`);
  if (!(ms >= 0) || ms === Infinity) throw new RangeError(`${what}: the duration must be a finite number of milliseconds >= 0, got ${describe(ms)}`);
  return ms;
}

/** A period in milliseconds: a finite number > 0. Returns it. */
export function checkPeriod(ms: number, what: string): number {
  if (typeof ms !== 'number') throw new TypeError(`${what}: expected a period in milliseconds (a number), got ${describe(ms)}`);
  if (!(ms > 0) || ms === Infinity) throw new RangeError(`${what}: the period must be a finite number of milliseconds > 0, got ${describe(ms)}`);
  return ms;
}

/** Options of a waiting operation: undefined, or an object whose `signal` is an AbortSignal. */
export function checkWaitOptions(options: unknown, what: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object like { signal }, got ${describe(options)}`);
  const signal = (options as { signal?: unknown }).signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${what}: options.signal must be an AbortSignal, got ${describe(signal)}`);
}
