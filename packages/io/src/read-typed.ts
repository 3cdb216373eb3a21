// Typed reads over any AsyncRead: Tokio's AsyncReadExt::read_u8 … read_f64_le.
// Each reads exactly the value's size (readExact), so each multi-byte read has readExact's
// cancel safety: none. A BufReader that already holds the bytes is decoded in place,
// without waiting and without allocating.
import { throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import { BufReader } from './buf-reader.js';
import { readExact } from './read-exact.js';
import { checkReader } from './internal/validate.js';
import * as codec from './internal/codec.js';

async function readTyped<T>(reader: AsyncRead, size: number, decode: (bytes: Uint8Array) => T, what: string, options: WaitOptions | undefined): Promise<T> {
  checkReader(reader, `${what}: reader`);
  if (reader instanceof BufReader) {
    const buffered = reader.buffer;
    if (buffered.length >= size) {
      throwIfCancelled(options);
      const value = decode(buffered);
      reader.consume(size);
      return value;
    }
  }
  const bytes = new Uint8Array(size);
  await readExact(reader, bytes, options);
  return decode(bytes);
}

/**
 * Reads an unsigned 8-bit integer (Tokio's `read_u8`).
 *
 * **Cancellation:** cancel safe: one byte is either read or not.
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU8(a, 42);
 * const value = await readU8(b); // 42
 * ```
 */
export function readU8(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 1, codec.decodeU8, 'readU8', options);
}

/**
 * Reads a signed 8-bit integer (Tokio's `read_i8`).
 *
 * **Cancellation:** cancel safe: one byte is either read or not.
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI8(a, 42);
 * const value = await readI8(b); // 42
 * ```
 */
export function readI8(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 1, codec.decodeI8, 'readI8', options);
}

/**
 * Reads an unsigned 16-bit integer in big-endian (network) order (Tokio's `read_u16`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU16(a, 42);
 * const value = await readU16(b); // 42
 * ```
 */
export function readU16(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 2, codec.decodeU16, 'readU16', options);
}

/**
 * Reads an unsigned 16-bit integer in little-endian order (Tokio's `read_u16_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU16Le(a, 42);
 * const value = await readU16Le(b); // 42
 * ```
 */
export function readU16Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 2, codec.decodeU16Le, 'readU16Le', options);
}

/**
 * Reads a signed 16-bit integer in big-endian (network) order (Tokio's `read_i16`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI16(a, 42);
 * const value = await readI16(b); // 42
 * ```
 */
export function readI16(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 2, codec.decodeI16, 'readI16', options);
}

/**
 * Reads a signed 16-bit integer in little-endian order (Tokio's `read_i16_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI16Le(a, 42);
 * const value = await readI16Le(b); // 42
 * ```
 */
export function readI16Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 2, codec.decodeI16Le, 'readI16Le', options);
}

/**
 * Reads an unsigned 32-bit integer in big-endian (network) order (Tokio's `read_u32`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU32(a, 42);
 * const value = await readU32(b); // 42
 * ```
 */
export function readU32(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeU32, 'readU32', options);
}

/**
 * Reads an unsigned 32-bit integer in little-endian order (Tokio's `read_u32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU32Le(a, 42);
 * const value = await readU32Le(b); // 42
 * ```
 */
export function readU32Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeU32Le, 'readU32Le', options);
}

/**
 * Reads a signed 32-bit integer in big-endian (network) order (Tokio's `read_i32`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI32(a, 42);
 * const value = await readI32(b); // 42
 * ```
 */
export function readI32(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeI32, 'readI32', options);
}

/**
 * Reads a signed 32-bit integer in little-endian order (Tokio's `read_i32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI32Le(a, 42);
 * const value = await readI32Le(b); // 42
 * ```
 */
export function readI32Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeI32Le, 'readI32Le', options);
}

/**
 * Reads an unsigned 64-bit integer in big-endian (network) order (Tokio's `read_u64`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU64(a, 42n);
 * const value = await readU64(b); // 42n
 * ```
 */
export function readU64(reader: AsyncRead, options?: WaitOptions): Promise<bigint> {
  return readTyped(reader, 8, codec.decodeU64, 'readU64', options);
}

/**
 * Reads an unsigned 64-bit integer in little-endian order (Tokio's `read_u64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeU64Le(a, 42n);
 * const value = await readU64Le(b); // 42n
 * ```
 */
export function readU64Le(reader: AsyncRead, options?: WaitOptions): Promise<bigint> {
  return readTyped(reader, 8, codec.decodeU64Le, 'readU64Le', options);
}

/**
 * Reads a signed 64-bit integer in big-endian (network) order (Tokio's `read_i64`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI64(a, 42n);
 * const value = await readI64(b); // 42n
 * ```
 */
export function readI64(reader: AsyncRead, options?: WaitOptions): Promise<bigint> {
  return readTyped(reader, 8, codec.decodeI64, 'readI64', options);
}

/**
 * Reads a signed 64-bit integer in little-endian order (Tokio's `read_i64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeI64Le(a, 42n);
 * const value = await readI64Le(b); // 42n
 * ```
 */
export function readI64Le(reader: AsyncRead, options?: WaitOptions): Promise<bigint> {
  return readTyped(reader, 8, codec.decodeI64Le, 'readI64Le', options);
}

/**
 * Reads a 32-bit IEEE 754 float in big-endian (network) order (Tokio's `read_f32`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeF32(a, 1.5);
 * const value = await readF32(b); // 1.5
 * ```
 */
export function readF32(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeF32, 'readF32', options);
}

/**
 * Reads a 32-bit IEEE 754 float in little-endian order (Tokio's `read_f32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeF32Le(a, 1.5);
 * const value = await readF32Le(b); // 1.5
 * ```
 */
export function readF32Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 4, codec.decodeF32Le, 'readF32Le', options);
}

/**
 * Reads a 64-bit IEEE 754 float in big-endian (network) order (Tokio's `read_f64`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeF64(a, 1.5);
 * const value = await readF64(b); // 1.5
 * ```
 */
export function readF64(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 8, codec.decodeF64, 'readF64', options);
}

/**
 * Reads a 64-bit IEEE 754 float in little-endian order (Tokio's `read_f64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, the bytes of the value already read are lost (as `readExact`).
 *
 * **Errors:** `UnexpectedEof` if the stream ends first; errors of `reader`; `Cancelled` on
 * abort.
 *
 * **Example**
 * ```ts
 * await writeF64Le(a, 1.5);
 * const value = await readF64Le(b); // 1.5
 * ```
 */
export function readF64Le(reader: AsyncRead, options?: WaitOptions): Promise<number> {
  return readTyped(reader, 8, codec.decodeF64Le, 'readF64Le', options);
}
