import type { WaitOptions } from '@rt/scheduler';
import { WaitList, WaitNode, checkCancelled, checkCount, parkIn } from '@rt/scheduler/primitives';

/**
 * What {@link Barrier.wait} resolves with: `isLeader` is true for exactly one waiter of
 * each generation (the one whose arrival released the others).
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * const { isLeader } = await barrier.wait();
 * if (isLeader) console.log('everyone arrived');
 * ```
 */
export class BarrierWaitResult {
  /** @internal */
  constructor(
    /** True for the one waiter of each generation that released the barrier. */
    readonly isLeader: boolean,
  ) {}
}

const LEADER = new BarrierWaitResult(true);
const FOLLOWER = new BarrierWaitResult(false);

/**
 * Lets `n` tasks wait for each other: the `n`-th `wait()` releases all of them, and the
 * barrier starts over for the next `n`.
 *
 * A barrier of size 0 behaves as size 1 (as in Tokio): every `wait()` returns at once as leader.
 *
 * **Cancellation:** `wait({ signal })` is cancel safe: an aborted waiter withdraws its
 * arrival, so the generation still needs `n` live waiters; once released, a later abort
 * changes nothing.
 *
 * **Errors:** `RangeError` unless `n` is a non-negative integer; `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * const barrier = new Barrier(3);
 * const results = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * results.filter((r) => r.isLeader).length; // 1
 * ```
 */
export class Barrier {
  readonly #n: number;
  #arrived = 0;
  readonly #waiters = new WaitList<BarrierWaitResult>();
  readonly #afterCancel = (): void => {
    this.#arrived--;
  };

  constructor(n: number) {
    checkCount('Barrier n', n, 0);
    this.#n = Math.max(n, 1);
  }

  /**
   * Waits until `n` tasks are waiting, then resolves all of them.
   *
   * **Cancellation:** cancel safe (see {@link Barrier}).
   *
   * **Errors:** `Cancelled` when aborted.
   *
   * **Example**
   * ```ts
   * const { isLeader } = await barrier.wait();
   * ```
   */
  wait(options?: WaitOptions): Promise<BarrierWaitResult> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (++this.#arrived >= this.#n) {
      this.#arrived = 0;
      for (const node of this.#waiters.drain()) node.waiter!.wake(FOLLOWER);
      return Promise.resolve(LEADER);
    }
    return parkIn(this.#waiters, new WaitNode<BarrierWaitResult>(1, undefined, false), 'Barrier.wait', options, this.#afterCancel);
  }
}
