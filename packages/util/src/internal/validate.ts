// Input checks of @rt/util: bad input fails at once, naming the value. (Each rt package keeps
// one such file; @rt/util's is this one. Values are named by the toolkit's `describe`, as
// @rt/io's and @rt/fs's are.)
import { describe } from '@rt/scheduler/primitives';

export { describe };

export function checkFunction(value: unknown, what: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${what} must be a function, got ${describe(value)}`);
}

export function checkInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${what} must be an integer ${range}, got ${describe(value)}`);
  }
}

export function checkObject(value: unknown, what: string): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) {
    throw new TypeError(`${what} must be an object, got ${describe(value)}`);
  }
}
