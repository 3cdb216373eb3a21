/**
 * `join` and `tryJoin`: run several operations concurrently and collect every result.
 *
 * Each argument is a thunk receiving an `AbortSignal` (or an already running promise).
 * `join` waits for all of them, as Tokio's `join!` does; `tryJoin` stops at the first
 * failure and aborts the rest, as `try_join!` does.
 */
import { park, type WaitOptions } from '@rt/scheduler';
import { isThenable } from '@rt/scheduler/primitives';

/** A thunk receiving an `AbortSignal`, or a promise (or plain value) already under way. */
export type Joinable<T> = ((signal: AbortSignal) => PromiseLike<T> | T) | PromiseLike<T>;

/** The tuple of resolved values of a list of joinables. */
export type JoinResults<J extends readonly Joinable<unknown>[]> = {
  -readonly [K in keyof J]: J[K] extends (signal: AbortSignal) => infer R ? Awaited<R> : Awaited<J[K]>;
};

function start(items: readonly unknown[], controller: AbortController): Array<Promise<unknown>> {
  return items.map((item, i) => {
    if (typeof item === 'function') {
      try {
        return Promise.resolve((item as (signal: AbortSignal) => unknown)(controller.signal));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (isThenable(item)) {
      return Promise.resolve(item);
    }
    throw new TypeError(`join: argument ${i} must be a function (signal) => promise or a promise, got ${item === null ? 'null' : typeof item}`);
  });
}

/**
 * Runs every operation concurrently and resolves with the tuple of their results.
 *
 * Waits for all of them even when one fails; then rejects with the first failure in
 * argument order (the others, if any, are in its `errors` when it is an `AggregateError`
 * of several).
 *
 * **Cancellation:** Aborting the current task (or `options.signal` of {@link joinWith})
 * aborts every thunk's signal and rejects with `Cancelled` once they have all settled.
 *
 * **Errors:** `TypeError` for an argument that is neither a thunk nor a promise.
 *
 * **Example**
 * ```ts
 * const [user, posts] = await join((s) => fetchUser(s), (s) => fetchPosts(s));
 * ```
 */
export function join<const J extends readonly Joinable<unknown>[]>(...items: J): Promise<JoinResults<J>> {
  return joinWith({}, ...items);
}

/** {@link join} with options (`{ signal }`). */
export async function joinWith<const J extends readonly Joinable<unknown>[]>(options: WaitOptions, ...items: J): Promise<JoinResults<J>> {
  const controller = new AbortController();
  const promises = start(items, controller);
  const all = Promise.allSettled(promises);
  const { waiter, promise } = park<void>('join', () => controller.abort(options.signal?.reason), options);
  void all.then(() => waiter.wake(undefined));
  try {
    await promise;
  } catch (error) {
    await all; // the thunks have been aborted: let them finish their clean-up first
    throw error;
  }
  const settled = await all;
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `join: ${failures.length} of ${items.length} operations failed`);
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as JoinResults<J>;
}

/**
 * Runs every operation concurrently; resolves with the tuple of results, or rejects with
 * the first failure after aborting the others (their signals fire before `tryJoin` rejects).
 *
 * **Cancellation:** As {@link join}: aborting the current task aborts every thunk.
 *
 * **Errors:** The first rejection; `TypeError` for a bad argument; `Cancelled`.
 *
 * **Example**
 * ```ts
 * const [a, b] = await tryJoin((s) => readConfig(s), (s) => connect(addr, { signal: s }));
 * ```
 */
export function tryJoin<const J extends readonly Joinable<unknown>[]>(...items: J): Promise<JoinResults<J>> {
  return tryJoinWith({}, ...items);
}

/** {@link tryJoin} with options (`{ signal }`). */
export async function tryJoinWith<const J extends readonly Joinable<unknown>[]>(options: WaitOptions, ...items: J): Promise<JoinResults<J>> {
  const controller = new AbortController();
  const promises = start(items, controller);
  const values: unknown[] = new Array(items.length);
  let remaining = items.length;
  const { waiter, promise } = park<void>('tryJoin', () => controller.abort(options.signal?.reason), options);
  if (remaining === 0) waiter.wake(undefined);
  promises.forEach((p, i) => {
    p.then(
      (value) => {
        values[i] = value;
        if (--remaining === 0) waiter.wake(undefined);
      },
      (error: unknown) => {
        if (waiter.settled) return;
        controller.abort(error);
        waiter.fail(error);
      },
    );
  });
  await promise;
  return values as JoinResults<J>;
}
