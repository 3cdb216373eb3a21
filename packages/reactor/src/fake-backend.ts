import type { ReactorBackend } from './backend.js';

/**
 * A pure-TypeScript backend for tests: readiness events are pushed by hand, so reactor
 * behaviour (caching, ticks, wake-up order, cancellation, stale events) can be tested
 * deterministically and without the addon.
 *
 * `push(fd, ready)` queues an event for the fd's current token; `pushToken(token, ready)`
 * queues one for any token (a stale event of a deregistered fd); `flush()` delivers the
 * queued events to the reactor as ONE batch, synchronously, like one epoll wake-up.
 * `isRefed`, `registrations` and `closed` let tests observe what the reactor asked for.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** `register` throws an `Error` with code `'EEXIST'` for an fd already
 * registered; `reregister`/`deregister` throw code `'ENOENT'` for an unknown fd;
 * `push` throws `RangeError` for an fd that is not registered.
 *
 * **Example**
 * ```ts
 * import { Reactor, FakeBackend, Interest, Ready } from '@rt/reactor';
 * const backend = new FakeBackend();
 * const reactor = new Reactor({ backend });
 * const registration = reactor.register(5, Interest.READABLE);
 * const ready = registration.readiness(Interest.READABLE);
 * backend.push(5, Ready.READABLE);
 * backend.flush(); // `ready` resolves
 * ```
 */
export class FakeBackend implements ReactorBackend {
  readonly name = 'fake';
  /** fd → its current token and interest. */
  readonly registrations = new Map<number, { token: number; interest: number }>();
  #dispatch: ((events: Uint32Array, count: number) => void) | null = null;
  #queue: number[] = [];
  #refed = false;
  #closed = false;

  start(dispatch: (events: Uint32Array, count: number) => void): void {
    this.#dispatch = dispatch;
  }

  /** Whether the reactor currently asks to keep the process alive. */
  get isRefed(): boolean {
    return this.#refed;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  register(fd: number, token: number, interest: number): void {
    this.#open();
    if (this.registrations.has(fd)) throw fakeOsError('EEXIST', 'epoll_ctl');
    this.registrations.set(fd, { token, interest });
  }

  reregister(fd: number, token: number, interest: number): void {
    this.#open();
    if (!this.registrations.has(fd)) throw fakeOsError('ENOENT', 'epoll_ctl');
    this.registrations.set(fd, { token, interest });
  }

  deregister(fd: number): void {
    this.#open();
    if (!this.registrations.delete(fd)) throw fakeOsError('ENOENT', 'epoll_ctl');
  }

  ref(): void {
    this.#refed = true;
  }

  unref(): void {
    this.#refed = false;
  }

  close(): void {
    this.#closed = true;
    this.#refed = false;
    this.registrations.clear();
    this.#queue.length = 0;
  }

  /** Queues a Ready event for the registered `fd`. */
  push(fd: number, ready: number): void {
    const registration = this.registrations.get(fd);
    if (registration === undefined) throw new RangeError(`FakeBackend.push: fd ${fd} is not registered`);
    this.#queue.push(registration.token, ready);
  }

  /** Queues a Ready event for `token`, registered or not. */
  pushToken(token: number, ready: number): void {
    this.#queue.push(token, ready);
  }

  /**
   * Delivers every queued event as one batch; returns how many were delivered. Throws what the
   * reactor's dispatch throws (after serving the whole batch, see `Reactor`).
   */
  flush(): number {
    const count = this.#queue.length / 2;
    if (count === 0 || this.#dispatch === null) return 0;
    const events = Uint32Array.from(this.#queue);
    this.#queue.length = 0;
    this.#dispatch(events, count);
    return count;
  }

  #open(): void {
    if (this.#closed) throw fakeOsError('EBADF', 'epoll_ctl');
  }
}

function fakeOsError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}
