import type { WorkerContext } from '../internal/contract.js';

// One slot per thread (each worker thread has its own globalThis). A registered symbol, so
// two copies of this module loaded in one thread (two install paths) still agree.
const slot = Symbol.for('rt.multi-thread.currentWorker');

type Holder = { [slot]?: WorkerContext };

/**
 * The worker this code runs in, when it runs inside a worker of a multi-thread runtime;
 * `undefined` on the main thread and in threads the runtime did not start.
 *
 * The context gives the worker's `index` (0 … count-1, kept by a replacement), `count`, the
 * worker runtime's name, the runtime's configuration, and the control channel to the
 * supervisor that services use (`call`, `send`, `onMessage`).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** never throws.
 *
 * **Example**
 * ```ts
 * const worker = currentWorker();
 * console.log(worker === undefined ? 'main thread' : `worker ${worker.index} of ${worker.count}`);
 * ```
 */
export function currentWorker(): WorkerContext | undefined {
  return (globalThis as Holder)[slot];
}

/** Set by the worker bootstrap. @internal */
export function setCurrentWorker(context: WorkerContext | undefined): void {
  if (context === undefined) delete (globalThis as Holder)[slot];
  else (globalThis as Holder)[slot] = context;
}
