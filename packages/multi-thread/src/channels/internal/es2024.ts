// ES2024 features Node 20 has but our `lib` setting does not declare: growable
// SharedArrayBuffers and Atomics.waitAsync. Typed here, locally, instead of raising `lib`
// for the whole monorepo.

/** A SharedArrayBuffer created with `{ maxByteLength }`. */
export interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(newByteLength: number): void;
}

/** `new SharedArrayBuffer(length, { maxByteLength })`. */
export function growableSharedArrayBuffer(length: number, maxByteLength: number): GrowableSharedArrayBuffer {
  const Constructor = SharedArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;
  return new Constructor(length, { maxByteLength });
}

/** Views a SharedArrayBuffer as growable (a plain one reports `maxByteLength === byteLength`). */
export function asGrowable(buffer: SharedArrayBuffer): GrowableSharedArrayBuffer {
  return buffer as GrowableSharedArrayBuffer;
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

/** `Atomics.waitAsync` (Node ≥ 16). */
export const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult })
  .waitAsync.bind(Atomics);
