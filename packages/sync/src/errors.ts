// The typed errors of @rt/sync. Every class extends the scheduler's `RtError` and has a
// stable `code`; the ones that carry a value back (`SendError`, `TrySendError`,
// `SendTimeoutError`) keep it in `value`, so nothing a caller sends is ever lost.
import { RtError } from '@rt/scheduler';

/**
 * The channel is closed: the value could not be sent and is handed back in `value`.
 *
 * Thrown by `mpsc` senders when the receiver was closed (or every sender closed), by
 * `oneshot.Sender.send` when the receiver was closed, by `broadcast.Sender.send` when no
 * receiver is left, and by `watch.Sender.send` when every receiver is closed.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_CHANNEL_CLOSED`.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = mpsc.channel<string>(1);
 * rx.close();
 * try { await tx.send('hi'); } catch (e) { if (e instanceof SendError) console.log(e.value); }
 * ```
 */
export class SendError<T = unknown> extends RtError {
  override readonly name = 'SendError';
  /** The value that was not sent. */
  readonly value: T;
  constructor(value: T, message = 'channel closed') {
    super('ERR_RT_CHANNEL_CLOSED', message);
    this.value = value;
  }
}

/**
 * A `trySend` that could not send at once: `kind` is `'Full'` (no capacity now) or
 * `'Closed'` (the receiver is gone). The value is handed back in `value`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_CHANNEL_FULL` for `'Full'`, `ERR_RT_CHANNEL_CLOSED` for `'Closed'`.
 *
 * **Example**
 * ```ts
 * const [tx] = mpsc.channel<number>(1);
 * tx.trySend(1);
 * try { tx.trySend(2); } catch (e) { if (e instanceof TrySendError && e.kind === 'Full') console.log(e.value); }
 * ```
 */
export class TrySendError<T = unknown> extends RtError {
  override readonly name = 'TrySendError';
  /** The value that was not sent. */
  readonly value: T;
  constructor(
    /** Why the value was not sent. */
    readonly kind: 'Full' | 'Closed',
    value: T,
  ) {
    super(kind === 'Full' ? 'ERR_RT_CHANNEL_FULL' : 'ERR_RT_CHANNEL_CLOSED', kind === 'Full' ? 'channel full' : 'channel closed');
    this.value = value;
  }
}

/**
 * A `sendTimeout` that did not send: `kind` is `'Timeout'` (no capacity before the
 * deadline) or `'Closed'`. The value is handed back in `value`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_TIMEOUT` for `'Timeout'`, `ERR_RT_CHANNEL_CLOSED` for `'Closed'`.
 *
 * **Example**
 * ```ts
 * try { await tx.sendTimeout(v, 100); } catch (e) { if (e instanceof SendTimeoutError) retry(e.value); }
 * ```
 */
export class SendTimeoutError<T = unknown> extends RtError {
  override readonly name = 'SendTimeoutError';
  /** The value that was not sent. */
  readonly value: T;
  constructor(
    /** Why the value was not sent. */
    readonly kind: 'Timeout' | 'Closed',
    value: T,
  ) {
    super(kind === 'Timeout' ? 'ERR_RT_TIMEOUT' : 'ERR_RT_CHANNEL_CLOSED', kind === 'Timeout' ? 'timed out waiting on send' : 'channel closed');
    this.value = value;
  }
}

/**
 * A receive that can never succeed: the sending side is gone (`oneshot` sender closed
 * without sending, every `broadcast` sender closed and the buffer drained, `watch` sender
 * closed).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_CHANNEL_CLOSED`.
 *
 * **Example**
 * ```ts
 * const [tx, rx] = oneshot.channel<number>();
 * tx.close();
 * await rx.catch((e) => e instanceof RecvError); // true
 * ```
 */
export class RecvError extends RtError {
  override readonly name = 'RecvError';
  constructor(message = 'channel closed') {
    super('ERR_RT_CHANNEL_CLOSED', message);
  }
}

/**
 * A `tryRecv` that found nothing: `kind` is `'Empty'` (nothing now, senders remain) or
 * `'Disconnected'` (nothing now and nothing ever again).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_CHANNEL_EMPTY` for `'Empty'`, `ERR_RT_CHANNEL_CLOSED` for `'Disconnected'`.
 *
 * **Example**
 * ```ts
 * try { rx.tryRecv(); } catch (e) { if (e instanceof TryRecvError && e.kind === 'Empty') doOtherWork(); }
 * ```
 */
export class TryRecvError extends RtError {
  override readonly name = 'TryRecvError';
  constructor(
    /** Why nothing was received. */
    readonly kind: 'Empty' | 'Disconnected',
  ) {
    super(kind === 'Empty' ? 'ERR_RT_CHANNEL_EMPTY' : 'ERR_RT_CHANNEL_CLOSED', kind === 'Empty' ? 'channel empty' : 'channel closed');
  }
}

/**
 * A `broadcast` receiver fell behind: `skipped` values were overwritten before it read
 * them. The receiver continues from the oldest value still retained.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_LAGGED`.
 *
 * **Example**
 * ```ts
 * try { await rx.recv(); } catch (e) { if (e instanceof Lagged) console.warn(`missed ${e.skipped}`); }
 * ```
 */
export class Lagged extends RtError {
  override readonly name = 'Lagged';
  constructor(
    /** How many values this receiver missed. */
    readonly skipped: number,
  ) {
    super('ERR_RT_LAGGED', `receiver lagged behind by ${skipped} values`);
  }
}

/**
 * The semaphore was closed: waiting acquirers reject with it, and no permit is granted
 * after `close()`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_SEMAPHORE_CLOSED`.
 *
 * **Example**
 * ```ts
 * const s = new Semaphore(0);
 * const p = s.acquire();
 * s.close();
 * await p.catch((e) => e instanceof AcquireError); // true
 * ```
 */
export class AcquireError extends RtError {
  override readonly name = 'AcquireError';
  constructor(message = 'semaphore closed') {
    super('ERR_RT_SEMAPHORE_CLOSED', message);
  }
}

/**
 * The other side of a primitive is gone: `mpsc.Sender.closed()`-style waits that can no
 * longer complete, a handle used after its own `close()`, `watch` receivers of a closed
 * sender in `waitFor`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_CLOSED`.
 *
 * **Example**
 * ```ts
 * const [tx] = mpsc.channel<number>(1);
 * tx.close();
 * try { tx.clone(); } catch (e) { console.log(e instanceof Closed); } // true
 * ```
 */
export class Closed extends RtError {
  override readonly name = 'Closed';
  constructor(message = 'closed') {
    super('ERR_RT_CLOSED', message);
  }
}

/**
 * A lock guard or permit was used after it was released.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_GUARD_RELEASED`.
 *
 * **Example**
 * ```ts
 * const guard = await mutex.lock();
 * guard.release();
 * try { guard.value; } catch (e) { console.log(e instanceof GuardReleased); } // true
 * ```
 */
export class GuardReleased extends RtError {
  override readonly name = 'GuardReleased';
  constructor(message = 'guard used after release') {
    super('ERR_RT_GUARD_RELEASED', message);
  }
}

/**
 * `OnceCell.set` / `SetOnce.set` on a cell that already holds a value (`kind`
 * `'AlreadyInitialized'`) or whose initialiser is running (`'Initializing'`). The value
 * is handed back in `value`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** code `ERR_RT_ALREADY_INITIALIZED` or `ERR_RT_INITIALIZING`.
 *
 * **Example**
 * ```ts
 * const cell = new OnceCell<number>();
 * cell.set(1);
 * try { cell.set(2); } catch (e) { if (e instanceof SetError) console.log(e.kind, e.value); }
 * ```
 */
export class SetError<T = unknown> extends RtError {
  override readonly name = 'SetError';
  /** The value that was not stored. */
  readonly value: T;
  constructor(
    /** Why the value was not stored. */
    readonly kind: 'AlreadyInitialized' | 'Initializing',
    value: T,
  ) {
    super(
      kind === 'AlreadyInitialized' ? 'ERR_RT_ALREADY_INITIALIZED' : 'ERR_RT_INITIALIZING',
      kind === 'AlreadyInitialized' ? 'cell already initialized' : 'cell is being initialized',
    );
    this.value = value;
  }
}
