// A minimal waiter (promise + AbortSignal), local to the reactor because it was written when
// the reactor sat below @rt/scheduler. The reactor now sits above it (Reactor.current() is a
// runtime extension), so this can move to the scheduler's park and `Cancelled`; keep the
// observable behaviour: abort rejects with an error whose `code` is 'ERR_RT_CANCELLED' and
// whose `name` is 'Cancelled'.

/** The reactor's stand-in for the scheduler's `Cancelled` (same code and name). */
export class Cancelled extends Error {
  readonly code = 'ERR_RT_CANCELLED';

  constructor(reason?: unknown) {
    super('the operation was cancelled', reason === undefined ? undefined : { cause: reason });
    this.name = 'Cancelled';
  }
}

/** One pending `readiness()` call, linked into its ScheduledIo's FIFO list. */
export interface Waiter {
  /** Ready bits that satisfy this waiter. */
  mask: number;
  resolve: (value: number) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  prev: Waiter | null;
  next: Waiter | null;
  linked: boolean;
  /**
   * True while the wait is pending (the dispatch fires only armed waiters). A promise waiter is
   * armed for as long as it is linked; a `ReadyCallback`'s waiter stays linked when it fires
   * or is re-armed (see ReadyCallback.arm), and only this flag says whether it waits.
   */
  armed: boolean;
  /** True for a `ReadyCallback`'s waiter: it stays linked when it fires (only `armed` is cleared). */
  readonly stays: boolean;
  /** True when this wait keeps the process alive (refs the backend while armed). */
  readonly keepAlive: boolean;
}
