// A tree of cancellation flags (tokio-util's CancellationToken). Cancelling a token cancels
// its whole subtree in one synchronous pass: first every node of the subtree is marked, then
// (once all of them read `isCancelled === true`) their waiters are woken and their
// AbortSignals fire, so a listener that inspects another token of the tree never sees it
// half-cancelled.
//
// Ownership: a parent holds its live children strongly (a child must hear its parent's
// cancellation even when nothing else references it, or a wait on it would hang); a child
// leaves its parent's set when it is cancelled. So a long-lived parent does not accumulate
// children as long as each child is cancelled when its work ends (`dropGuard()` does that at
// scope exit).
import { throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions } from '@rt/scheduler';
import { RESOLVED, WaitList, WaitNode, checkCancelled, parkIn } from '@rt/scheduler/primitives';
import { checkFunction } from './internal/validate.js';
import { setMaxListeners } from 'node:events';

/** What a cancellation wakes a waiter with (distinct from any value a work function returns). */
const CANCELLED: unique symbol = Symbol('cancelled');

/**
 * A token that tells work to stop: `cancel()` it once and everything waiting on it, or
 * holding its `signal`, learns at once. Tokio's `tokio_util::sync::CancellationToken`.
 *
 * Tokens form a tree: `childToken()` makes a token that is cancelled with its parent (and
 * with the parent's parent, …) but can also be cancelled alone without affecting the parent
 * or its siblings. The usual shape of a graceful shutdown: one root token for the process,
 * one child per connection or job, and each piece of work waits on its own token.
 *
 * Cancellation is a one-way latch: `cancel()` a second time does nothing, and a token never
 * becomes uncancelled. `cancel(reason)` records the reason of the first call; children
 * cancelled through their parent carry the same reason, which is also the `reason` of
 * `signal`.
 *
 * **Cancellation:** `cancelled()` and `runUntilCancelled()` take `{ signal }` and are
 * cancel safe (see each). `cancel()` is synchronous.
 *
 * **Errors:** see each method.
 *
 * **Example**
 * ```ts
 * const shutdown = new CancellationToken();
 * process.once('SIGTERM', () => shutdown.cancel());
 * const job = shutdown.childToken();
 * spawn(async () => {
 *   while (!job.isCancelled) await doSomeWork({ signal: job.signal });
 * });
 * await shutdown.cancelled();
 * ```
 */
export class CancellationToken {
  #cancelled = false;
  #reason: unknown = undefined;
  #parent: CancellationToken | undefined;
  #children: Set<CancellationToken> | undefined;
  readonly #waiters = new WaitList<unknown>();
  #controller: AbortController | undefined;

  /** True once this token, or one of its ancestors, has been cancelled. */
  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** The reason given to the `cancel()` that cancelled this token (`undefined` before, or when none was given). */
  get reason(): unknown {
    return this.#reason;
  }

  /**
   * An `AbortSignal` that aborts when this token is cancelled, so the token can be passed to
   * any API that takes `{ signal }` (every rt operation, `fetch`, Node's APIs). The same
   * signal is returned each time. Its `reason` is the reason given to `cancel()`, or an
   * `AbortError` `DOMException` when none was given.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // A token's signal is shared by design (a server's root token is waited on by every
      // connection at once): Node's default limit of 10 listeners would warn of a leak there.
      setMaxListeners(0, this.#controller.signal);
      if (this.#cancelled) this.#abortController();
    }
    return this.#controller.signal;
  }

  /**
   * Cancels this token and all its descendants, waking every `cancelled()` wait and aborting
   * every `signal` of the subtree. Calling it again, or on a token already cancelled through
   * its parent, does nothing. Never affects the parent or siblings.
   *
   * **Cancellation:** synchronous.
   *
   * **Errors:** never throws itself; an exception thrown by an `abort` listener of a
   * `signal` is reported by the platform as Node reports any listener error (the other
   * tokens are still cancelled).
   *
   * **Example**
   * ```ts
   * const root = new CancellationToken();
   * const child = root.childToken();
   * root.cancel();
   * console.log(child.isCancelled); // true
   * ```
   */
  cancel(reason?: unknown): void {
    if (this.#cancelled) return;
    const parent = this.#parent;
    if (parent !== undefined) parent.#children?.delete(this);
    // Phase 1: mark the whole subtree, so every listener of phase 2 sees a consistent tree.
    const marked: CancellationToken[] = [];
    const stack: CancellationToken[] = [this];
    while (stack.length > 0) {
      const token = stack.pop()!;
      if (token.#cancelled) continue;
      token.#cancelled = true;
      token.#reason = reason;
      token.#parent = undefined;
      marked.push(token);
      if (token.#children !== undefined) {
        for (const child of token.#children) stack.push(child);
        token.#children = undefined;
      }
    }
    // Phase 2: wake the waits and fire the signals.
    for (const token of marked) {
      if (token.#waiters.head !== undefined) for (const node of token.#waiters.drain()) node.waiter!.wake(CANCELLED);
      if (token.#controller !== undefined) token.#abortController();
    }
  }

  #abortController(): void {
    if (this.#reason === undefined) this.#controller!.abort();
    else this.#controller!.abort(this.#reason);
  }

  /**
   * Returns a new token that is cancelled whenever this one is (now or later), and that can
   * be cancelled on its own without affecting this token. A child of a cancelled token is
   * born cancelled.
   *
   * This token keeps a reference to the child until the child is cancelled: cancel each
   * child when its work is over (`using guard = child.dropGuard()`), or a long-lived parent
   * keeps every child it ever made.
   *
   * **Cancellation:** synchronous.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * for await (const [socket] of listener) {
   *   const connection = shutdown.childToken();
   *   tracker.spawn(async () => {
   *     using guard = connection.dropGuard();
   *     await serve(socket, connection);
   *   });
   * }
   * ```
   */
  childToken(): CancellationToken {
    const child = new CancellationToken();
    if (this.#cancelled) {
      child.#cancelled = true;
      child.#reason = this.#reason;
      return child;
    }
    child.#parent = this;
    (this.#children ??= new Set()).add(child);
    return child;
  }

  /**
   * Waits until the token is cancelled; resolves at once (after a cancellation check) if it
   * already is.
   *
   * **Cancellation:** cancel safe: aborting the wait (by `options.signal` or by aborting the
   * task) rejects it with `Cancelled` and leaves the token as it was.
   *
   * **Errors:** `Cancelled` on abort; TypeError for malformed `options`.
   *
   * **Example**
   * ```ts
   * await token.cancelled({ signal: AbortSignal.timeout(5_000) });
   * ```
   */
  cancelled(options?: WaitOptions): Promise<void> {
    const cancelled = checkCancelled(options);
    if (cancelled !== undefined) return cancelled;
    if (this.#cancelled) return RESOLVED;
    return parkIn(this.#waiters, new WaitNode<unknown>(), 'CancellationToken.cancelled', options) as Promise<unknown> as Promise<void>;
  }

  /**
   * Runs `fn` and resolves with its result, unless the token is cancelled first: then it
   * resolves with `undefined` at once, without waiting for `fn` (Tokio's
   * `run_until_cancelled`, where dropping the future stops it). `fn` receives an
   * `AbortSignal` that aborts when the token is cancelled (or `options.signal` aborts), so
   * it can stop its own work; whatever it settles with after that is ignored. If the token
   * is already cancelled, `fn` is not called.
   *
   * **Cancellation:** aborting the wait (`options.signal`, or aborting the task) rejects with
   * `Cancelled`; the work `fn` started is told through its signal only when the abort came
   * from `options.signal` (an aborted task stops at its own next rt await point inside `fn`).
   * Nothing of the token is changed by an abort.
   *
   * **Errors:** what `fn` throws or rejects with (if before the cancellation); TypeError if
   * `fn` is not a function; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const line = await token.runUntilCancelled((signal) => lines.nextLine({ signal }));
   * if (line === undefined) return; // shutting down
   * ```
   */
  runUntilCancelled<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: WaitOptions): Promise<T | undefined> {
    try {
      checkFunction(fn, 'CancellationToken.runUntilCancelled(fn): fn');
      throwIfCancelled(options);
      if (this.#cancelled) return Promise.resolve(undefined);
      const outer = options?.signal;
      const signal = outer === undefined ? this.signal : AbortSignal.any([this.signal, outer]);
      const node = new WaitNode<unknown>();
      const promise = parkIn(this.#waiters, node, 'CancellationToken.runUntilCancelled', options);
      if (node.waiter === undefined) return promise as Promise<never>; // could not park: fn is not called
      let work: Promise<T>;
      try {
        work = Promise.resolve(fn(signal));
      } catch (error) {
        work = Promise.reject(error);
      }
      work.then(
        (value) => {
          this.#waiters.remove(node);
          node.waiter!.wake(value);
        },
        (error: unknown) => {
          this.#waiters.remove(node);
          node.waiter!.fail(error);
        },
      );
      return promise.then((value) => (value === CANCELLED ? undefined : (value as T)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Returns a guard that cancels this token when it is disposed, for `using`: the token is
   * cancelled however the scope is left (return, throw, abort). `guard.disarm()` gives the
   * token back without cancelling it. Tokio's `DropGuard`.
   *
   * **Cancellation:** synchronous.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * {
   *   using guard = token.dropGuard();
   *   await work(token);
   * } // token cancelled here, so whatever work left running stops
   * ```
   */
  dropGuard(): DropGuard {
    return new DropGuard(this);
  }
}

/**
 * Cancels its token when disposed (`using guard = token.dropGuard()`), unless disarmed.
 *
 * **Cancellation:** synchronous.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * using guard = token.dropGuard();
 * if (handedOver) guard.disarm(); // keep the token alive past this scope
 * ```
 */
export class DropGuard implements Disposable {
  #token: CancellationToken | undefined;

  /** @internal Made by `CancellationToken.dropGuard()`. */
  constructor(token: CancellationToken) {
    this.#token = token;
  }

  /** True until `disarm()` or disposal. */
  get isArmed(): boolean {
    return this.#token !== undefined;
  }

  /** Returns the token and makes disposal do nothing. */
  disarm(): CancellationToken {
    const token = this.#token;
    if (token === undefined) throw new TypeError('DropGuard.disarm(): the guard was already disarmed or disposed');
    this.#token = undefined;
    return token;
  }

  /** Cancels the token (once). */
  [Symbol.dispose](): void {
    const token = this.#token;
    this.#token = undefined;
    token?.cancel();
  }
}
