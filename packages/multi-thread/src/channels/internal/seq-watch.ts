// Waiting for another thread without polling.
//
// How and why: every shared primitive has, per direction, a *sequence word* that a thread
// bumps (Atomics.add) after it changed the state others may wait for, and a *sleepers word*
// counting the threads armed on it; the bumper calls `Atomics.notify` only when sleepers is
// non-zero, so an uncontended operation costs two atomic adds and no notify. A thread that
// has parked operations arms ONE `Atomics.waitAsync` per (handle, word): increment sleepers,
// read the sequence, retry the parked operations (`poll`), and only if some are still
// parked wait for the sequence to move from the value read. Because all Atomics are
// sequentially consistent, either the bumper sees sleepers > 0 and notifies, or the retry
// sees its change: no wake-up is lost (the Dekker pattern). When the wait resolves the
// parked operations are retried in FIFO order in this thread, each completed in the same
// synchronous step as its `waiter.wake`, which is what keeps cancellation safe: an
// operation aborted before that step has taken nothing from shared memory.
//
// A pending `Atomics.waitAsync` does not keep Node's event loop alive, so a thread that
// has parked cross-thread operations holds one ref'd idle interval (`retainThread`),
// unref'd when the last one completes or is cancelled. A waitAsync left armed after every
// parked operation was cancelled costs nothing but a notify by the other side, and resolves
// at the next bump.
//
// Measured (2-core machine, Node 20): a waitAsync ping-pong between two threads takes
// 8.8 µs per round trip, a MessagePort ping-pong 12.6 µs. The addon's eventfd `Waker`
// would need each waiting thread's reactor to register an fd and every notifier to know
// those fds; waitAsync needs neither and is faster than the port, so it is what we use.

import { waitAsync } from './es2024.js';

const noop = (): void => {};
let parkedInThread = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** Holds the thread's event loop open while a cross-thread wait is parked. */
export function retainThread(): void {
  if (parkedInThread++ === 0) {
    // One idle interval per thread, created once and then only ref'd/unref'd (cheap flag
    // flips): creating and clearing a timer per park cost more than the wake-up itself.
    if (keepAlive === undefined) keepAlive = setInterval(noop, 2 ** 30);
    else keepAlive.ref();
  }
}

/** Releases one `retainThread`. */
export function releaseThread(): void {
  if (--parkedInThread === 0 && keepAlive !== undefined) keepAlive.unref();
}

/** Bumps the sequence word `seq` and wakes the threads armed on it (counted in `sleepers`). */
export function bump(words: Int32Array, seq: number, sleepers: number): void {
  Atomics.add(words, seq, 1);
  if (Atomics.load(words, sleepers) !== 0) Atomics.notify(words, seq);
}

/** One thread's armed wait on a sequence word, retrying `poll` when it moves. */
export class SeqWatch {
  #armed = false;
  #spinning = false;
  readonly #afterSpin = (): void => {
    this.#spinning = false;
    this.#armNow();
  };
  readonly #onWake = (): void => {
    Atomics.sub(this.words, this.sleepers, 1);
    this.#armed = false;
    this.#armNow();
  };

  constructor(
    private readonly words: Int32Array,
    private readonly seq: number,
    private readonly sleepers: number,
    /** Retries the parked operations; returns true while some are still parked. */
    private readonly poll: () => boolean,
    /**
     * Look again one event-loop turn later before arming (mpsc): a consumer that keeps
     * up with its producer would otherwise sleep after every value and cost the producer a
     * notify and itself a wake-up per message. While it looks, sleepers is 0: no notify.
     */
    private readonly spin = false,
  ) {}

  /** Retries now and, if operations are still parked, waits for the next bump. Idempotent. */
  arm(): void {
    if (this.#armed || this.#spinning) return;
    if (this.spin) {
      this.#spinning = true;
      setImmediate(this.#afterSpin);
      return;
    }
    this.#armNow();
  }

  /**
   * Wakes this thread's armed wait when its last parked operation was cancelled (no other thread
   * may ever bump the word again: a sender dropped without send or close). Left armed, the pending
   * `Atomics.waitAsync` kept this watch, its handle and the channel's buffers alive for the life of
   * the thread (pass mt29: ~1.2 KB per `timeout(ms, rx)` that elapsed). The wake is a notify of
   * the word: other threads armed on it wake too, retry their operations and re-arm, as after
   * any bump; this thread's `#onWake` finds nothing parked and leaves the watch unarmed.
   */
  disarm(): void {
    if (this.#armed) Atomics.notify(this.words, this.seq);
  }

  #armNow(): void {
    if (this.#armed) return;
    const words = this.words;
    for (;;) {
      Atomics.add(words, this.sleepers, 1);
      const seen = Atomics.load(words, this.seq);
      if (!this.poll()) {
        Atomics.sub(words, this.sleepers, 1);
        return;
      }
      const result = waitAsync(words, this.seq, seen);
      if (result.async) {
        this.#armed = true;
        result.value.then(this.#onWake, this.#onWake);
        return;
      }
      Atomics.sub(words, this.sleepers, 1);
    }
  }
}
