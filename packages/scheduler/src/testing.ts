// @rt/scheduler/testing: a small harness for the tests of rt packages. Check whether an
// operation is pending or ready without sleeping: start it, `track` it, `settle()`, assert.
//
//     const tracked = track(mutex.lock());
//     await settle();
//     expect(tracked.isPending()).toBe(true);

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
