// Operations parked in this thread until another thread's change lets them complete, on the
// waiter list of @rt/scheduler/primitives. What is this package's own: a node carries the
// serialized bytes of a value to send, and a parked operation keeps the thread's watch of
// shared memory alive (retainThread/releaseThread) until it completes or is cancelled, once
// something awaits it: a registration nobody awaits yet (`shared.Notify`'s `enable()`) keeps
// the thread's event loop no more than @rt/sync's would.
import type { WaitOptions } from '@rt/scheduler';
import { WaitList as ListOf, WaitNode as NodeOf, parkIn } from '@rt/scheduler/primitives';
import { releaseThread, retainThread, type SeqWatch } from './seq-watch.js';

/** A parked channel operation: `need` slots or permits, the `payload` it sends and its serialized `bytes`. */
export class WaitNode<T> extends NodeOf<T> {
  /** Whether this node holds one `retainThread` (released once, when it leaves the list). */
  retained = false;
  constructor(need: number, payload: unknown, public bytes: Uint8Array | undefined) {
    super(need, payload, payload !== undefined);
  }
}

/** The FIFO of this thread's parked operations on one channel end. */
export class WaitList<T> extends ListOf<T, WaitNode<T>> {}

/**
 * Parks `node` at the end of `list` and arms `watch`. On cancellation the node leaves the
 * list synchronously (it took nothing from shared memory: operations complete only in the
 * step that wakes them), the watch is disarmed if the list is empty now, then `afterCancel` runs.
 * `retain` false parks without holding the thread's event loop open until {@link retainNode}
 * (a registration that nothing awaits yet).
 */
export function parkOn<T>(
  list: WaitList<T>,
  node: WaitNode<T>,
  label: string,
  options: WaitOptions | undefined,
  watch: SeqWatch,
  afterCancel?: () => void,
  retain = true,
): Promise<T> {
  const promise = parkIn<T, WaitNode<T>>(list, node, label, options, () => {
    releaseNode(node);
    // The last parked operation of this end: nothing left to wait for (see SeqWatch.disarm).
    if (list.length === 0) watch.disarm();
    if (afterCancel !== undefined) afterCancel();
  });
  if (!node.linked) return promise; // cancelled before it parked
  if (retain) retainNode(node);
  watch.arm();
  return promise;
}

/** Holds the thread's event loop open for a parked `node` (once; nothing if it left the list). */
export function retainNode<T>(node: WaitNode<T>): void {
  if (node.retained || !node.linked) return;
  node.retained = true;
  retainThread();
}

/** Releases what {@link retainNode} held for `node`, if anything (once). */
export function releaseNode<T>(node: WaitNode<T>): void {
  if (!node.retained) return;
  node.retained = false;
  releaseThread();
}

/** Completes a parked node: wakes it (it is still linked, so not cancelled) and releases the thread. */
export function wakeNode<T>(list: WaitList<T>, node: WaitNode<T>, value: T): void {
  list.remove(node);
  releaseNode(node);
  node.waiter!.wake(value);
}

/** Fails a parked node. */
export function failNode<T>(list: WaitList<T>, node: WaitNode<T>, error: unknown): void {
  list.remove(node);
  releaseNode(node);
  node.waiter!.fail(error);
}
