// The per-registration record: cached readiness, the tick of the batch that last set it,
// and the FIFO list of waiters (each with the Ready mask that satisfies it).
//
// How and why (after Tokio's runtime/io/scheduled_io.rs)
// ------------------------------------------------------
// Readiness is cached, because registrations are edge-triggered: the kernel reports a
// change once, and the bit must stay set until a syscall proves it stale (EAGAIN). A
// reader that saw EAGAIN clears only the bits of the ReadyEvent it acted on, and only if
// no newer batch has touched the record since (same tick): otherwise a fresh event that
// arrived between its readiness check and its syscall would be erased and the reader
// would wait forever. Closed bits are never cleared.
//
// Waiters are woken after the whole batch is decoded (the reactor collects touched
// records first), in FIFO order, each with `ready & mask`.
import type { Waiter } from './waiter.js';

/** Ticks wrap at 2^22 so a ReadyEvent (tick * 64 + ready) stays a small integer. */
export const TICK_MASK = 0x3fffff;
export const READY_BITS = 6;
export const READY_MASK = 0x3f;

export class ScheduledIo {
  ready = 0;
  tick = 0;
  head: Waiter | null = null;
  tail: Waiter | null = null;
  /** Queued for wake-up in the current batch. */
  queued = false;
  /**
   * Bumped by every link and unlink: the dispatch compares it around a callback, and walks the
   * list again from its head when the callback changed the list (the next waiter it had noted
   * may have moved or left).
   */
  edits = 0;
  registered = true;

  constructor(
    readonly fd: number,
    readonly token: number,
    readonly interest: number,
  ) {}

  push(waiter: Waiter): void {
    waiter.prev = this.tail;
    waiter.next = null;
    waiter.linked = true;
    this.edits++;
    if (this.tail !== null) this.tail.next = waiter;
    else this.head = waiter;
    this.tail = waiter;
  }

  unlink(waiter: Waiter): void {
    if (waiter.linked !== true) return;
    waiter.linked = false;
    this.edits++;
    if (waiter.prev !== null) waiter.prev.next = waiter.next;
    else this.head = waiter.next;
    if (waiter.next !== null) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev;
    waiter.prev = waiter.next = null;
  }
}
