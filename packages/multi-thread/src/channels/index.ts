// Cross-thread channels and synchronisation, exported as the `shared` namespace:
// `shared.mpsc`, `shared.oneshot` and `shared.watch` whose ends can move to another worker
// thread, and `shared.Semaphore`/`shared.Notify` shared by threads — @rt/sync's API and
// cancel safety, with values structured-cloned into shared memory and waits woken across
// threads by `Atomics.waitAsync`. They are not @rt/sync's primitives: the README's
// "How shared differs from @rt/sync" table lists what differs (ordering across threads, what
// can be sent, closing, errors).
//
// Move an end with `end.transfer()` (a structured-cloneable descriptor; the local end
// becomes unusable) and rebuild it with `X.fromTransfer(descriptor)`, or let
// `encodeTransferables`/`decodeTransferables` do it for every end inside job or entry
// arguments (or any `postMessage`).
//
//     const [tx, rx] = shared.mpsc.channel<number>(16);
//     worker.postMessage(encodeTransferables({ tx }));   // the end moves to the worker
//     for await (const n of rx) console.log(n);          // ends when the worker closes tx
import * as shared from './shared.js';

export { shared };
export { decodeTransferables, encodeTransferables, TRANSFER_TAG } from './transfer.js';
export type { TransferDescriptor } from './transfer.js';

// The names these had before they moved into `shared`; kept for one release.

/** @deprecated Use `shared.mpsc` (cross-thread; it is not @rt/sync's `mpsc`). Removed in the next minor release. */
export import mpsc = shared.mpsc;
/** @deprecated Use `shared.oneshot` (cross-thread; it is not @rt/sync's `oneshot`). Removed in the next minor release. */
export import oneshot = shared.oneshot;
/** @deprecated Use `shared.watch` (cross-thread; it is not @rt/sync's `watch`). Removed in the next minor release. */
export import watch = shared.watch;
/** @deprecated Use `shared.Semaphore` (FIFO only within a thread; it is not @rt/sync's `Semaphore`). Removed in the next minor release. */
export import Semaphore = shared.Semaphore;
/** @deprecated Use `shared.SemaphorePermit`. Removed in the next minor release. */
export import SemaphorePermit = shared.SemaphorePermit;
/** @deprecated Use `shared.Notify` (cross-thread; it is not @rt/sync's `Notify`). Removed in the next minor release. */
export import Notify = shared.Notify;
/** @deprecated Use `shared.Notified`. Removed in the next minor release. */
export import Notified = shared.Notified;
/** @deprecated Use `shared.NotifyDescriptor`. */
export type NotifyDescriptor = shared.NotifyDescriptor;
/** @deprecated Use `shared.SemaphoreDescriptor`. */
export type SemaphoreDescriptor = shared.SemaphoreDescriptor;
/** @deprecated Use `shared.ChannelOptions`. */
export type ChannelOptions = shared.ChannelOptions;
/** @deprecated Use `shared.EndDescriptor`. */
export type EndDescriptor = shared.EndDescriptor;
/** @deprecated Use `shared.OneshotDescriptor`. */
export type OneshotDescriptor = shared.OneshotDescriptor;
/** @deprecated Use `shared.OneshotOptions`. */
export type OneshotOptions = shared.OneshotOptions;
/** @deprecated Use `shared.WatchDescriptor`. */
export type WatchDescriptor = shared.WatchDescriptor;
/** @deprecated Use `shared.WatchOptions`. */
export type WatchOptions = shared.WatchOptions;
