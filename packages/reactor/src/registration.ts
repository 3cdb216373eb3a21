import { Interest, Ready, errno } from '@rt/mio-native';
import type { ReadyQueue } from './ready-queue.js';
import { ClosedError } from './closed-error.js';
import type { Driver } from './internal/driver.js';
import { READY_BITS as IO_READY_BITS, READY_MASK as IO_READY_MASK } from './internal/scheduled-io.js';
import type { ScheduledIo } from './internal/scheduled-io.js';
import { reportLater } from '@rt/scheduler/primitives';
import { Cancelled } from './internal/waiter.js';
import type { Waiter } from './internal/waiter.js';
import type { ReadyEvent } from './ready-event.js';

/** `-EAGAIN` on this platform, as the `sys` wrappers of `@rt/mio-native` return it. */
const { EAGAIN } = errno;
const NOT_CLOSED = ~Ready.ALL_CLOSED;
// Module-local copies of the event layout: TurboFan folds a module's own `const` to its value, but
// reads an imported (or exported) binding through its module cell with a TDZ check each time
// (issue 16, TCP echo: pass eu30).
const READY_BITS = IO_READY_BITS;
const READY_MASK = IO_READY_MASK;

/** Options of the waiting methods. */
export interface WaitOptions {
  /** Aborting it rejects the wait with a `Cancelled` error (`code` `'ERR_RT_CANCELLED'`). */
  readonly signal?: AbortSignal;
}

/** A `whenReady()` wait: the dispatch calls `resolve`/`reject` on it, which call back. */
class CallbackWaiter implements Waiter {
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
  prev: Waiter | null = null;
  next: Waiter | null = null;
  linked = false;
  armed = false;

  constructor(
    public readonly mask: number,
    private readonly onReady: (event: ReadyEvent) => void,
    private readonly onClosed: (error: Error) => void,
    public readonly keepAlive = true,
    public readonly stays = false,
  ) {}

  resolve(event: number): void {
    try {
      this.onReady(event);
    } catch (error) {
      reportLater(error);
    }
  }

  reject(error: Error): void {
    try {
      this.onClosed(error);
    } catch (thrown) {
      reportLater(thrown);
    }
  }
}

/**
 * A reusable callback wait on one {@link Registration} (made by
 * {@link Registration.readyCallback}): `arm()` either returns the cached readiness at once or
 * arms the wait, and the reactor's dispatch disarms it and calls `onReady`. The same object
 * is armed again for the next wait, so a driver that waits once per operation (a stream's
 * read loop) allocates nothing per wait; its waiter stays linked in the fd's list between
 * waits, so a re-arm is a flag (it is moved behind any wait linked after it, so armed waits
 * fire in the order they were armed), and only an armed wait keeps the process alive.
 *
 * **Cancellation:** none: an armed wait lasts until it fires, until `disarm()`, or until the
 * registration is deregistered (then `onClosed` is called).
 *
 * **Errors:** `arm()` throws {@link ClosedError} when the registration is not registered.
 * The callbacks must not throw (an exception is rethrown on a later microtask).
 *
 * **Example**
 * ```ts
 * const wait = registration.readyCallback(Interest.READABLE, serveReaders, failReaders);
 * if (wait.arm() !== null) queueMicrotask(serveReaders); // ready already
 * ```
 */
export class ReadyCallback {
  readonly #waiter: CallbackWaiter;
  readonly #io: ScheduledIo;
  readonly #driver: Driver;

  /** Made by {@link Registration.readyCallback}; not for direct use. */
  constructor(io: ScheduledIo, driver: Driver, mask: number, onReady: (event: ReadyEvent) => void, onClosed: (error: Error) => void, keepAlive = true) {
    this.#io = io;
    this.#driver = driver;
    this.#waiter = new CallbackWaiter(mask, onReady, onClosed, keepAlive, true);
  }

  /** True while armed (waiting for the dispatch). */
  get armed(): boolean {
    return this.#waiter.armed;
  }

  /**
   * The cached readiness for this wait's interest as a {@link ReadyEvent} (pass it to
   * `Registration.clearReadiness` after an EAGAIN), or `null` when not ready: what
   * `Registration.tryReadiness` returns for the same interest, without checking the interest
   * again on every call (it was checked once, by `readyCallback`). Does not arm the wait.
   * After deregistration the fd never reads as ready (`null`).
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** none.
   *
   * **Example**
   * ```ts
   * const event = readWait.tryReadiness();
   * if (event !== null && sys.read(fd, buf) === EAGAIN) registration.clearReadiness(event);
   * ```
   */
  tryReadiness(): ReadyEvent | null {
    const io = this.#io;
    const ready = io.ready & this.#waiter.mask;
    return ready === 0 ? null : (io.tick << READY_BITS) | ready;
  }

  /**
   * Returns the cached readiness (a {@link ReadyEvent}) if any satisfying bit is set, and
   * arms nothing; otherwise arms the wait (a no-op when already armed) and returns `null`.
   */
  arm(): ReadyEvent | null {
    const io = this.#io;
    if (io.registered !== true) throw new ClosedError(`ReadyCallback.arm: fd ${io.fd} is not registered`);
    const waiter = this.#waiter;
    const ready = io.ready & waiter.mask;
    if (ready !== 0) return (io.tick << READY_BITS) | ready;
    if (waiter.armed !== true) {
      // The waiter stays linked after it fires (the dispatch only clears `armed`), so a driver
      // that re-arms after every wait (a stream's read loop) does not unlink and link it each
      // time. It moves to the tail when something is linked after it: the order of the armed
      // waiters is the order in which they were armed (FIFO), as if it had been linked anew.
      if (waiter.linked !== true) io.push(waiter);
      else if (waiter.next !== null) {
        io.unlink(waiter);
        io.push(waiter);
      }
      waiter.armed = true;
      if (waiter.keepAlive === true) this.#driver.waiterAdded();
    }
    return null;
  }

  /**
   * Unlinks the wait if it is armed: neither `onReady` nor `onClosed` is called for it, and
   * its keep-alive is released. The cached readiness is untouched (a later `arm()` sees it).
   * Returns whether it was armed. For an owner that hands its registration over to another
   * (see {@link intoRegistration}) and must leave no wait of its own behind.
   */
  disarm(): boolean {
    const waiter = this.#waiter;
    this.#io.unlink(waiter); // (linked but not armed after it fired: it leaves too)
    if (waiter.armed !== true) return false;
    waiter.armed = false;
    if (waiter.keepAlive === true) this.#driver.waiterRemoved();
    return true;
  }
}

/**
 * The key of the method by which an I/O source gives up its fd together with its live
 * {@link Registration}, for a new owner on the same reactor: no `deregister()` + `register()`
 * (two `epoll_ctl` calls) in between, and the cached readiness goes along. `@rt/net`'s
 * `TcpStream` has it (native driver); `@rt/tls` takes a socket's fd with it.
 *
 * The contract of `source[intoRegistration]()`: the source is closed for use afterwards (its
 * pending operations rejected, none of its own waits left armed on the registration, its
 * `close()` no longer touching the fd); the caller owns the fd and the registration and must
 * `deregister()` it and close the fd. It returns `undefined` (and gives up nothing) when the
 * source cannot hand its registration over (another driver, or the reactor already closed).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** as the source documents (e.g. `SocketClosed` for a closed stream).
 *
 * **Example**
 * ```ts
 * const handed = stream[intoRegistration]?.();
 * if (handed !== undefined) serveOn(handed.fd, handed.registration);
 * ```
 */
export const intoRegistration: unique symbol = Symbol('rt.reactor.intoRegistration');

/** What a source's `[intoRegistration]()` hands over: its fd and its live registration. */
export interface RegisteredFd {
  readonly fd: number;
  readonly registration: Registration;
}

/**
 * One fd registered with a {@link Reactor}: cached readiness and the tasks waiting for it,
 * as Tokio's `Registration` (the `IoSource` of `@rt/net`'s sockets).
 *
 * The pattern, for a non-blocking fd: wait with `readiness(interest)`, try the syscall,
 * and on EAGAIN call `clearReadiness(event)` and wait again — or let `tryIo`/`io` do that.
 * Readiness is edge-triggered and cached: it stays set until cleared after an EAGAIN (or
 * a short read), so never clear it otherwise. Closed bits (`READ_CLOSED`,
 * `WRITE_CLOSED`) are sticky. Waiters are woken in FIFO order, after their whole batch of
 * events has been decoded.
 *
 * **Cancellation:** `readiness()` and `io()` are cancel safe: aborting the signal removes
 * the waiter and rejects with `Cancelled` (`code` `'ERR_RT_CANCELLED'`, `name`
 * `'Cancelled'`); no readiness is consumed by a wait, so an event that arrives while (or
 * just after) a wait is aborted stays cached for the next caller. An abort after the wait
 * resolved has no effect.
 *
 * **Errors:** waits reject with {@link ClosedError} (`'ERR_RT_CLOSED'`) once the
 * registration is deregistered or the reactor closed, including waits pending at that
 * moment; a bad interest throws `RangeError` at once; `deregister()` throws the backend's
 * `OsError` (e.g. `EBADF` when the fd was closed before it was deregistered).
 *
 * **Example**
 * ```ts
 * import { Reactor, Interest } from '@rt/reactor';
 * import { sys } from '@rt/mio-native';
 * const reactor = new Reactor();
 * const registration = reactor.register(fd, Interest.READABLE | Interest.WRITABLE);
 * const buffer = Buffer.alloc(65536);
 * const n = await registration.io(Interest.READABLE, () => sys.read(fd, buffer));
 * registration.deregister();
 * ```
 */
export class Registration {
  readonly #io: ScheduledIo;
  readonly #driver: Driver;

  /** Created by {@link Reactor.register}; not for direct use. */
  constructor(driver: Driver, io: ScheduledIo) {
    this.#driver = driver;
    this.#io = io;
  }

  /** The registered fd. */
  get fd(): number {
    return this.#io.fd;
  }

  /** The token the backend reports this fd under (unique while registered). */
  get token(): number {
    return this.#io.token;
  }

  /** The interest the fd was registered with. */
  get interest(): number {
    return this.#io.interest;
  }

  /** The ready queue of the reactor this fd is registered with (see `ReadyQueue`). */
  get readyQueue(): ReadyQueue {
    return this.#driver.readyQueue;
  }

  /** False once deregistered or once the reactor closed. */
  get isRegistered(): boolean {
    return this.#io.registered;
  }

  #mask(interest: number, what: string): number {
    if (!Number.isInteger(interest) || interest <= 0 || interest > 63 || (interest & ~(this.#io.interest | Interest.ALWAYS)) !== 0) {
      throw new RangeError(
        `Registration.${what}: interest ${String(interest)} is not within the registered interest ${this.#io.interest} (plus ERROR, READ_CLOSED, WRITE_CLOSED)`,
      );
    }
    return Interest.readyMask(interest);
  }

  /**
   * Waits until the fd is ready for `interest`; resolves with a {@link ReadyEvent} holding
   * the satisfying Ready bits (`READABLE` or `READ_CLOSED` for `Interest.READABLE`, …).
   * Resolves at once when cached readiness already satisfies it.
   */
  readiness(interest: number, options: WaitOptions = {}): Promise<ReadyEvent> {
    const mask = this.#mask(interest, 'readiness');
    const io = this.#io;
    if (!io.registered) return Promise.reject(new ClosedError(`Registration.readiness: fd ${io.fd} is not registered`));
    const signal = options.signal ?? null;
    if (signal?.aborted) return Promise.reject(new Cancelled(signal.reason));
    const ready = io.ready & mask;
    if (ready !== 0) return Promise.resolve((io.tick << READY_BITS) | ready);
    const driver = this.#driver;
    return new Promise<ReadyEvent>((resolve, reject) => {
      const waiter: Waiter = { mask, resolve, reject, signal, onAbort: null, prev: null, next: null, linked: false, armed: true, stays: false, keepAlive: true };
      io.push(waiter);
      driver.waiterAdded();
      if (signal !== null) {
        const onAbort = (): void => {
          if (!waiter.linked) return;
          io.unlink(waiter);
          driver.waiterRemoved();
          reject(new Cancelled(signal.reason));
        };
        waiter.onAbort = onAbort;
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /**
   * The callback form of {@link Registration.readiness}, for drivers that serve their own
   * queue of operations: returns the cached readiness for `interest` at once if any
   * satisfying bit is set (and registers nothing), else registers `onReady` and returns
   * `null`. `onReady(event)` is then called once, synchronously from the reactor's dispatch of
   * the batch that made the fd ready (no promise and no microtask in between); `onClosed` is
   * called instead, synchronously, if the registration is deregistered or the reactor closes
   * first. The wait keeps the event loop alive, as `readiness()` does.
   *
   * **Cancellation:** none: a callback wait lasts until it fires or the registration is
   * deregistered (the caller keeps at most one per direction, as `@rt/net`'s streams do).
   *
   * **Errors:** `RangeError` for a bad interest, `TypeError` for a callback that is not a
   * function, and {@link ClosedError} when not registered, all thrown at once. The callbacks must not throw: an exception thrown by one is rethrown
   * on a later microtask (an uncaught exception), never into the dispatch.
   *
   * **Example**
   * ```ts
   * const now = registration.whenReady(Interest.READABLE, serveReaders, failReaders);
   * if (now !== null) queueMicrotask(serveReaders);
   * ```
   */
  whenReady(interest: number, onReady: (event: ReadyEvent) => void, onClosed: (error: Error) => void): ReadyEvent | null {
    const mask = this.#mask(interest, 'whenReady');
    if (typeof onReady !== 'function' || typeof onClosed !== 'function') {
      throw new TypeError('Registration.whenReady: onReady and onClosed must be functions');
    }
    const io = this.#io;
    if (!io.registered) throw new ClosedError(`Registration.whenReady: fd ${io.fd} is not registered`);
    const ready = io.ready & mask;
    if (ready !== 0) return (io.tick << READY_BITS) | ready;
    const waiter = new CallbackWaiter(mask, onReady, onClosed);
    waiter.armed = true;
    io.push(waiter);
    this.#driver.waiterAdded();
    return null;
  }

  /**
   * The reusable form of {@link Registration.whenReady}: a {@link ReadyCallback} for
   * `interest`, armed with `arm()` as many times as needed (one object instead of one per
   * wait). Same semantics per wait as `whenReady`, except that with `{ keepAlive: false }`
   * an armed wait does not keep the process alive (a parked worker's waker, as an
   * unref'd handle).
   *
   * **Cancellation:** as `whenReady`. **Errors:** `RangeError` for a bad interest and
   * `TypeError` for a callback that is not a function, at once.
   *
   * **Example**
   * ```ts
   * const wait = registration.readyCallback(Interest.WRITABLE, flush, failWriters);
   * ```
   */
  readyCallback(interest: number, onReady: (event: ReadyEvent) => void, onClosed: (error: Error) => void, options?: { readonly keepAlive?: boolean }): ReadyCallback {
    if (typeof onReady !== 'function' || typeof onClosed !== 'function') {
      throw new TypeError('Registration.readyCallback: onReady and onClosed must be functions');
    }
    const keepAlive = options?.keepAlive ?? true;
    if (typeof keepAlive !== 'boolean') throw new TypeError(`Registration.readyCallback: keepAlive must be a boolean, got ${typeof keepAlive}`);
    return new ReadyCallback(this.#io, this.#driver, this.#mask(interest, 'readyCallback'), onReady, onClosed, keepAlive);
  }

  /**
   * Returns the cached readiness for `interest` as a {@link ReadyEvent} if any satisfying
   * bit is set, else `null`. Never waits.
   */
  tryReadiness(interest: number): ReadyEvent | null {
    const ready = this.#io.ready & this.#mask(interest, 'tryReadiness');
    return ready === 0 ? null : (this.#io.tick << READY_BITS) | ready;
  }

  /**
   * Clears the bits of `event` from the cached readiness, unless a newer event arrived
   * since `event` was produced (its tick differs). Closed bits are never cleared.
   */
  clearReadiness(event: ReadyEvent): void {
    const io = this.#io;
    if (io.tick === event >>> READY_BITS) io.ready &= ~(event & READY_MASK & NOT_CLOSED);
  }

  /**
   * Runs `syscall` if the fd is ready for `interest` and returns its result; returns
   * `-EAGAIN` without calling it when not ready. A `-EAGAIN` from `syscall` clears the
   * readiness it ran under. Never waits. After `deregister()` nothing is ready: it returns
   * `-EAGAIN` without calling `syscall` (and the next wait rejects with ClosedError).
   */
  tryIo(interest: number, syscall: () => number): number {
    const io = this.#io;
    const ready = io.ready & this.#mask(interest, 'tryIo');
    if (ready === 0) return EAGAIN;
    const event = (io.tick << READY_BITS) | ready;
    const result = syscall();
    if (result === EAGAIN) this.clearReadiness(event);
    return result;
  }

  /**
   * Waits for `interest`, runs `syscall`, and repeats while it returns `-EAGAIN`; resolves
   * with the first other result (a count or another negative errno).
   */
  async io(interest: number, syscall: () => number, options: WaitOptions = {}): Promise<number> {
    for (;;) {
      const event = await this.readiness(interest, options);
      const result = syscall();
      if (result !== EAGAIN) return result;
      this.clearReadiness(event);
    }
  }

  /**
   * Stops watching the fd (call it BEFORE closing the fd). Pending waits reject with
   * {@link ClosedError}. Idempotent.
   */
  deregister(): void {
    this.#driver.deregister(this.#io);
  }

  [Symbol.dispose](): void {
    this.deregister();
  }
}
