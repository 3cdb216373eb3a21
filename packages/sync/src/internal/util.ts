// Small helpers shared by every primitive's fast and slow paths.
import { coop, park, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { WaitNode, type WaitList } from './wait-list.js';

/** A shared, already-resolved promise: the fast path of a `Promise<void>` method allocates nothing. */
export const RESOLVED: Promise<void> = Promise.resolve();
export const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

/** Cancelled (task aborted or `options.signal` aborted) as a rejected promise, else undefined. */
export function checkCancelled(options: WaitOptions | undefined): Promise<never> | undefined {
  try {
    throwIfCancelled(options);
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `coop()` as used on every fast path: undefined, or the forced yield to await first. */
export const budget = coop;

/**
 * Parks a node at the end of `list`. On cancellation the node leaves the list, then
 * `afterCancel` (if any) runs with it, synchronously, before the promise rejects.
 */
export function parkIn<T>(
  list: WaitList<T>,
  node: WaitNode<T>,
  label: string,
  options: WaitOptions | undefined,
  afterCancel?: (node: WaitNode<T>, wasHead: boolean) => void,
): Promise<T> {
  const { waiter, promise } = park<T>(
    label,
    () => {
      const wasHead = list.head === node;
      list.remove(node);
      if (afterCancel !== undefined) afterCancel(node, wasHead);
    },
    options,
  );
  node.waiter = waiter;
  list.push(node);
  return promise;
}

/** Parks a fresh node with no payload. */
export function parkSimple<T>(list: WaitList<T>, label: string, options: WaitOptions | undefined): Promise<T> {
  return parkIn(list, new WaitNode<T>(1, undefined, false), label, options);
}

/** Checks `n` is an integer in [min, max] and throws a RangeError naming it otherwise. */
export function checkCount(name: string, n: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(n)}`);
  }
}
