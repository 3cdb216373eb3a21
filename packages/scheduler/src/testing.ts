// @rt/scheduler/testing: a small harness for the tests of rt packages. Check whether an
// operation is pending or ready without sleeping: start it, `track` it, `settle()`, assert.
//
//     const tracked = track(mutex.lock());
//     await settle();
//     expect(tracked.isPending()).toBe(true);
import { coop } from './coop.js';
import { spawn } from './spawn.js';

/**
 * The observed state of a tracked promise; see {@link track}.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const t = track(rx.recv()); await settle(); expect(t.isReady()).toBe(false);
 * ```
 */
export interface Tracked<T> {
  /** Neither resolved nor rejected yet. */
  isPending(): boolean;
  /** Resolved or rejected. */
  isReady(): boolean;
  /** Resolved (not rejected). */
  isResolved(): boolean;
  /** Rejected. */
  isRejected(): boolean;
  /** The resolved value (undefined while pending or when rejected). */
  readonly value: T | undefined;
  /** The rejection reason (undefined while pending or when resolved). */
  readonly error: unknown;
  /** The tracked promise itself, to await it (rejections propagate). */
  readonly promise: Promise<T>;
}

/**
 * Starts observing `promise` (or any PromiseLike, e.g. a JoinHandle): its state can then be
 * read synchronously. Tracking marks the rejection as handled.
 *
 * **Cancellation:** not applicable; tracking does not affect the operation.
 *
 * **Errors:** TypeError if `promise` is not thenable.
 *
 * **Example**
 * ```ts
 * const t = track(spawn(async () => 1));
 * await settle();
 * expect(t.value).toBe(1);
 * ```
 */
export function track<T>(promise: PromiseLike<T>): Tracked<T> {
  if (promise === null || typeof promise !== 'object' || typeof (promise as { then?: unknown }).then !== 'function') {
    throw new TypeError(`track(promise): expected a promise or thenable, got ${String(promise)}`);
  }
  let state: 0 | 1 | 2 = 0;
  let value: T | undefined;
  let error: unknown;
  const wrapped = Promise.resolve(promise);
  wrapped.then(
    (v) => {
      state = 1;
      value = v;
    },
    (e: unknown) => {
      state = 2;
      error = e;
    },
  );
  return {
    isPending: () => state === 0,
    isReady: () => state !== 0,
    isResolved: () => state === 1,
    isRejected: () => state === 2,
    get value() {
      return value;
    },
    get error() {
      return error;
    },
    promise: wrapped,
  };
}

/**
 * Lets everything that is ready run: flushes the microtask queue and one macrotask turn
 * (`setImmediate`), `turns` times (default 1). Timers and forced yields due now run too.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** RangeError if `turns` is not a positive integer.
 *
 * **Example**
 * ```ts
 * spawn(work); await settle(); expect(done).toBe(true);
 * ```
 */
export async function settle(turns = 1): Promise<void> {
  if (!Number.isInteger(turns) || turns < 1) throw new RangeError(`settle(turns): expected an integer \u2265 1, got ${String(turns)}`);
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs `op` in a new rt task whose cooperative budget is already spent, with an immediate
 * queued before it: the test of an operation that could complete at once but must first yield
 * the turn it was forced to (its retry after the forced yield). Resolves with `op`'s value and
 * the order in which the immediate and `op` finished: `['immediate', 'op']` when `op` yielded
 * first, as a budgeted operation must (`['op']` when it did not: it resolves before the immediate).
 *
 * **Cancellation:** none of its own; `op` runs in an ordinary task.
 *
 * **Errors:** whatever `op` throws or rejects with.
 *
 * **Example**
 * ```ts
 * tx.send(1);
 * const { value, order } = await afterBudgetSpent(() => rx.recv());
 * expect(order).toEqual(['immediate', 'op']);
 * ```
 */
export async function afterBudgetSpent<T>(op: () => Promise<T>): Promise<{ value: T; order: string[] }> {
  const order: string[] = [];
  const outcome = await spawn(async (): Promise<{ value: T } | { error: unknown }> => {
    setImmediate(() => order.push('immediate'));
    while (coop() === undefined); // spend what is left of this turn's budget
    try {
      return { value: await op() };
    } catch (error) {
      return { error };
    } finally {
      order.push('op');
    }
  });
  if ('error' in outcome) throw outcome.error;
  return { value: outcome.value, order };
}

