// The ready queue of a reactor: the streams its dispatch found ready, served
// one at a time so that the task woken by one stream runs (and usually writes its reply) before
// the next stream is read: read, write, read, write, as Node's per-read callbacks do.
//
// Why not serve every stream of a batch inside the dispatch: then every read of the batch
// happens before any task writes. Measured (64 B echo × 64 connections on a 2-core VM): the peer
// sat idle until the writes began, and the kernel's deferred skb freeing kicked the peer's CPU
// with an IPI every few dozen reads (4 % of the server's CPU).
//
// How the turns pass without a microtask per stream ("the baton"): a serve that wakes a task
// holds the baton; the next stream is served when any native stream operation parks (the woken
// task looping back to `read`, the common case) or closes. A task that parks elsewhere (a
// timer, a channel) or never parks again would keep the baton, so a fallback armed with the
// baton serves whatever is still queued, at the end of the event-loop turn: `@rt/scheduler`'s
// `atTurnEnd`, the check phase of the same loop iteration, with the immediate the cooperative
// budget already arms on every turn that had a ready operation (ref'd while the fallback waits,
// so the loop does not block in its poll phase before it runs). It was a `process.nextTick`
// armed from the microtask phase (run once the microtask queue had drained): Node's `nextTick`
// and the tick queue's run cost ~100–180 instructions per message of a 64-connection echo
// (measured under callgrind, issue 16), more than everything else the queue does per batch;
// and a setImmediate of its own per batch cost an extra event-loop iteration (and epoll_wait)
// per batch. Serving early or at the turn's end is always correct; only the order of work
// changes (other I/O callbacks of the same poll phase may run before the fallback).
//
// One queue per reactor, so per runtime: two runtimes on one thread never serve each other's
// streams or hold each other's baton.

import { RESOLVED, atTurnEnd } from '@rt/scheduler/primitives';
import { reportLater } from '@rt/scheduler/primitives';

/**
 * A stream's turn: serves its parked operations; true when it woke one. A function, or an
 * object whose `serve()` is called: a driver with one turn object per stream, all of one class,
 * keeps the queue's call site monomorphic (one method for every stream), where a closure per
 * stream makes it megamorphic (a generic call, nothing inlined: measured on `@rt/net`'s echo).
 */
export type Serve = (() => boolean) | ServeTurn;

/** The object form of {@link Serve}. */
export interface ServeTurn {
  serve(): boolean;
}

/** Runs one serve; a serve that throws (a bug) is reported as an uncaught exception, never stalls the queue. */
function run(serve: Serve): boolean {
  try {
    return typeof serve === 'function' ? serve() : serve.serve();
  } catch (error) {
    reportLater(error);
    return false;
  }
}

/**
 * The streams a {@link Reactor}'s dispatch found ready, served one at a time (see the file's
 * header): `enqueue` from a readiness callback, `passBaton` when an operation parks or a
 * stream closes. Each reactor has one (`reactor.readyQueue`, also `registration.readyQueue`).
 *
 * **Cancellation:** not applicable (no waits; a serve callback does its own bookkeeping).
 *
 * **Errors:** none: a serve callback that throws is reported as an uncaught exception on a
 * microtask and the queue goes on.
 *
 * **Example**
 * ```ts
 * const queue = registration.readyQueue;
 * const wait = registration.readyCallback(Interest.READABLE, () => queue.enqueue(serveReaders), failReaders);
 * ```
 */
export class ReadyQueue {
  #ring: (Serve | undefined)[] = new Array<Serve | undefined>(64);
  #head = 0;
  #count = 0;
  /** A task woken by the last serve has not parked yet: the next serve waits for it. */
  #baton = false;
  #kickPending = false;
  #fallbackArmed = false;

  /** Streams waiting for their turn. */
  get length(): number {
    return this.#count;
  }

  #take(): Serve {
    const ring = this.#ring;
    const serve = ring[this.#head]!;
    ring[this.#head] = undefined;
    this.#head = (this.#head + 1) & (ring.length - 1);
    this.#count--;
    return serve;
  }

  /** Serves queued streams until one wakes a task (which then holds the baton) or none is left. */
  #serveUntilWake(): void {
    while (this.#count > 0) {
      if (run(this.#take()) === true) {
        if (this.#count > 0) {
          this.#baton = true;
          if (this.#fallbackArmed !== true) {
            this.#fallbackArmed = true;
            atTurnEnd(this.#fallback);
          }
        }
        return;
      }
    }
  }

  readonly #kick = (): void => {
    this.#kickPending = false;
    if (this.#baton !== true) this.#serveUntilWake();
  };

  readonly #fallback = (): void => {
    this.#fallbackArmed = false;
    if (this.#baton !== true) return;
    // The baton holder parked somewhere else: serve the rest now, in one go.
    this.#baton = false;
    while (this.#count > 0) run(this.#take());
  };

  /** Queues `serve` for its turn (called from the reactor's dispatch). */
  enqueue(serve: Serve): void {
    let ring = this.#ring;
    if (this.#count === ring.length) {
      const grown = new Array<Serve | undefined>(ring.length * 2);
      for (let i = 0; i < this.#count; i++) grown[i] = ring[(this.#head + i) & (ring.length - 1)];
      this.#ring = ring = grown;
      this.#head = 0;
    }
    ring[(this.#head + this.#count) & (ring.length - 1)] = serve;
    this.#count++;
    if (this.#baton !== true && this.#kickPending !== true) {
      this.#kickPending = true;
      void RESOLVED.then(this.#kick);
    }
  }

  /** An operation parked or a stream closed: the next queued stream's turn. */
  passBaton(): void {
    if (this.#baton === true) {
      this.#baton = false;
      this.#serveUntilWake();
    }
  }
}
