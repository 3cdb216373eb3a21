// One structured-clone value in shared memory (oneshot's value, watch's latest value): a
// growable data buffer and the length of the bytes in it, written and read under the
// control words' lock (the caller holds it).
import { decode } from './codec.js';
import { asGrowable, growableSharedArrayBuffer, type GrowableSharedArrayBuffer } from './es2024.js';

export class ValueCell {
  readonly data: GrowableSharedArrayBuffer;
  #u8: Uint8Array;
  #scratch: Buffer = Buffer.allocUnsafe(64);

  constructor(data: SharedArrayBuffer) {
    this.data = asGrowable(data);
    this.#u8 = new Uint8Array(data);
  }

  static createBuffer(initialBytes: number, maxBytes: number): SharedArrayBuffer {
    return growableSharedArrayBuffer(initialBytes, maxBytes);
  }

  /** False if `bytes` cannot fit even at the buffer's largest size. */
  fits(bytes: Uint8Array): boolean {
    return bytes.length <= this.data.maxByteLength;
  }

  /** Stores `bytes` (the caller holds the lock and checked `fits`). */
  write(bytes: Uint8Array): void {
    if (this.data.byteLength < bytes.length) {
      let next = Math.max(64, this.data.byteLength);
      while (next < bytes.length) next *= 2;
      this.data.grow(Math.min(next, this.data.maxByteLength));
    }
    this.#u8.set(bytes, 0);
  }

  /** Copies `length` stored bytes out (the caller holds the lock); decode them with `decode`. */
  copyOut(length: number): Buffer {
    if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(Math.max(length, this.#scratch.length * 2));
    this.#scratch.set(this.#u8.subarray(0, length), 0);
    return this.#scratch.subarray(0, length);
  }

  /** Deserializes bytes returned by `copyOut` (after the lock is released). */
  static decode(bytes: Buffer): unknown {
    return decode(bytes);
  }
}
