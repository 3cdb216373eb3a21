/**
 * The registration was deregistered, or its reactor closed, while (or before) a task
 * waited on it.
 *
 * Pending `readiness()` calls reject with it when `deregister()` or `Reactor.close()`
 * runs; later calls reject with it at once.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `code` is always `'ERR_RT_CLOSED'`.
 *
 * **Example**
 * ```ts
 * import { ClosedError } from '@rt/reactor';
 * try { await registration.readiness(Interest.READABLE); }
 * catch (error) { if (error instanceof ClosedError) return; throw error; }
 * ```
 */
export class ClosedError extends Error {
  /** Always `'ERR_RT_CLOSED'`. */
  readonly code = 'ERR_RT_CLOSED';

  constructor(message: string) {
    super(message);
    this.name = 'ClosedError';
  }
}
