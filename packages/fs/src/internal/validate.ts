import { fileURLToPath } from 'node:url';
import { describe } from '@rt/scheduler/primitives';

/** A path as the functions of @rt/fs accept it. */
export type PathLike = string | URL;

/** Validates a path argument and returns it as a string (file: URLs are converted). */
export function checkPath(path: unknown, what: string): string {
  let text: string;
  if (typeof path === 'string') text = path;
  else if (path instanceof URL) {
    if (path.protocol !== 'file:') throw new TypeError(`${what} must be a file: URL, got ${path.href}`);
    text = fileURLToPath(path);
  } else throw new TypeError(`${what} must be a string or a file: URL, got ${describe(path)}`);
  if (text.length === 0) throw new TypeError(`${what} must not be empty`);
  if (text.includes('\0')) throw new TypeError(`${what} must not contain a NUL byte, got ${describe(text)}`);
  return text;
}

/** Validates a byte buffer argument. */
export function checkBuffer(buf: unknown, what: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array, got ${describe(buf)}`);
  return buf;
}

/** Validates a non-negative safe integer. */
export function checkSize(value: unknown, what: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** Validates a file mode (permission bits, 0 to 0o7777). */
export function checkMode(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new RangeError(`${what} must be an integer between 0 and 0o7777, got ${describe(value)}`);
  }
  return value;
}

/** Validates an options object (undefined is fine). */
export function checkOptions(options: unknown, what: string): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${what} must be an object, got ${describe(options)}`);
  }
}
