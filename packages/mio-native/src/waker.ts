import { native } from './internal/binding.js';
import { OsError } from './os-error.js';

/**
 * An eventfd that wakes a {@link Poll} from another thread, as in mio's `Waker`.
 *
 * Register `waker.fd` with the poll (readable) under a token of its own; `wake()` — or
 * `Waker.wakeFd(fd)` in a worker thread that was sent the fd number — makes it readable;
 * the poll's owner calls `drain()` when it sees the token, which resets it. Wakes before a
 * drain coalesce into one event.
 *
 * **Cancellation:** not applicable (nothing waits).
 *
 * **Errors:** the constructor throws {@link OsError} (`EMFILE`, …) or
 * `NativeUnavailableError`; `wake()` after `close()` throws `OsError` `EBADF`.
 *
 * **Example**
 * ```ts
 * import { Waker } from '@rt/mio-native';
 * const waker = new Waker();
 * waker.wake();
 * waker.drain(); // 1
 * waker.close();
 * ```
 */
export class Waker {
  /** The eventfd (process-wide: may be handed to a worker thread). -1 once closed. */
  fd: number;

  constructor() {
    this.fd = OsError.check(native().eventfd(), 'eventfd');
  }

  /** Makes the eventfd readable. Never blocks. */
  wake(): void {
    Waker.wakeFd(this.fd);
  }

  /** Wakes the eventfd `fd` (typically from a worker thread). */
  static wakeFd(fd: number): void {
    OsError.check(native().eventfdWrite(fd), 'write', 'waker');
  }

  /** Resets the eventfd; returns how many wakes were coalesced (0 when none was pending). */
  drain(): number {
    const r = native().eventfdRead(this.fd);
    if (r === -11) return 0;
    return OsError.check(r, 'read', 'waker');
  }

  /** Closes the eventfd. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    native().close(this.fd);
    this.fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
