// @rt/sync: asynchronous synchronisation primitives and channels, Tokio's `tokio::sync` in
// TypeScript. Fair (FIFO), cancel safe (every waiting method takes `{ signal }` and says
// what an abort does), disposable (`using guard = await mutex.lock()`), budgeted (ready
// operations consume the task's cooperative budget), and usable in plain Node code outside
// any runtime.
//
// Which one to pick:
// - Share a value between tasks: `Mutex` (one at a time), `RwLock` (many readers or one
//   writer). Limit concurrency: `Semaphore`.
// - Signal an event with no data: `Notify` (one waiter or all); rendez-vous of n tasks:
//   `Barrier`; initialise something once: `OnceCell` (async initialiser) or `SetOnce`.
// - Pass messages: `mpsc` (many producers, one consumer, bounded for backpressure),
//   `oneshot` (one value back, e.g. a reply), `broadcast` (every receiver sees every value),
//   `watch` (receivers see the latest value).
//
//     const [tx, rx] = mpsc.channel<number>(16);
//     await tx.send(1);
//     tx.close();                         // every sender closed: the stream ends
//     for await (const n of rx) console.log(n);
import * as broadcast from './broadcast.js';
import * as mpsc from './mpsc.js';
import * as oneshot from './oneshot.js';
import * as watch from './watch.js';

export { Barrier, BarrierWaitResult } from './barrier.js';
export {
  AcquireError,
  Closed,
  GuardReleased,
  Lagged,
  RecvError,
  SendError,
  SendTimeoutError,
  SetError,
  TryRecvError,
  TrySendError,
} from './errors.js';
export { Mutex, MutexGuard } from './mutex.js';
export { Notified, Notify } from './notify.js';
export { OnceCell } from './once-cell.js';
export { RwLock, RwLockReadGuard, RwLockWriteGuard } from './rw-lock.js';
export { Semaphore, SemaphorePermit } from './semaphore.js';
export { SetOnce } from './set-once.js';
export { broadcast, mpsc, oneshot, watch };
