// Moving channel ends between threads inside ordinary data.
//
// `encodeTransferables` walks arrays and plain objects and replaces every channel end it
// finds (mpsc, oneshot and watch ends, Semaphore, Notify) by a plain descriptor
// `{ [TRANSFER_TAG]: kind, ... }` that structured-clones (its SharedArrayBuffers are shared,
// not copied). `decodeTransferables` walks the result on the other side and rebuilds the
// ends. Values that are neither arrays, plain objects nor channel ends are returned as they
// are (structured clone copies them as usual).
//
// The descriptors hold only SharedArrayBuffers and strings, so they travel through any
// structured clone: `worker.postMessage(encodeTransferables(args))` with plain
// `worker_threads` works as well as job and entry arguments of the multi-thread runtime.
// (They cannot travel *inside* a message of one of these channels: `v8.serialize` refuses
// SharedArrayBuffers.)
import * as mpsc from './mpsc.js';
import { Notify } from './notify.js';
import * as oneshot from './oneshot.js';
import { Semaphore } from './semaphore.js';
import { TRANSFER_TAG } from './transfer-tag.js';
import * as watch from './watch.js';

export { TRANSFER_TAG };

/** A channel end's (or shared primitive's) descriptor: structured-cloneable, holds SharedArrayBuffers. */
export interface TransferDescriptor {
  readonly [TRANSFER_TAG]: string;
}

interface Transferable {
  transfer(): TransferDescriptor;
}

/** The classes whose instances are encoded, and how each kind is rebuilt. */
const encoders: readonly (abstract new (...args: never[]) => Transferable)[] = [
  mpsc.Sender,
  mpsc.UnboundedSender,
  mpsc.Receiver,
  oneshot.Sender,
  oneshot.Receiver,
  watch.Sender,
  watch.Receiver,
  Semaphore,
  Notify,
];

const decoders = new Map<string, (descriptor: never) => unknown>([
  ['mpsc.Sender', mpsc.Sender.fromTransfer],
  ['mpsc.UnboundedSender', mpsc.UnboundedSender.fromTransfer],
  ['mpsc.Receiver', mpsc.Receiver.fromTransfer],
  ['oneshot.Sender', oneshot.Sender.fromTransfer],
  ['oneshot.Receiver', oneshot.Receiver.fromTransfer],
  ['watch.Sender', watch.Sender.fromTransfer],
  ['watch.Receiver', watch.Receiver.fromTransfer],
  ['Semaphore', Semaphore.fromTransfer],
  ['Notify', Notify.fromTransfer],
]);

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  // Object.prototype of this realm or of another one (a vm context's structured clone).
  return proto === null || proto === Object.prototype || (typeof proto === 'object' && Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]');
}

/**
 * Replaces every channel end inside `value` (arrays and plain objects, walked deeply) by a
 * structured-cloneable descriptor, moving the end: the local end becomes unusable (a
 * `Semaphore` or `Notify` is shared instead: its local handle stays usable).
 *
 * Values of other kinds are returned unchanged. A cycle through arrays or plain objects is
 * walked once (the encoded copy keeps the cycle).
 *
 * **Errors:** whatever an end's `transfer()` throws (an end that was already moved or closed,
 * or has a parked operation); the ends met before that one are already moved then, so check
 * them first if a failure must leave everything usable.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = shared.mpsc.channel<number>(16);
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
  for (const kind of encoders) {
    if (value instanceof kind) {
      const descriptor = (value as Transferable).transfer();
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
 * **Errors:** `TypeError` for a descriptor of an unknown kind.
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
    const decoder = decoders.get(tag);
    if (decoder === undefined) throw new TypeError(`decodeTransferables: unknown channel end kind ${JSON.stringify(tag)}`);
    const end = decoder(value as never);
    seen.set(value, end);
    return end;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = decode((value as Record<string, unknown>)[key], seen);
  return out;
}
