// Parking an operation in this thread until another thread's change lets it complete.
import { coop, park, throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { releaseThread, retainThread, type SeqWatch } from './seq-watch.js';
import type { WaitList, WaitNode } from './wait-list.js';

export const RESOLVED: Promise<void> = Promise.resolve();
export const budget = coop;

/** Cancelled (task aborted or `options.signal` aborted) as a rejected promise, else undefined. */
export function checkCancelled(options: WaitOptions | undefined): Promise<never> | undefined {
  try {
    throwIfCancelled(options);
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Parks `node` at the end of `list` and arms `watch`. On cancellation the node leaves the
 * list synchronously (it took nothing from shared memory: operations complete only in the
 * step that wakes them), then `afterCancel` runs.
 */
export function parkOn<T>(
  list: WaitList<T>,
  node: WaitNode<T>,
  label: string,
  options: WaitOptions | undefined,
  watch: SeqWatch,
  afterCancel?: () => void,
): Promise<T> {
  let parked: { waiter: import('@rt/scheduler').Waiter<T>; promise: Promise<T> };
  try {
    parked = park<T>(
      label,
      () => {
        list.remove(node);
        releaseThread();
        if (afterCancel !== undefined) afterCancel();
      },
      options,
    );
  } catch (error) {
    return Promise.reject(error);
  }
  node.waiter = parked.waiter;
  list.push(node);
  retainThread();
  watch.arm();
  return parked.promise;
}

/** Completes a parked node: wakes it (it is still linked, so not cancelled) and releases the thread. */
export function wakeNode<T>(list: WaitList<T>, node: WaitNode<T>, value: T): void {
  list.remove(node);
  releaseThread();
  node.waiter!.wake(value);
}

/** Fails a parked node. */
export function failNode<T>(list: WaitList<T>, node: WaitNode<T>, error: unknown): void {
  list.remove(node);
  releaseThread();
  node.waiter!.fail(error);
}

/** Checks `n` is an integer in [min, max] and throws a RangeError naming it otherwise. */
export function checkCount(name: string, n: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(n)}`);
  }
}
