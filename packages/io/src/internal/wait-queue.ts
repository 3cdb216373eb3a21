// A list of parked operations that all re-check their condition when woken (a readiness
// notification, not a hand-off): whoever runs first takes the bytes, the others park
// again. Because a woken waiter takes nothing until it runs, an abort after `wake` loses
// nothing, and an abort before `wake` removes the waiter here, synchronously.
import { park, type WaitOptions } from '@rt/scheduler';
import { WaitList, WaitNode, parkIn } from '@rt/scheduler/primitives';

export class WaitQueue {
  readonly #label: string;
  /** The toolkit's waiter list: a cancelled wait leaves it in O(1). */
  readonly #waiters = new WaitList<void>();

  constructor(label: string) {
    this.#label = label;
  }

  get size(): number {
    return this.#waiters.length;
  }

  /** Parks until the next `wakeAll`/`failAll`; rejects with Cancelled if already aborted. */
  wait(options?: WaitOptions): Promise<void> {
    return parkIn(this.#waiters, new WaitNode<void>(), this.#label, options);
  }

  wakeAll(): void {
    if (this.#waiters.length === 0) return;
    // wake() only settles promises (continuations run later), so nothing re-enters here.
    for (const node of this.#waiters.drain()) node.waiter!.wake(undefined);
  }

  failAll(error: unknown): void {
    for (const node of this.#waiters.drain()) node.waiter!.fail(error);
  }
}

/**
 * Awaits a promise that rt does not own (a Web stream read, a Node callback) so that an
 * abort rejects at once with Cancelled. The foreign operation itself keeps running: the
 * caller decides what happens to its result (see each interop reader).
 */
export function waitForeign<T>(label: string, foreign: Promise<T>, options?: WaitOptions): Promise<T> {
  const { waiter, promise } = park<T>(label, noop, options);
  foreign.then(
    (value) => waiter.wake(value),
    (error: unknown) => waiter.fail(error),
  );
  return promise;
}

function noop(): void {}
