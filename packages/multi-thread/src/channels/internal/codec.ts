// Encoding values for shared memory: a fast path for plain data, `v8.serialize` for the rest.
//
// How and why: `v8.serialize` costs 2–5 µs per small object on this machine (a JS wrapper
// object, a Buffer per call, and the garbage of both: a producer spent ~60 % of its time
// there and in GC), so messages made of plain data — numbers, strings, booleans, null,
// undefined, plain objects and dense arrays of them, no object reached twice, ≤ 64 deep —
// are written by the small encoder below into a reused scratch buffer. Anything else
// (Date, Map, typed arrays, class instances, shared references, cycles, sparse arrays,
// BigInt, …) is given to `v8.serialize`, so the result is always a structured clone.
// The two forms are told apart by the first byte: v8's always starts with 0xFF.
//
// Strings are written as Latin-1 when every code unit is < 0x100 and as UTF-16LE
// otherwise, so lone surrogates survive as structured clone keeps them.
import { deserialize, serialize } from 'node:v8';

const UNDEFINED = 1;
const NULL = 2;
const TRUE = 3;
const FALSE = 4;
const INT32 = 5;
const FLOAT64 = 6;
const LATIN1 = 7;
const UTF16 = 8;
const ARRAY = 9;
const OBJECT = 10;

const MAX_DEPTH = 64;
const MAX_ARRAY = 4096;
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * The brand every handle of this package carries (a prototype getter): structured clone
 * would copy a handle as an empty object (its state is in private fields), so `encode`
 * refuses values containing one instead of sending `{}`.
 */
export const CHANNEL_END: unique symbol = Symbol.for('rt.multi-thread.channel-end') as never;

/** Thrown inside the encoder when the value needs v8.serialize. */
const FALLBACK: unique symbol = Symbol('rt.codec.fallback');

let scratch = Buffer.allocUnsafe(4096);
let view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
let at = 0;
const seen = new Set<object>();

function reserve(n: number): void {
  if (at + n <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < at + n) size *= 2;
  const next = Buffer.allocUnsafe(size);
  scratch.copy(next, 0, 0, at);
  scratch = next;
  view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
}

function writeString(s: string): void {
  if (s.length <= 32 ? isLatin1Short(s) : !BEYOND_LATIN1.test(s)) {
    reserve(5 + s.length);
    scratch[at] = LATIN1;
    view.setUint32(at + 1, s.length, true);
    at += 5;
    at += scratch.write(s, at, 'latin1');
  } else {
    reserve(5 + 2 * s.length);
    scratch[at] = UTF16;
    view.setUint32(at + 1, s.length, true);
    at += 5;
    at += scratch.write(s, at, 'utf16le');
  }
}

function isLatin1Short(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function write(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      reserve(9);
      if ((value | 0) === value && !Object.is(value, -0)) {
        scratch[at] = INT32;
        view.setInt32(at + 1, value, true);
        at += 5;
      } else {
        scratch[at] = FLOAT64;
        view.setFloat64(at + 1, value, true);
        at += 9;
      }
      return;
    case 'string':
      writeString(value);
      return;
    case 'boolean':
      reserve(1);
      scratch[at++] = value ? TRUE : FALSE;
      return;
    case 'undefined':
      reserve(1);
      scratch[at++] = UNDEFINED;
      return;
    case 'object': {
      if (value === null) {
        reserve(1);
        scratch[at++] = NULL;
        return;
      }
      if (depth >= MAX_DEPTH || seen.has(value)) throw FALLBACK;
      seen.add(value);
      if (Array.isArray(value)) {
        const length = value.length;
        if (length > MAX_ARRAY || Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== length) throw FALLBACK;
        reserve(5);
        scratch[at] = ARRAY;
        view.setUint32(at + 1, length, true);
        at += 5;
        for (let i = 0; i < length; i++) write(value[i], depth + 1);
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) throw FALLBACK;
      const keys = Object.keys(value);
      reserve(5);
      scratch[at] = OBJECT;
      view.setUint32(at + 1, keys.length, true);
      at += 5;
      for (const key of keys) {
        writeString(key);
        write((value as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    default:
      throw FALLBACK;
  }
}

/**
 * Encodes `value`: a view of a per-thread scratch buffer (valid until the next call: copy
 * it to keep it) or a fresh `v8.serialize` Buffer.
 *
 * Throws what `v8.serialize` throws for a value that cannot be cloned.
 */
export function encode(value: unknown): Uint8Array {
  at = 0;
  try {
    write(value, 0);
    return scratch.subarray(0, at);
  } catch (error) {
    if (error !== FALLBACK) throw error;
    seen.clear();
    if (containsHandle(value, 0)) {
      throw new TypeError(
        'a channel end, Semaphore, Notify or permit cannot travel inside a message of a cross-thread channel; pass it with encodeTransferables (postMessage, job or entry arguments)',
      );
    }
    return serialize(value);
  } finally {
    seen.clear();
  }
}

/** True if a handle of this package is reachable from `value` (what structured clone would walk). */
function containsHandle(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 1000) return false;
  if ((value as { [CHANNEL_END]?: unknown })[CHANNEL_END] === true) return true;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) if (containsHandle(k, depth + 1) || containsHandle(v, depth + 1)) return true;
    return false;
  }
  if (value instanceof Set) {
    for (const v of value) if (containsHandle(v, depth + 1)) return true;
    return false;
  }
  if (ArrayBuffer.isView(value)) return false;
  for (const key of Object.keys(value)) if (containsHandle((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** True if `bytes` (from `encode`) lives in the scratch buffer and must be copied to be kept. */
export function isScratch(bytes: Uint8Array): boolean {
  return bytes.buffer === scratch.buffer;
}

let input: Buffer = scratch;
let inputView: DataView = view;
let pos = 0;

function readString(tag: number): string {
  const length = inputView.getUint32(pos, true);
  pos += 4;
  if (tag === LATIN1) {
    const s = input.toString('latin1', pos, pos + length);
    pos += length;
    return s;
  }
  const s = input.toString('utf16le', pos, pos + 2 * length);
  pos += 2 * length;
  return s;
}

function read(): unknown {
  const tag = input[pos++]!;
  switch (tag) {
    case UNDEFINED:
      return undefined;
    case NULL:
      return null;
    case TRUE:
      return true;
    case FALSE:
      return false;
    case INT32: {
      const v = inputView.getInt32(pos, true);
      pos += 4;
      return v;
    }
    case FLOAT64: {
      const v = inputView.getFloat64(pos, true);
      pos += 8;
      return v;
    }
    case LATIN1:
    case UTF16:
      return readString(tag);
    case ARRAY: {
      const length = inputView.getUint32(pos, true);
      pos += 4;
      const out = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = read();
      return out;
    }
    case OBJECT: {
      const count = inputView.getUint32(pos, true);
      pos += 4;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const keyTag = input[pos++]!;
        const key = readString(keyTag);
        out[key] = read();
      }
      return out;
    }
    default:
      throw new TypeError(`rt channels: corrupt record (tag ${tag})`);
  }
}

/** Decodes bytes produced by `encode` (the caller may reuse `bytes` afterwards). */
export function decode(bytes: Buffer): unknown {
  if (bytes.length === 0 || bytes[0] === 0xff) return deserialize(bytes);
  input = bytes;
  inputView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  return read();
}
