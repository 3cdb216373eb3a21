// A job's payload: [module href, export name, args] in V8's serialization format, written
// into the arena. SharedArrayBuffers (in the arguments, and inside transferred channel ends)
// cannot be written into shared memory, and Node's deserializer cannot take them back out of
// band, so when `v8.serialize` refuses the value, a walk of arrays, plain objects, Maps and
// Sets replaces each SharedArrayBuffer with a placeholder `{ [SHARED_TAG]: index }` and lists
// the buffers; that list travels through the supervisor (one control message per job) and the
// runner puts the buffers back. Typed-array views are copied, as `v8.serialize` does; pass the
// SharedArrayBuffer itself to share memory with a job.
import { deserialize, serialize } from 'node:v8';

const SHARED_TAG = '__rtSharedArrayBuffer';

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function replace(value: unknown, shared: SharedArrayBuffer[], seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof SharedArrayBuffer) {
    let id = shared.indexOf(value);
    if (id < 0) id = shared.push(value) - 1;
    return { [SHARED_TAG]: id };
  }
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(replace(item, shared, seen));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) out.set(replace(k, shared, seen), replace(v, shared, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const v of value) out.add(replace(v, shared, seen));
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = replace((value as Record<string, unknown>)[key], shared, seen);
    return out;
  }
  return value;
}

function restore(value: unknown, shared: readonly SharedArrayBuffer[], seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], shared, seen);
    return value;
  }
  if (value instanceof Map) {
    seen.add(value);
    const entries = [...value];
    value.clear();
    for (const [k, v] of entries) value.set(restore(k, shared, seen), restore(v, shared, seen));
    return value;
  }
  if (value instanceof Set) {
    seen.add(value);
    const items = [...value];
    value.clear();
    for (const v of items) value.add(restore(v, shared, seen));
    return value;
  }
  if (isPlainObject(value)) {
    const id = (value as Record<string, unknown>)[SHARED_TAG];
    if (typeof id === 'number' && Object.keys(value).length === 1) return shared[id];
    seen.add(value);
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = restore((value as Record<string, unknown>)[key], shared, seen);
  }
  return value;
}

/** Serializes `value`; `shared` lists the SharedArrayBuffers it refers to (usually none). */
export function encodePayload(value: unknown): { bytes: Buffer; shared: SharedArrayBuffer[] } {
  try {
    return { bytes: serialize(value), shared: [] };
  } catch (error) {
    const shared: SharedArrayBuffer[] = [];
    const replaced = replace(value, shared, new Map());
    if (shared.length === 0) throw error;
    return { bytes: serialize(replaced), shared };
  }
}

/** Reads a payload back (`bytes` may be a view of shared memory: nothing refers to it after). */
export function decodePayload(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}

/** Puts back the SharedArrayBuffers `encodePayload` listed into a decoded payload. */
export function restoreShared(value: unknown, shared: readonly SharedArrayBuffer[]): unknown {
  return shared.length === 0 ? value : restore(value, shared, new Set());
}
