// The parked-operation record behind `park()` (see ../park.ts for the contract).
//
// A waiter is settled exactly once, by whichever comes first: `wake`/`fail` (the primitive
// hands it a value or an error) or a cancellation (the task is aborted, or the operation's own
// signal aborts). Settling unlinks it from its task's list of parked waiters and removes the
// signal listener, so nothing outlives the operation. The waiter is its own abort listener
// (`handleEvent`), so parking with a signal allocates no closure.
import { Cancelled } from '../errors.js';
import { BUDGET } from './context.js';
import type { Task } from './task.js';

const onceOption = { once: true } as const;

export class ParkedWaiter<T> {
  settled = false;
  /** The task that parked, if any: its abort cancels this waiter. */
  task: Task | undefined;
  /** Links in the task's list of parked waiters. */
  prev: ParkedWaiter<unknown> | undefined = undefined;
  next: ParkedWaiter<unknown> | undefined = undefined;

  constructor(
    readonly label: string,
    private readonly onCancel: (waiter: ParkedWaiter<T>) => void,
    private readonly signal: AbortSignal | undefined,
    task: Task | undefined,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.task = task;
    if (task !== undefined) task.linkWaiter(this as ParkedWaiter<unknown>);
    if (signal !== undefined) signal.addEventListener('abort', this, onceOption);
  }

  wake(value: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    const task = this.task;
    this.detach();
    // Waking from park is a fresh start: the task's budget resets (Tokio does the same).
    if (task !== undefined) task.budget = BUDGET;
    this.resolve(value);
    return true;
  }

  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.detach();
    this.reject(error);
    return true;
  }

  /** Cancels the wait: settles, lets the primitive unlink it (synchronously), then rejects. */
  cancel(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    try {
      this.onCancel(this);
    } finally {
      this.reject(new Cancelled(`${this.label} was cancelled`, { cause: reason }));
    }
  }

  /** The AbortSignal listener. */
  handleEvent(): void {
    this.cancel(this.signal?.reason);
  }

  private detach(): void {
    if (this.task !== undefined) {
      this.task.unlinkWaiter(this as ParkedWaiter<unknown>);
      this.task = undefined;
    }
    if (this.signal !== undefined) this.signal.removeEventListener('abort', this);
  }
}
