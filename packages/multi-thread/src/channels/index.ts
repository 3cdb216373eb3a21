// Cross-thread channels and synchronisation: `mpsc`, `oneshot` and `watch` whose ends can
// move to another worker thread, and `Semaphore`/`Notify` shared by threads — the same API,
// backpressure and cancel safety as @rt/sync's, with values structured-cloned into shared
// memory and waits woken across threads by `Atomics.waitAsync`.
//
// Move an end with `end.transfer()` (a structured-cloneable descriptor; the local end
// becomes unusable) and rebuild it with `X.fromTransfer(descriptor)`, or let
// `encodeTransferables`/`decodeTransferables` do it for every end inside job or entry
// arguments (or any `postMessage`).
//
//     const [tx, rx] = mpsc.channel<number>(16);
//     worker.postMessage(encodeTransferables({ tx }));   // the end moves to the worker
//     for await (const n of rx) console.log(n);          // ends when the worker closes tx
import * as mpsc from './mpsc.js';
import * as oneshot from './oneshot.js';
import * as watch from './watch.js';

export { Notified, Notify } from './notify.js';
export { Semaphore, SemaphorePermit } from './semaphore.js';
export { decodeTransferables, encodeTransferables, TRANSFER_TAG } from './transfer.js';
export { mpsc, oneshot, watch };
export type { NotifyDescriptor } from './notify.js';
export type { SemaphoreDescriptor } from './semaphore.js';
export type { TransferDescriptor } from './transfer.js';
export type { ChannelOptions, EndDescriptor } from './mpsc.js';
export type { OneshotDescriptor, OneshotOptions } from './oneshot.js';
export type { WatchDescriptor, WatchOptions } from './watch.js';
