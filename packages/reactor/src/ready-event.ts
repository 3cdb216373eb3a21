import { READY_BITS, READY_MASK } from './internal/scheduled-io.js';

/**
 * What `Registration.readiness()` resolves to: the Ready bits that satisfied the wait and
 * the reactor tick that produced them, packed into one small integer (no allocation).
 *
 * Pass it back to `Registration.clearReadiness(event)` after a syscall returns EAGAIN:
 * only those bits are cleared, and only if no newer event arrived since. Read the bits
 * with {@link ReadyEvent.ready}.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { ReadyEvent, Ready } from '@rt/reactor';
 * const event = ReadyEvent.of(3, Ready.READABLE);
 * ReadyEvent.ready(event) === Ready.READABLE; // true
 * ```
 */
export const ReadyEvent = {
  /** The Ready bits of `event`. */
  ready(event: ReadyEvent): number {
    return event & READY_MASK;
  },
  /** The reactor tick of `event`. */
  tick(event: ReadyEvent): number {
    return event >>> READY_BITS;
  },
  /** Packs a tick and Ready bits (for backends and tests). */
  of(tick: number, ready: number): ReadyEvent {
    return ((tick << READY_BITS) | (ready & READY_MASK)) as ReadyEvent;
  },
} as const;

/** Ready bits and a reactor tick, packed; see {@link ReadyEvent}. */
export type ReadyEvent = number;
