// A waiter for code outside any task that passed no signal: nothing can cancel it, so the
// scheduler's `park` (task linking, abort listeners, a cancel callback) would only cost
// allocations. It has the same shape as what `park` returns ({ waiter, promise }) and the
// same settle-once rule.
import type { Waiter } from '@rt/scheduler';

export class PlainWaiter<T> implements Waiter<T> {
  settled = false;
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The waiter itself (so it can stand where `park`'s result goes). */
  get waiter(): Waiter<T> {
    return this;
  }

  wake(value: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.resolve(value);
    return true;
  }

  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.reject(error);
    return true;
  }
}
