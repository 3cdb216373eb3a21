// Moving channel ends between threads inside ordinary data.
//
// `encodeTransferables` walks arrays and plain objects and replaces every channel end it
// finds (anything registered with `registerTransferable`) by a plain descriptor
// `{ [TRANSFER_TAG]: kind, ... }` that structured-clones (its SharedArrayBuffers are shared,
// not copied). `decodeTransferables` walks the result on the other side and rebuilds the
// ends. Values that are neither arrays, plain objects nor channel ends are returned as they
// are (structured clone copies them as usual).

/** The key a descriptor is recognised by. */
export const TRANSFER_TAG = '__rtTransfer';

/** A channel end's descriptor: structured-cloneable, holds SharedArrayBuffers. */
export interface TransferDescriptor {
  readonly [TRANSFER_TAG]: string;
}

interface TransferableKind {
  /** Whether `value` is an end of this kind. */
  is(value: unknown): boolean;
  /** Moves the end out (the local end becomes unusable) and describes it. */
  encode(value: unknown): TransferDescriptor;
  /** Rebuilds an end from its descriptor. */
  decode(descriptor: TransferDescriptor): unknown;
}

const kinds = new Map<string, TransferableKind>();

/** Registers a kind of transferable end (done by each channel module). @internal */
export function registerTransferable(kind: string, implementation: TransferableKind): void {
  kinds.set(kind, implementation);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces every channel end inside `value` (arrays and plain objects, walked deeply) by a
 * structured-cloneable descriptor, moving the end: the local end becomes unusable.
 *
 * Values of other kinds are returned unchanged. A cycle through arrays or plain objects is
 * walked once (the encoded copy keeps the cycle).
 *
 * **Errors**: whatever an end's `transfer()` throws (an end that was already moved or closed).
 *
 * **Example**
 * ```ts
 * const [tx, rx] = mpsc.channel<number>(16);
 * worker.postMessage(encodeTransferables({ reply: tx }));
 * ```
 */
export function encodeTransferables(value: unknown): unknown {
  return encode(value, new Map());
}

function encode(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  for (const [, kind] of kinds) {
    if (kind.is(value)) {
      const descriptor = kind.encode(value);
      seen.set(value, descriptor);
      return descriptor;
    }
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(encode(item, seen));
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = encode((value as Record<string, unknown>)[key], seen);
    return out;
  }
  return value;
}

/**
 * Rebuilds the channel ends inside `value` that `encodeTransferables` described (arrays and
 * plain objects, walked deeply); everything else is returned unchanged.
 *
 * **Errors**: `TypeError` for a descriptor of an unknown kind.
 *
 * **Example**
 * ```ts
 * parentPort.on('message', (message) => {
 *   const { reply } = decodeTransferables(message) as { reply: mpsc.Sender<number> };
 * });
 * ```
 */
export function decodeTransferables(value: unknown): unknown {
  return decode(value, new Map());
}

function decode(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(decode(item, seen));
    return out;
  }
  if (!isPlainObject(value)) return value;
  const tag = (value as Record<string, unknown>)[TRANSFER_TAG];
  if (typeof tag === 'string') {
    const kind = kinds.get(tag);
    if (kind === undefined) throw new TypeError(`decodeTransferables: unknown channel end kind ${JSON.stringify(tag)}`);
    const end = kind.decode(value as TransferDescriptor);
    seen.set(value, end);
    return end;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = decode((value as Record<string, unknown>)[key], seen);
  return out;
}
