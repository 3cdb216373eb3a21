// Input checks shared by every primitive: bad input fails at once, naming the value (with
// the toolkit's `describe`).
import { describe } from '@rt/scheduler/primitives';

export { describe };

export function checkBuffer(buf: unknown, what: string): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a Uint8Array (or Buffer), got ${describe(buf)}`);
  }
}

export function checkSize(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
}

export function checkReader(reader: unknown, what: string): void {
  if (reader === null || typeof reader !== 'object' || typeof (reader as { read?: unknown }).read !== 'function') {
    throw new TypeError(`${what} must be an AsyncRead (an object with a read method), got ${describe(reader)}`);
  }
}

export function checkWriter(writer: unknown, what: string): void {
  const w = writer as { write?: unknown; flush?: unknown; shutdown?: unknown } | null;
  if (w === null || typeof w !== 'object' || typeof w.write !== 'function' || typeof w.flush !== 'function' || typeof w.shutdown !== 'function') {
    throw new TypeError(`${what} must be an AsyncWrite (an object with write, flush and shutdown methods), got ${describe(writer)}`);
  }
}
