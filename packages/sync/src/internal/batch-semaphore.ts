// The fair batch semaphore under Semaphore, Mutex's siblings and RwLock (Tokio's
// `batch_semaphore.rs`, reduced to what a single-threaded event loop needs).
//
// How and why:
// - `permits` is the count nobody holds. Waiters queue FIFO, each asking for `need` permits.
// - Strict FIFO: while anyone waits, nobody jumps the queue, not even `tryAcquire` of one
//   permit while the head waits for five. That is what makes RwLock write-preferring
//   (a writer asks for every permit, and readers that come after it queue behind it).
// - `release` hands permits to the head while it can be satisfied: the hand-off happens in
//   the releasing call, so an acquirer that is woken owns its permits even if it is aborted
//   in the same tick (the waiter contract delivers a value once woken).
// - A cancelled waiter leaves the queue in `park`'s onCancel; if it was the head, the next
//   waiters may now be satisfiable, so the queue is drained again there.
import type { WaitOptions } from '@rt/scheduler';
import { AcquireError } from '../errors.js';
import { coop as budget } from '@rt/scheduler';
import { RESOLVED, WaitList, WaitNode, checkCancelled, parkIn, readyNow as readyNowOf, reportLostWake, retryAfter, unwatchLostWake } from '@rt/scheduler/primitives';

// The import the ready acquire reads, as a module-local constant: an imported binding is read
// through its module cell with a TDZ check each time, a module's own `const` is folded (issue 16:
// @rt/net's README, pass eu30; sync README, pass sm31).
const readyNow = readyNowOf;

/** A parked acquire; `make` builds what the woken acquirer gets (a guard, a permit) from `payload` and `need`. */
class AcquireNode extends WaitNode<unknown> {
  make: ((payload: unknown, need: number) => unknown) | undefined = undefined;
}

export class BatchSemaphore {
  permits: number;
  closed = false;
  readonly waiters = new WaitList<unknown, AcquireNode>();
  /** Permits whose guard was garbage-collected without release (Mutex, RwLock): gone for good. */
  private lost = 0;
  private readonly afterCancel = (_node: AcquireNode, wasHead: boolean): void => {
    if (wasHead) this.drain();
  };

  constructor(
    permits: number,
    private readonly label: string,
  ) {
    this.permits = permits;
  }

  /** Takes `n` permits now if nobody waits and enough are free. */
  tryAcquire(n: number): boolean {
    if (this.closed) throw new AcquireError();
    if (this.waiters.length === 0 && this.permits >= n) {
      this.permits -= n;
      return true;
    }
    return false;
  }

  /** Resolves once `n` permits are held (FIFO). Rejects AcquireError when closed, Cancelled when aborted. */
  acquire(n: number, options: WaitOptions | undefined, label = this.label): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.closed) return Promise.reject(new AcquireError());
    if (this.waiters.length === 0 && this.permits >= n) {
      const y = budget();
      if (y !== undefined) return retryAfter(y, this, this.acquire, n, options, label);
      this.permits -= n;
      return RESOLVED;
    }
    return parkIn(this.waiters, new AcquireNode(n, undefined, false), label, options, this.afterCancel) as Promise<void>;
  }

  /**
   * `acquire(n)` resolving with `make(arg)`, without an intermediate promise when the
   * permits are free (the fast path of Mutex.lock, Semaphore.acquire, RwLock.read/write).
   */
  acquireWith<A, R>(
    n: number,
    options: WaitOptions | undefined,
    make: (arg: A, n: number) => R,
    arg: A,
    label = this.label,
  ): Promise<R> {
    // The ready path: free permits, nobody queued, not cancelled, budget left (one look at the
    // current task, `readyNow`); anything else, including the forced yield, takes `acquireSlow`.
    if (this.waiters.length === 0 && this.permits >= n && !this.closed && readyNow(options)) {
      this.permits -= n;
      return Promise.resolve(make(arg, n));
    }
    return this.acquireSlow(n, options, make, arg, label);
  }

  /** `acquireWith` when it cannot complete at once (cancelled, budget spent, closed, or no permits): rejects, yields then retries, or parks. */
  private acquireSlow<A, R>(n: number, options: WaitOptions | undefined, make: (arg: A, n: number) => R, arg: A, label: string): Promise<R> {
    if (this.waiters.length === 0 && this.permits >= n && !this.closed) {
      const cancelled = checkCancelled(options);
      if (cancelled !== undefined) return cancelled;
      const y = budget();
      if (y === undefined) {
        this.permits -= n;
        return Promise.resolve(make(arg, n));
      }
      return retryAfter(y, this, this.acquireWith<A, R>, n, options, make, arg, label);
    }
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.closed) return Promise.reject(new AcquireError());
    // Parked: the releaser builds the guard (`make(arg, n)`) as it hands the permits over,
    // so the woken caller gets it with no further promise.
    const node = new AcquireNode(n, arg, true);
    node.make = make as (arg: unknown, n: number) => unknown;
    return parkIn(this.waiters, node, label, options, this.afterCancel) as Promise<R>;
  }

  release(n: number): void {
    this.permits += n;
    if (this.waiters.length !== 0) this.drain();
  }

  /** Hands free permits to waiters from the head while the head can be satisfied. */
  drain(): void {
    let node: AcquireNode | undefined;
    while ((node = this.waiters.head) !== undefined && this.permits >= node.need) {
      this.waiters.shift();
      this.permits -= node.need;
      const make = node.make;
      const value = make === undefined ? undefined : make(node.payload, node.need);
      if (!node.waiter!.wake(value)) {
        this.permits += node.need;
        // The guard made for a waiter that had just gone is dropped unreleased: not a leak.
        if (value !== undefined) unwatchLostWake(value as object);
      }
    }
  }

  /**
   * Lost-wake detection for a lock of fixed `capacity` permits (Mutex, RwLock): a guard
   * holding `n` of them was garbage-collected without release, so they never come back. If
   * the head waiter now needs more than can ever be free, it and every waiter behind it (the
   * queue is FIFO) wait forever: each is reported with `why`.
   */
  guardLost(n: number, capacity: number, why: string): void {
    this.lost += n;
    const head = this.waiters.head;
    if (head === undefined || head.need <= capacity - this.lost) return;
    for (let node: WaitNode<unknown> | undefined = head; node !== undefined; node = node.next) reportLostWake(node.waiter!, why);
  }

  /** Removes up to `n` free permits for good; returns how many were removed. */
  forget(n: number): number {
    const taken = Math.min(n, this.permits);
    this.permits -= taken;
    return taken;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const node of this.waiters.drain()) node.waiter!.fail(new AcquireError());
  }
}
