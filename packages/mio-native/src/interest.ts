/**
 * Which readiness a registration asks for: a bit set, as in mio's `Interest`.
 *
 * Combine with `|` (`Interest.READABLE | Interest.WRITABLE`). `READABLE` is woken by
 * readable data, end of stream or a hang-up; `WRITABLE` by write space, a closed write side
 * or a hang-up; `ERROR` by a pending socket error; `PRIORITY` by urgent (out-of-band) data;
 * `READ_CLOSED` / `WRITE_CLOSED` only by the end of that direction (to notice a peer's close
 * without consuming readability). `ERROR`, `READ_CLOSED` and `WRITE_CLOSED` are always
 * reported for a registered fd, so waiting for them needs no registration of its own.
 * {@link Interest.readyMask} says which {@link Ready} bits satisfy an interest.
 *
 * **Cancellation:** not applicable (values).
 *
 * **Errors:** {@link Interest.check} throws `RangeError` for 0 or unknown bits.
 *
 * **Example**
 * ```ts
 * import { Interest, Ready } from '@rt/mio-native';
 * const mask = Interest.readyMask(Interest.READABLE);
 * (mask & Ready.READ_CLOSED) !== 0; // true: end of stream wakes a reader
 * ```
 */
export const Interest = {
  READABLE: 1,
  WRITABLE: 2,
  ERROR: 4,
  PRIORITY: 8,
  READ_CLOSED: 16,
  WRITE_CLOSED: 32,
  /** The bits every registration reports whatever its interest. */
  ALWAYS: 4 | 16 | 32,
  /** The Ready bits that satisfy `interest`. */
  readyMask(interest: number): number {
    let mask = 0;
    if (interest & 1) mask |= 1 | 4; // READABLE | READ_CLOSED
    if (interest & 2) mask |= 2 | 8; // WRITABLE | WRITE_CLOSED
    if (interest & 4) mask |= 16; // ERROR
    if (interest & 8) mask |= 32 | 4; // PRIORITY | READ_CLOSED
    if (interest & 16) mask |= 4; // READ_CLOSED
    if (interest & 32) mask |= 8; // WRITE_CLOSED
    return mask;
  },
  /** Returns `interest` when it is a non-empty set of known bits, else throws RangeError. */
  check(interest: number): number {
    if (!Number.isInteger(interest) || interest <= 0 || interest > 63) {
      throw new RangeError(`Interest: expected a non-empty combination of Interest bits (1..63), got ${String(interest)}`);
    }
    return interest;
  },
} as const;

/** A set of {@link Interest} bits. */
export type Interest = number;

/**
 * Readiness reported for a registered fd: a bit set, as in Tokio's `Ready`.
 *
 * Decoded from the backend's events (epoll: `EPOLLIN`/`EPOLLPRI` → `READABLE`/`PRIORITY`,
 * `EPOLLOUT` → `WRITABLE`, `EPOLLHUP` or `EPOLLIN|EPOLLRDHUP` → `READ_CLOSED`, `EPOLLHUP`
 * or `EPOLLERR` → `WRITE_CLOSED`, `EPOLLERR` → `ERROR`), exactly as mio decodes them. One
 * event may carry several bits: data and end of stream arrive together.
 *
 * **Cancellation:** not applicable (values).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { Ready } from '@rt/mio-native';
 * Ready.names(Ready.READABLE | Ready.READ_CLOSED); // ['readable', 'readClosed']
 * ```
 */
export const Ready = {
  READABLE: 1,
  WRITABLE: 2,
  READ_CLOSED: 4,
  WRITE_CLOSED: 8,
  ERROR: 16,
  PRIORITY: 32,
  /** Both closed bits: they are never cleared once set. */
  ALL_CLOSED: 12,
  /** Every bit. */
  ALL: 63,
  /** The names of the set bits, for messages and debugging. */
  names(ready: number): string[] {
    const out: string[] = [];
    if (ready & 1) out.push('readable');
    if (ready & 2) out.push('writable');
    if (ready & 4) out.push('readClosed');
    if (ready & 8) out.push('writeClosed');
    if (ready & 16) out.push('error');
    if (ready & 32) out.push('priority');
    return out;
  },
} as const;

/** A set of {@link Ready} bits. */
export type Ready = number;
