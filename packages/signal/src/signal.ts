// `Signal`: one stream of deliveries of one Unix signal (Tokio's `tokio::signal::unix::Signal`).
import { isMainThread } from 'node:worker_threads';
import { coop, park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { retryAfter } from '@rt/scheduler/primitives';
import { SignalUnavailable } from './errors.js';
import { parkedAdd, parkedRemove, subscribe, unsubscribe } from './internal/registry.js';
import type { Subscriber } from './internal/registry.js';
import { signalName } from './signal-kind.js';
import type { SignalKind } from './signal-kind.js';

/**
 * A stream of the deliveries of one Unix signal to this process, from its creation until
 * `close()`.
 *
 * While at least one `Signal` of a kind is open, rt listens to that signal with
 * `process.on`, which replaces the signal's default action (for SIGINT and SIGTERM: ending
 * the process). When the last open `Signal` of a kind is closed, rt removes its listener and
 * the default action is back (unless code outside rt still listens with `process.on`). This
 * differs from Tokio, where the first registration replaces the default for the life of the
 * process. SIGKILL and SIGSTOP cannot be caught by any process, so they have no kind.
 *
 * Deliveries are coalesced as in Tokio: a stream remembers at most one delivery that arrived
 * while no `recv` was waiting, so three SIGHUPs sent while the program was busy are received
 * as one. Each stream sees every delivery made after it was created, independently of the
 * other streams of the same kind. One delivery wakes one waiting `recv` (the oldest) of each
 * stream.
 *
 * An open stream does not keep the process alive; a waiting `recv` (or `ctrlC()`) does.
 * Signals reach only the main thread: creating a `Signal` in a worker thread throws.
 * Node reserves SIGUSR1 (`'user1'`) to start its inspector; listening to it works but may
 * interfere with debugging.
 *
 * **Cancellation:** `recv` and async iteration are cancel safe: a `recv` aborted (its task
 * aborted or its `signal` aborted) before a delivery woke it loses nothing; the next
 * delivery is kept pending for the next `recv`. Once a delivery has woken it, a later abort
 * does not take the delivery back.
 *
 * **Errors:** `UnknownSignalKind` for a kind that is not a {@link SignalKind};
 * `SignalUnavailable` in a worker thread; `recv` rejects with `Cancelled` when aborted.
 *
 * **Example**
 * ```ts
 * using hangups = signal('hangup');
 * for await (const _ of hangups) reloadConfig();
 * ```
 */
export class Signal implements Disposable, AsyncIterable<SignalKind> {
  /** The kind of signal this stream receives. */
  readonly kind: SignalKind;
  readonly #name: NodeJS.Signals;
  readonly #subscriber: Subscriber;
  /** Receives parked now, oldest first; each holds one keep-alive count. */
  readonly #waiters = new Set<Waiter<SignalKind | undefined>>();
  readonly #onCancel = (waiter: Waiter<SignalKind | undefined>): void => {
    if (this.#waiters.delete(waiter)) parkedRemove();
  };
  /** A delivery arrived while no `recv` waited (coalesced: at most one). */
  #pending = false;
  #closed = false;

  /**
   * Starts listening to `kind`; deliveries made from now on are received by this stream.
   * Same as {@link signal}.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** `UnknownSignalKind`; `SignalUnavailable` in a worker thread.
   *
   * **Example**
   * ```ts
   * const terminate = new Signal('terminate');
   * ```
   */
  constructor(kind: SignalKind) {
    const name = signalName(kind);
    if (!isMainThread) {
      throw new SignalUnavailable(`signal('${kind}'): Node delivers ${name} only to the main thread, not to worker threads`);
    }
    this.kind = kind;
    this.#name = name;
    this.#subscriber = { deliver: () => this.#deliver() };
    subscribe(name, this.#subscriber);
  }

  /** True once `close()` (or disposal, or leaving a `for await` loop) has run. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Waits for the next delivery and resolves with the stream's kind; resolves at once if a
   * delivery is pending. Resolves with `undefined` once the stream is closed and no delivery
   * is pending.
   *
   * Concurrent `recv` calls on one stream are woken one per delivery, oldest first. A pending
   * delivery consumes one unit of the task's cooperative budget.
   *
   * **Cancellation:** cancel safe: an aborted `recv` never loses a delivery (it stays
   * pending for the next `recv`). While it waits, the task shows in `dump()` as waiting on
   * `'signal.recv'`, and the process is kept alive.
   *
   * **Errors:** rejects with `Cancelled` when the task or `options.signal` aborts, with a
   * TypeError for malformed `options`.
   *
   * **Example**
   * ```ts
   * using terminate = signal('terminate');
   * await terminate.recv();
   * console.log('shutting down');
   * ```
   */
  recv(options?: WaitOptions): Promise<SignalKind | undefined> {
    if (this.#pending || this.#closed) {
      try {
        throwIfCancelled(options);
      } catch (error) {
        return Promise.reject(error);
      }
      const y = coop();
      if (y !== undefined) return retryAfter(y, this, this.recv, options);
      return Promise.resolve(this.#take());
    }
    let parked: { waiter: Waiter<SignalKind | undefined>; promise: Promise<SignalKind | undefined> };
    try {
      parked = park<SignalKind | undefined>('signal.recv', this.#onCancel, options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#waiters.add(parked.waiter);
    parkedAdd();
    return parked.promise;
  }

  /**
   * Takes a pending delivery without waiting: true if one was pending (it is now consumed),
   * false otherwise.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * if (hangups.tryRecv()) reloadConfig();
   * ```
   */
  tryRecv(): boolean {
    if (!this.#pending) return false;
    this.#pending = false;
    return true;
  }

  /**
   * Stops listening: deliveries made from now on are not received by this stream, waiting
   * `recv` calls resolve with `undefined`, and if this was the last open stream of its kind,
   * rt removes its process listener so the signal's default action is back. A delivery
   * already pending can still be taken by `recv`/`tryRecv`. Idempotent.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * const interrupt = signal('interrupt');
   * interrupt.close(); // Ctrl-C ends the process again
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unsubscribe(this.#name, this.#subscriber);
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      parkedRemove();
      waiter.wake(undefined);
    }
  }

  /** Same as {@link Signal.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Iterates over deliveries: each step waits as `recv()` and yields the kind. The loop ends
   * when the stream is closed. Leaving the loop early (`break`, `return`, a throw) closes the
   * stream, as dropping it would in Rust, so no listener outlives the loop.
   *
   * **Cancellation:** an abort of the task rejects the step with `Cancelled` and closes the
   * stream (the loop is left); no delivery is lost before that, as with `recv()`.
   *
   * **Errors:** `Cancelled` when the task is aborted.
   *
   * **Example**
   * ```ts
   * for await (const _ of signal('windowChange')) redraw();
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<SignalKind> {
    return {
      // A rejected step ends a `for await` loop without calling `return`: close here too.
      next: (): Promise<IteratorResult<SignalKind>> => this.recv().then(toIteratorResult, this.#closeAndThrow),
      return: (): Promise<IteratorResult<SignalKind>> => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  readonly #closeAndThrow = (error: unknown): never => {
    this.close();
    throw error;
  };

  #take(): SignalKind | undefined {
    if (!this.#pending) return undefined;
    this.#pending = false;
    return this.kind;
  }

  #deliver(): void {
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      parkedRemove();
      if (waiter.wake(this.kind)) return;
    }
    this.#pending = true;
  }
}

function toIteratorResult(kind: SignalKind | undefined): IteratorResult<SignalKind> {
  return kind === undefined ? { done: true, value: undefined } : { done: false, value: kind };
}

/**
 * Starts listening to the Unix signal `kind` and returns the stream of its deliveries (made
 * from now on); see {@link Signal} for the semantics.
 *
 * **Cancellation:** not applicable (synchronous); the returned stream's `recv` is cancel
 * safe.
 *
 * **Errors:** `UnknownSignalKind` for a kind that is not a {@link SignalKind} (SIGKILL and
 * SIGSTOP cannot be caught, so they have none); `SignalUnavailable` in a worker thread.
 *
 * **Example**
 * ```ts
 * using terminate = signal('terminate');
 * await terminate.recv();
 * await server.shutdown();
 * ```
 */
export function signal(kind: SignalKind): Signal {
  return new Signal(kind);
}
