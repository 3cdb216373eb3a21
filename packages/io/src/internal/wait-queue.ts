// A list of parked operations that all re-check their condition when woken (a readiness
// notification, not a hand-off): whoever runs first takes the bytes, the others park
// again. Because a woken waiter takes nothing until it runs, an abort after `wake` loses
// nothing, and an abort before `wake` removes the waiter here, synchronously.
import { park, type WaitOptions, type Waiter } from '@rt/scheduler';

export class WaitQueue {
  readonly #label: string;
  readonly #waiters: Waiter<void>[] = [];
  readonly #remove = (waiter: Waiter<void>): void => {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
  };

  constructor(label: string) {
    this.#label = label;
  }

  get size(): number {
    return this.#waiters.length;
  }

  /** Parks until the next `wakeAll`/`failAll`; throws Cancelled synchronously if already aborted. */
  wait(options?: WaitOptions): Promise<void> {
    const { waiter, promise } = park<void>(this.#label, this.#remove, options);
    this.#waiters.push(waiter);
    return promise;
  }

  wakeAll(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    // wake() only settles promises (continuations run later), so nothing re-enters here.
    for (const waiter of waiters) waiter.wake(undefined);
    waiters.length = 0;
  }

  failAll(error: unknown): void {
    const waiters = this.#waiters;
    for (const waiter of waiters) waiter.fail(error);
    waiters.length = 0;
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
