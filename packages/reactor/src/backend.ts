/**
 * What a {@link Reactor} needs from an event source: the contract both
 * {@link NativeBackend} (epoll through `@rt/mio-native`) and {@link FakeBackend} (pure
 * TypeScript, events pushed by hand) implement, and the contract tests check.
 *
 * `start(dispatch)` is called once; from then on the backend calls `dispatch(events, count)`
 * with `count` pairs `[token, Ready bits]` in `events` (it may reuse the array between
 * calls; the reactor reads it only during the call). Registrations are edge-triggered:
 * an event is delivered when readiness changes. `ref()`/`unref()` say whether the backend
 * should keep the process alive (the reactor refs it while any waiter exists).
 *
 * **Cancellation:** not applicable (no method waits).
 *
 * `dispatch` may throw (see `Reactor`'s errors: the batch was served whole, and the
 * error is the first one of its wake pass): the backend lets it out to whoever delivered the
 * batch (a caller of `turn()`/`flush()`; an uncaught exception from a native callback).
 *
 * **Errors:** `register`, `reregister` and `deregister` throw (an `OsError` from the
 * native backend: `EBADF`, `EEXIST`, `ENOENT`, …).
 *
 * **Example**
 * ```ts
 * import { Reactor, FakeBackend } from '@rt/reactor';
 * const reactor = new Reactor({ backend: new FakeBackend() });
 * ```
 */
export interface ReactorBackend {
  /** A short name for metrics and messages (`'epoll'`, `'fake'`). */
  readonly name: string;
  start(dispatch: (events: Uint32Array, count: number) => void): void;
  register(fd: number, token: number, interest: number): void;
  reregister(fd: number, token: number, interest: number): void;
  deregister(fd: number): void;
  ref(): void;
  unref(): void;
  close(): void;
}
