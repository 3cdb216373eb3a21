// Typed writes over any AsyncWrite: Tokio's AsyncWriteExt::write_u8 … write_f64_le.
// Each encodes the value into a small buffer and writes it with writeAll, so each has
// writeAll's cancel safety (none for multi-byte values: a prefix may have been written).
import type { WaitOptions } from '@rt/scheduler';
import type { AsyncWrite } from './async-write.js';
import { writeAll } from './write-all.js';
import { checkWriter } from './internal/validate.js';
import * as codec from './internal/codec.js';

async function writeTyped(writer: AsyncWrite, bytes: Uint8Array, what: string, options: WaitOptions | undefined): Promise<void> {
  checkWriter(writer, `${what}: writer`);
  await writeAll(writer, bytes, options);
}

/**
 * Writes an unsigned 8-bit integer (Tokio's `write_u8`).
 *
 * **Cancellation:** cancel safe: one byte is either written or not.
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from 0 to 2^8 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU8(a, 42);
 * ```
 */
export function writeU8(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU8(value, 'writeU8'), 'writeU8', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 8-bit integer (Tokio's `write_i8`).
 *
 * **Cancellation:** cancel safe: one byte is either written or not.
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from -2^7 to 2^7 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI8(a, 42);
 * ```
 */
export function writeI8(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI8(value, 'writeI8'), 'writeI8', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 16-bit integer in big-endian (network) order (Tokio's `write_u16`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from 0 to 2^16 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU16(a, 42);
 * ```
 */
export function writeU16(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU16(value, 'writeU16'), 'writeU16', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 16-bit integer in little-endian order (Tokio's `write_u16_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from 0 to 2^16 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU16Le(a, 42);
 * ```
 */
export function writeU16Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU16Le(value, 'writeU16Le'), 'writeU16Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 16-bit integer in big-endian (network) order (Tokio's `write_i16`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from -2^15 to 2^15 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI16(a, 42);
 * ```
 */
export function writeI16(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI16(value, 'writeI16'), 'writeI16', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 16-bit integer in little-endian order (Tokio's `write_i16_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from -2^15 to 2^15 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI16Le(a, 42);
 * ```
 */
export function writeI16Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI16Le(value, 'writeI16Le'), 'writeI16Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 32-bit integer in big-endian (network) order (Tokio's `write_u32`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from 0 to 2^32 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU32(a, 42);
 * ```
 */
export function writeU32(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU32(value, 'writeU32'), 'writeU32', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 32-bit integer in little-endian order (Tokio's `write_u32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from 0 to 2^32 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU32Le(a, 42);
 * ```
 */
export function writeU32Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU32Le(value, 'writeU32Le'), 'writeU32Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 32-bit integer in big-endian (network) order (Tokio's `write_i32`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from -2^31 to 2^31 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI32(a, 42);
 * ```
 */
export function writeI32(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI32(value, 'writeI32'), 'writeI32', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 32-bit integer in little-endian order (Tokio's `write_i32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number, `RangeError` if it is not an integer from -2^31 to 2^31 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI32Le(a, 42);
 * ```
 */
export function writeI32Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI32Le(value, 'writeI32Le'), 'writeI32Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 64-bit integer in big-endian (network) order (Tokio's `write_u64`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a bigint or a safe integer, `RangeError` if it is outside 0 to 2^64 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU64(a, 42n);
 * ```
 */
export function writeU64(writer: AsyncWrite, value: bigint | number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU64(value, 'writeU64'), 'writeU64', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes an unsigned 64-bit integer in little-endian order (Tokio's `write_u64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a bigint or a safe integer, `RangeError` if it is outside 0 to 2^64 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeU64Le(a, 42n);
 * ```
 */
export function writeU64Le(writer: AsyncWrite, value: bigint | number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeU64Le(value, 'writeU64Le'), 'writeU64Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 64-bit integer in big-endian (network) order (Tokio's `write_i64`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a bigint or a safe integer, `RangeError` if it is outside -2^63 to 2^63 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI64(a, 42n);
 * ```
 */
export function writeI64(writer: AsyncWrite, value: bigint | number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI64(value, 'writeI64'), 'writeI64', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a signed 64-bit integer in little-endian order (Tokio's `write_i64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a bigint or a safe integer, `RangeError` if it is outside -2^63 to 2^63 - 1 (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeI64Le(a, 42n);
 * ```
 */
export function writeI64Le(writer: AsyncWrite, value: bigint | number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeI64Le(value, 'writeI64Le'), 'writeI64Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a 32-bit IEEE 754 float in big-endian (network) order (Tokio's `write_f32`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeF32(a, 1.5);
 * ```
 */
export function writeF32(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeF32(value, 'writeF32'), 'writeF32', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a 32-bit IEEE 754 float in little-endian order (Tokio's `write_f32_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeF32Le(a, 1.5);
 * ```
 */
export function writeF32Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeF32Le(value, 'writeF32Le'), 'writeF32Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a 64-bit IEEE 754 float in big-endian (network) order (Tokio's `write_f64`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeF64(a, 1.5);
 * ```
 */
export function writeF64(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeF64(value, 'writeF64'), 'writeF64', options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Writes a 64-bit IEEE 754 float in little-endian order (Tokio's `write_f64_le`).
 *
 * **Cancellation:** not cancel safe: on abort, a prefix of the value's bytes may have been written (as `writeAll`).
 *
 * **Errors:** `TypeError` if `value` is not a number (thrown before anything is written); errors of `writer`;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await writeF64Le(a, 1.5);
 * ```
 */
export function writeF64Le(writer: AsyncWrite, value: number, options?: WaitOptions): Promise<void> {
  try {
    return writeTyped(writer, codec.encodeF64Le(value, 'writeF64Le'), 'writeF64Le', options);
  } catch (error) {
    return Promise.reject(error);
  }
}
