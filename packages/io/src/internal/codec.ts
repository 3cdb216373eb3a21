// Byte-order codecs for the typed reads and writes. Decoders read from the start of a
// Uint8Array; encoders validate the value (naming it) and return a fresh buffer.
import { describe } from './validate.js';

const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);

function checkInteger(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number') throw new TypeError(`${what}: value must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what}: value must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkBigint(value: unknown, min: bigint, max: bigint, what: string): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else throw new TypeError(`${what}: value must be a bigint or a safe integer, got ${describe(value)}`);
  if (big < min || big > max) throw new RangeError(`${what}: value must be from ${min} to ${max}, got ${describe(value)}`);
  return big;
}

function checkFloat(value: unknown, what: string): number {
  if (typeof value !== 'number') throw new TypeError(`${what}: value must be a number, got ${describe(value)}`);
  return value;
}

function load(bytes: Uint8Array, size: number): DataView {
  scratchBytes.set(bytes.subarray(0, size));
  return scratch;
}

function store(size: number): Uint8Array {
  return scratchBytes.slice(0, size);
}

export function decodeU8(bytes: Uint8Array): number {
  return load(bytes, 1).getUint8(0);
}
export function encodeU8(value: unknown, what: string): Uint8Array {
  scratch.setUint8(0, checkInteger(value, 0, 255, what));
  return store(1);
}

export function decodeI8(bytes: Uint8Array): number {
  return load(bytes, 1).getInt8(0);
}
export function encodeI8(value: unknown, what: string): Uint8Array {
  scratch.setInt8(0, checkInteger(value, -128, 127, what));
  return store(1);
}

export function decodeU16(bytes: Uint8Array): number {
  return load(bytes, 2).getUint16(0, false);
}
export function encodeU16(value: unknown, what: string): Uint8Array {
  scratch.setUint16(0, checkInteger(value, 0, 65535, what), false);
  return store(2);
}

export function decodeU16Le(bytes: Uint8Array): number {
  return load(bytes, 2).getUint16(0, true);
}
export function encodeU16Le(value: unknown, what: string): Uint8Array {
  scratch.setUint16(0, checkInteger(value, 0, 65535, what), true);
  return store(2);
}

export function decodeI16(bytes: Uint8Array): number {
  return load(bytes, 2).getInt16(0, false);
}
export function encodeI16(value: unknown, what: string): Uint8Array {
  scratch.setInt16(0, checkInteger(value, -32768, 32767, what), false);
  return store(2);
}

export function decodeI16Le(bytes: Uint8Array): number {
  return load(bytes, 2).getInt16(0, true);
}
export function encodeI16Le(value: unknown, what: string): Uint8Array {
  scratch.setInt16(0, checkInteger(value, -32768, 32767, what), true);
  return store(2);
}

export function decodeU32(bytes: Uint8Array): number {
  return load(bytes, 4).getUint32(0, false);
}
export function encodeU32(value: unknown, what: string): Uint8Array {
  scratch.setUint32(0, checkInteger(value, 0, 4294967295, what), false);
  return store(4);
}

export function decodeU32Le(bytes: Uint8Array): number {
  return load(bytes, 4).getUint32(0, true);
}
export function encodeU32Le(value: unknown, what: string): Uint8Array {
  scratch.setUint32(0, checkInteger(value, 0, 4294967295, what), true);
  return store(4);
}

export function decodeI32(bytes: Uint8Array): number {
  return load(bytes, 4).getInt32(0, false);
}
export function encodeI32(value: unknown, what: string): Uint8Array {
  scratch.setInt32(0, checkInteger(value, -2147483648, 2147483647, what), false);
  return store(4);
}

export function decodeI32Le(bytes: Uint8Array): number {
  return load(bytes, 4).getInt32(0, true);
}
export function encodeI32Le(value: unknown, what: string): Uint8Array {
  scratch.setInt32(0, checkInteger(value, -2147483648, 2147483647, what), true);
  return store(4);
}

export function decodeU64(bytes: Uint8Array): bigint {
  return load(bytes, 8).getBigUint64(0, false);
}
export function encodeU64(value: unknown, what: string): Uint8Array {
  scratch.setBigUint64(0, checkBigint(value, 0n, 2n ** 64n - 1n, what), false);
  return store(8);
}

export function decodeU64Le(bytes: Uint8Array): bigint {
  return load(bytes, 8).getBigUint64(0, true);
}
export function encodeU64Le(value: unknown, what: string): Uint8Array {
  scratch.setBigUint64(0, checkBigint(value, 0n, 2n ** 64n - 1n, what), true);
  return store(8);
}

export function decodeI64(bytes: Uint8Array): bigint {
  return load(bytes, 8).getBigInt64(0, false);
}
export function encodeI64(value: unknown, what: string): Uint8Array {
  scratch.setBigInt64(0, checkBigint(value, -(2n ** 63n), 2n ** 63n - 1n, what), false);
  return store(8);
}

export function decodeI64Le(bytes: Uint8Array): bigint {
  return load(bytes, 8).getBigInt64(0, true);
}
export function encodeI64Le(value: unknown, what: string): Uint8Array {
  scratch.setBigInt64(0, checkBigint(value, -(2n ** 63n), 2n ** 63n - 1n, what), true);
  return store(8);
}

export function decodeF32(bytes: Uint8Array): number {
  return load(bytes, 4).getFloat32(0, false);
}
export function encodeF32(value: unknown, what: string): Uint8Array {
  scratch.setFloat32(0, checkFloat(value, what), false);
  return store(4);
}

export function decodeF32Le(bytes: Uint8Array): number {
  return load(bytes, 4).getFloat32(0, true);
}
export function encodeF32Le(value: unknown, what: string): Uint8Array {
  scratch.setFloat32(0, checkFloat(value, what), true);
  return store(4);
}

export function decodeF64(bytes: Uint8Array): number {
  return load(bytes, 8).getFloat64(0, false);
}
export function encodeF64(value: unknown, what: string): Uint8Array {
  scratch.setFloat64(0, checkFloat(value, what), false);
  return store(8);
}

export function decodeF64Le(bytes: Uint8Array): number {
  return load(bytes, 8).getFloat64(0, true);
}
export function encodeF64Le(value: unknown, what: string): Uint8Array {
  scratch.setFloat64(0, checkFloat(value, what), true);
  return store(8);
}
