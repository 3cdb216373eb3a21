// Input checks of @rt/util: bad input fails at once, naming the value. (Each rt package keeps
// one such file; @rt/util's is this one.)

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  return Object.prototype.toString.call(value);
}

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
