// The `shared` namespace of @rt/multi-thread: the cross-thread channels and synchronisation
// primitives, named apart from @rt/sync's because they behave differently (state in shared
// memory, values structured-cloned, no FIFO across threads; the README's table lists every
// difference). `shared.mpsc.channel(16)`, `shared.oneshot.channel()`, `shared.watch.channel(v)`,
// `new shared.Semaphore(n)`, `new shared.Notify()`.
export * as mpsc from './mpsc.js';
export * as oneshot from './oneshot.js';
export * as watch from './watch.js';
export { Notified, Notify } from './notify.js';
export { Semaphore, SemaphorePermit } from './semaphore.js';
export type { NotifyDescriptor } from './notify.js';
export type { SemaphoreDescriptor } from './semaphore.js';
export type { ChannelOptions, EndDescriptor } from './mpsc.js';
export type { OneshotDescriptor, OneshotOptions } from './oneshot.js';
export type { WatchDescriptor, WatchOptions } from './watch.js';
