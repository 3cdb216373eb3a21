// Moving a handle between threads like a Rust move: `transfer()` marks the local handle
// moved and puts a one-word *claim* in the descriptor; `fromTransfer` claims it with a
// compare-and-swap, so a descriptor (which structured clone can copy) rebuilds at most one
// handle.
import { Closed } from '@rt/sync';

/** A fresh claim word, set to 1 (unclaimed). */
export function newClaim(): SharedArrayBuffer {
  const claim = new SharedArrayBuffer(4);
  new Int32Array(claim)[0] = 1;
  return claim;
}

/** Claims a descriptor's word or throws `Closed` if it was already used. */
export function claim(buffer: unknown, what: string): void {
  if (!isSharedArrayBuffer(buffer) || buffer.byteLength < 4) {
    throw new TypeError(`${what}: not a transfer descriptor (claim is ${String(buffer)})`);
  }
  if (Atomics.compareExchange(new Int32Array(buffer), 0, 1, 0) !== 1) {
    throw new Closed(`${what}: this descriptor was already used to rebuild a handle`);
  }
}

/** Checks a value is a SharedArrayBuffer (a descriptor's field). */
export function sharedBuffer(value: unknown, what: string): SharedArrayBuffer {
  if (!isSharedArrayBuffer(value)) throw new TypeError(`${what} must be a SharedArrayBuffer, got ${String(value)}`);
  return value;
}

/** A random 31-bit id for `sameChannel` across threads. */
export function randomId(): number {
  return (Math.random() * 0x7fffffff) | 0;
}

/** A SharedArrayBuffer of any realm (a structured clone may come from another vm context). */
export function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}
