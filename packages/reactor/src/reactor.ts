// The reactor: fd → ScheduledIo records, fed by one backend batch at a time.
//
// How and why
// -----------
// A backend delivers a batch of (token, Ready) pairs in one call (one native crossing per
// epoll wake-up). Dispatch runs in two passes:
//   1. decode: bump the tick once for the batch; for each pair, look the token up (a token
//      that is no longer registered is a STALE event — its fd was deregistered, maybe even
//      reused by a new registration with a different token, in the same batch — and is
//      dropped and counted), OR the bits into the record's cached readiness, stamp the
//      tick, and queue the record once if it has waiters;
//   2. wake: for each queued record, resolve (FIFO) every waiter whose mask matches.
// Waking after decoding means every waiter sees the complete readiness of its batch (data
// and FIN in one event, or READABLE and WRITABLE in two events of one batch).
//
// Tokens are 32-bit counters, never reused while registered, so events are keyed by token
// and never by fd. The backend is ref'd exactly while some waiter exists: an idle reactor
// never keeps the process alive; a task waiting for I/O does.
//
// A token is found by its low bits, as mio's Token carries a slab index (Tokio's: an address
// and a generation): the records sit in a direct-mapped table whose size is a power of two,
// `table[token & mask]`, and a registration takes the next counter value whose slot is free,
// so the rest of the token (the counter's high bits) is the slot's generation. The event's
// token must equal the record's in full: a stale event of a deregistered fd finds its slot
// empty, or holding a later registration with another token, and is dropped. A token is
// handed out again only after the counter wraps (2^32 registrations, as with the Map this
// replaced, issue 16: its look-up was ~50 instructions per event). The table doubles when
// half full; live tokens have distinct low bits, so they stay distinct in the larger table. It
// halves at a deregistration that leaves it under an eighth full (never below 16 slots), unless
// two live tokens would then share a slot (a token never changes: the kernel reports it), and
// only between decode passes (see #shrink): a stale token is dropped whatever the table's size.
//
// A throw out of the wake pass (not a wait's callback: those are reported on a microtask, but
// the machinery around a wake, e.g. a backend's unref()) does not strand the rest of the batch:
// every fd of it is served, then the first error is rethrown (see #finishBatch).
import { available } from '@rt/mio-native';
import { Handle } from '@rt/scheduler';
import type { ReactorBackend } from './backend.js';
import { ClosedError } from './closed-error.js';
import { NativeBackend } from './native-backend.js';
import { ReadyQueue } from './ready-queue.js';
import { Registration } from './registration.js';
import { reportLater } from '@rt/scheduler/primitives';
import type { Driver } from './internal/driver.js';
import { ScheduledIo, TICK_MASK as IO_TICK_MASK, READY_BITS as IO_READY_BITS } from './internal/scheduled-io.js';
import type { Waiter } from './internal/waiter.js';
import { Interest } from '@rt/mio-native';

/** The token table's size when made, and the least it shrinks to. */
const INITIAL_SLOTS = 16;

// Module-local copies of the event layout, read by every dispatch: TurboFan folds a module's own
// `const` to its value, but reads an imported binding through its module cell with a TDZ check
// each time (issue 16, TCP echo: pass eu30).
const TICK_MASK = IO_TICK_MASK;
const READY_BITS = IO_READY_BITS;

/**
 * This package's tests' view of a reactor's token table (not exported by the package's entry):
 * its size, and the token counter, set near its wrap (2^32 registrations away otherwise).
 */
export let tokenTable: {
  size(reactor: Reactor): number;
  setNextToken(reactor: Reactor, token: number): void;
};

/** The runtime extension holding a runtime's one reactor. */
interface RuntimeReactor {
  readonly reactor: Reactor;
  shutdown(): void;
  metrics(): Record<string, number | string | boolean>;
}

const RUNTIME_REACTOR = Symbol('@rt/reactor');

/** Options for {@link Reactor}. */
export interface ReactorOptions {
  /** The event source; a {@link NativeBackend} when omitted. */
  readonly backend?: ReactorBackend;
}

/** Counters of a {@link Reactor}, as returned by {@link Reactor.metrics}. */
export interface ReactorMetrics {
  /** The backend's name (`'epoll'`, `'fake'`). */
  readonly backend: string;
  /** Events received (including stale ones). */
  readonly events: number;
  /** Batches received (calls from the backend). */
  readonly batches: number;
  /** Events for tokens no longer registered, dropped. */
  readonly staleEvents: number;
  /** Waiters woken. */
  readonly wakeups: number;
  /** Fds registered now. */
  readonly registered: number;
  /** Waiters pending now that keep the process alive (not the `keepAlive: false` ones). */
  readonly waiters: number;
}

/**
 * The I/O driver: registers fds with a backend and turns batches of readiness events into
 * woken waiters, as Tokio's I/O driver.
 *
 * `register(fd, interest)` returns a {@link Registration}; its `readiness()` waits are
 * resolved when the backend reports the fd ready. A runtime has exactly one, made on first
 * use by {@link Reactor.current} and closed when the runtime shuts down: `@rt/net`,
 * `@rt/process` and `@rt/multi-thread` register their fds with it, so a program has one
 * epoll fd per runtime. `new Reactor()` makes a free-standing one (tests, a `FakeBackend`),
 * with its own epoll instance.
 *
 * **Cancellation:** see {@link Registration}: waits are cancel safe.
 *
 * **Errors:** the constructor throws `NativeUnavailableError` when no backend is given and
 * the addon is not available ({@link Reactor.isNativeAvailable}); `register` throws
 * `RangeError` for a bad fd or interest, the backend's `OsError` (`EBADF`, `EEXIST`,
 * `EPERM` for regular files) and {@link ClosedError} after `close()`. A wait's callback
 * never throws into a batch's dispatch (its exception is rethrown on a microtask); if anything
 * else throws while the batch's waits are woken (the backend's `unref()` when the last
 * keep-alive wait fires, an abort signal's `removeEventListener`), the rest of the batch is
 * still woken, then the first error is rethrown from the dispatch: out of
 * `NativeBackend.turn()`/`FakeBackend.flush()`, and from the poll's own callback as an
 * uncaught exception; a later error of the same batch is rethrown on a microtask. The wait
 * whose wake threw is disarmed (and not woken when the throw came before its callback).
 *
 * **Example**
 * ```ts
 * import { Reactor, Interest } from '@rt/reactor';
 * const reactor = new Reactor();
 * const registration = reactor.register(fd, Interest.READABLE);
 * await registration.readiness(Interest.READABLE);
 * registration.deregister();
 * reactor.close();
 * ```
 */
export class Reactor {
  /** Whether the native backend can be used on this machine. */
  static readonly isNativeAvailable: boolean = available;

  /**
   * The current runtime's reactor: its one I/O driver (one epoll fd, its ready queue),
   * created on first use as a runtime extension, closed when the runtime shuts down (waits
   * pending then reject with {@link ClosedError}); its counters appear in
   * `runtime.metrics().drivers['@rt/reactor']`.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** `NativeUnavailableError` where the addon is not available; whatever
   * `Handle.current()` throws outside a runtime.
   *
   * **Example**
   * ```ts
   * import { Reactor, Interest } from '@rt/reactor';
   * const registration = Reactor.current().register(fd, Interest.READABLE);
   * ```
   */
  static current(): Reactor {
    return Handle.current().extension(RUNTIME_REACTOR, (): RuntimeReactor => {
      const reactor = new Reactor();
      return { reactor, shutdown: () => reactor.close(), metrics: () => ({ ...reactor.metrics() }) };
    }).reactor;
  }

  /**
   * The streams this reactor's dispatch found ready, served one at a time (see
   * {@link ReadyQueue}); one per reactor, so runtimes never share one.
   */
  readonly readyQueue = new ReadyQueue();

  readonly #backend: ReactorBackend;
  /** The registered records by token: `table[token & (table.length - 1)]` (see the header). */
  #table: (ScheduledIo | undefined)[] = emptyTable(INITIAL_SLOTS);
  #registered = 0;
  /** A deregistration that leaves this many registrations or fewer halves the table (-1: never; see #shrink). */
  #shrinkAt = -1;
  /**
   * The fds of the current batch with a wait to serve, in the order their events came: kept
   * from batch to batch, slots cleared as they are served (`length = 0` per batch gave the
   * backing store up, so every batch grew it again: an allocation per few events). A dispatch
   * holds it (the field reads null) until its wake pass is done: a dispatch re-entered from a wake
   * callback (a backend's `turn()`/`flush()` called there) uses an array of its own instead of
   * writing over the outer batch's unserved slots (review rv26).
   */
  #pending: (ScheduledIo | undefined)[] | null = [];
  readonly #driver: Driver;
  #nextToken = 1;
  #tick = 0;
  #waiters = 0;
  #events = 0;
  #batches = 0;
  #stale = 0;
  #wakeups = 0;
  #closed = false;

  constructor(options: ReactorOptions = {}) {
    this.#backend = options.backend ?? new NativeBackend();
    this.#driver = {
      waiterAdded: () => {
        if (this.#waiters++ === 0) this.#backend.ref();
      },
      waiterRemoved: () => {
        if (--this.#waiters === 0) this.#backend.unref();
      },
      deregister: (io) => this.#deregister(io),
      readyQueue: this.readyQueue,
    };
    this.#backend.start(this.#dispatch);
  }

  /** The backend in use. */
  get backend(): ReactorBackend {
    return this.#backend;
  }

  /** Whether {@link Reactor.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Registers `fd` (edge-triggered) for `interest`; returns its {@link Registration}. */
  register(fd: number, interest: number): Registration {
    if (this.#closed) throw new ClosedError('Reactor.register: the reactor is closed');
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new RangeError(`Reactor.register: expected a file descriptor, got ${String(fd)}`);
    Interest.check(interest);
    if (2 * (this.#registered + 1) > this.#table.length) this.#resize(2 * this.#table.length);
    const table = this.#table;
    const mask = table.length - 1;
    // The next counter value whose slot is free (at most half the slots are taken).
    let token = this.#nextToken;
    while (table[token & mask] !== undefined) token = (token + 1) >>> 0 || 1;
    this.#nextToken = (token + 1) >>> 0 || 1;
    this.#backend.register(fd, token, interest);
    const io = new ScheduledIo(fd, token, interest);
    table[token & mask] = io;
    this.#registered++;
    return new Registration(this.#driver, io);
  }

  /**
   * Moves every live record to its token's slot in a table of `size` slots. Doubling always
   * succeeds (live tokens have distinct low bits, so distinct in more bits); halving fails, and
   * returns false with the table unchanged, when two live tokens share a slot at half the size.
   */
  #resize(size: number): boolean {
    const table = emptyTable(size);
    const mask = size - 1;
    for (const io of this.#table) {
      if (io === undefined) continue;
      if (table[io.token & mask] !== undefined) return false;
      table[io.token & mask] = io;
    }
    this.#table = table;
    this.#shrinkAt = size > INITIAL_SLOTS ? (size >>> 3) - 1 : -1;
    return true;
  }

  /**
   * Halves the table while it is under an eighth full (a quarter of the half-full point where it
   * doubles: a table just halved must double its registrations before it grows again, so a
   * count going up and down across one boundary does not rebuild it every time), never below
   * its initial size. Called at deregistration, which a wake callback may do during a batch's
   * dispatch: the batch's decode pass (the only part that reads the table) is over by then,
   * and a dispatch re-entered there reads the new table. Tokens are not changed (the kernel
   * reports them), so two live tokens that share a slot at half the size block the halving:
   * then it is tried again when the count has halved (a single token never collides).
   */
  #shrink(): void {
    while (this.#registered <= this.#shrinkAt) {
      if (!this.#resize(this.#table.length >>> 1)) {
        this.#shrinkAt = this.#registered >>> 1;
        return;
      }
    }
  }

  /** A snapshot of the counters. */
  metrics(): ReactorMetrics {
    return {
      backend: this.#backend.name,
      events: this.#events,
      batches: this.#batches,
      staleEvents: this.#stale,
      wakeups: this.#wakeups,
      registered: this.#registered,
      waiters: this.#waiters,
    };
  }

  /**
   * Deregisters every fd (their pending waits reject with {@link ClosedError}) and closes
   * the backend. Registered fds are not closed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shrinkAt = -1; // (no halving as the table empties: it is dropped below)
    // In the order of registration, as the Map this table replaced kept them: tokens count up from
    // 1 and wrap after 2^32 - 1, so they sort by (token - next) mod 2^32, the oldest (furthest
    // behind the counter) first; compared as plain numbers, those handed out after a wrap came
    // first. Only a registration that outlived 2^32 later ones could be out of place.
    const next = this.#nextToken;
    const ios = this.#table.filter((io): io is ScheduledIo => io !== undefined).sort((a, b) => ((a.token - next) >>> 0) - ((b.token - next) >>> 0));
    for (const io of ios) {
      try {
        this.#deregister(io, true);
      } catch (error) {
        // A wait's release threw (the backend's own failure, e.g. EBADF for an fd already
        // closed, is ignored here: closing the backend forgets the fd anyway). close() goes on
        // with the other fds, and the error is not swallowed: it is reported on a microtask.
        reportLater(error);
      }
    }
    this.#table = emptyTable(INITIAL_SLOTS); // (a closed reactor keeps no table of its peak size)
    this.#backend.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** `closing`: from close(), where the backend's failure to deregister is ignored (it is closed next). */
  #deregister(io: ScheduledIo, closing = false): void {
    if (!io.registered) return;
    io.registered = false;
    io.ready = 0; // tryIo/tryReadiness now say "not ready"; waits reject with ClosedError
    const table = this.#table;
    table[io.token & (table.length - 1)] = undefined;
    if (--this.#registered <= this.#shrinkAt) this.#shrink();
    let failure: unknown = null;
    try {
      this.#backend.deregister(io.fd);
    } catch (error) {
      if (!closing) failure = error;
    }
    // Built only when an armed wait is pending (most fds are deregistered with none; a stream's
    // fired ReadyCallbacks stay linked but are not pending).
    let closed: ClosedError | null = null;
    // Always the list's head: an `onClosed` may disarm (unlink) or abort the waiter after its
    // own, so a `next` noted before the call could be cut from the list. Nothing links a new
    // wait here (the fd is no longer registered), so the walk ends.
    for (let waiter = io.head; waiter !== null; waiter = io.head) {
      io.unlink(waiter);
      // (A ReadyCallback's waiter stays linked after it fired: only an armed one is pending.)
      if (waiter.armed === true) {
        waiter.armed = false;
        // A release that throws (a signal's removeEventListener, a backend's unref()) must not
        // leave this wait or the fd's later ones pending for good (review rv28): the wait is still
        // rejected, the walk goes on, and the error is thrown after it (the first one; a later
        // one is reported on a microtask).
        try {
          this.#release(waiter);
        } catch (error) {
          if (failure === null) failure = error;
          else reportLater(error);
        }
        waiter.reject((closed ??= new ClosedError(`fd ${io.fd} was deregistered`)));
      }
    }
    if (failure !== null) throw failure;
  }

  /**
   * Gives back a wait's keep-alive, then takes its abort listener off: in this order, a signal
   * whose removeEventListener throws does not leave the keep-alive counted (the backend ref'd,
   * the process alive, for good: review rv28); a backend's unref() that throws leaves a listener
   * that does nothing (the wait is unlinked: its onAbort returns at once).
   */
  #release(waiter: Waiter): void {
    const onAbort = waiter.onAbort;
    if (waiter.keepAlive === true && --this.#waiters === 0) this.#backend.unref();
    if (onAbort !== null) {
      waiter.onAbort = null;
      waiter.signal?.removeEventListener('abort', onAbort);
    }
  }

  readonly #dispatch = (events: Uint32Array, count: number): void => {
    const tick = (this.#tick = (this.#tick + 1) & TICK_MASK);
    const table = this.#table;
    const mask = table.length - 1;
    // Held for this batch (see #pending); null: an outer dispatch holds it, so this one is re-entered.
    const pending = this.#pending ?? [];
    this.#pending = null;
    let pendingCount = 0;
    this.#batches++;
    this.#events += count;
    for (let i = 0; i < count; i++) {
      const token = events[2 * i]!;
      const io = table[token & mask];
      if (io === undefined || io.token !== token) {
        this.#stale++;
        continue;
      }
      io.ready |= events[2 * i + 1]!;
      io.tick = tick;
      if (io.head !== null && io.queued !== true) {
        io.queued = true;
        pending[pendingCount++] = io;
      }
    }
    // The wake pass, in one try (per batch, not per event): a throw out of it must not strand the
    // rest of the batch, whose fds keep `queued` set (no later batch would queue them again) and
    // whose edges do not come again. See #finishBatch.
    let i = 0;
    let io: ScheduledIo | undefined;
    try {
      for (; i < pendingCount; i++) {
        io = pending[i]!;
        pending[i] = undefined;
        io.queued = false;
        this.#wake(io, tick);
      }
    } catch (error) {
      this.#finishBatch(io!, pending, i + 1, pendingCount, tick);
      throw error;
    }
    this.#pending = pending;
  };

  /** Resolves (FIFO) every armed waiter of `io` that its readiness satisfies. */
  #wake(io: ScheduledIo, tick: number): void {
    for (let waiter = io.head; waiter !== null; ) {
      let next: Waiter | null = waiter.next;
      const ready = io.ready & waiter.mask;
      if (ready !== 0 && waiter.armed === true) {
        // A ReadyCallback's waiter stays linked (its owner re-arms it with a flag, see
        // ReadyCallback.arm); a one-shot wait leaves the list.
        waiter.armed = false;
        if (waiter.stays !== true) io.unlink(waiter);
        this.#release(waiter);
        this.#wakeups++;
        const edits = io.edits;
        waiter.resolve((tick << READY_BITS) | ready);
        // A callback that linked, moved or unlinked a waiter of this fd: walk again from the
        // head (the waiters already fired are disarmed or gone; one armed in the callback was
        // not ready then, and this batch's readiness does not change, so none fires twice).
        if (io.edits !== edits) next = io.head;
      }
      waiter = next;
    }
  }

  /**
   * The rest of a batch whose wake pass threw while waking `thrown` (the fds still to be woken are
   * `pending[from]` up to `pending[count - 1]`). A wait's callback never gets
   * here (whenReady/ReadyCallback report its exception on a microtask); what can is the
   * machinery around a wake (a backend's unref(), a signal's removeEventListener, a RangeError
   * of a deep stack). The fd whose wake threw is walked again from its head (the waiter that
   * threw was disarmed first, so it does not fire twice, and each throw disarms one, so this
   * ends), then the rest. The caller rethrows the first error once this returns, as an
   * uncaught dispatch error always went (out of turn()/flush(), or an uncaught exception from
   * the poll's libuv callback); a later one is reported on a microtask, as a throwing
   * callback's is.
   */
  #finishBatch(thrown: ScheduledIo, pending: (ScheduledIo | undefined)[], from: number, count: number, tick: number): void {
    let io = thrown; // (its slot cleared, `queued` too)
    for (let i = from; ; i++) {
      for (;;) {
        try {
          this.#wake(io, tick);
          break;
        } catch (error) {
          reportLater(error);
        }
      }
      if (i === count) break;
      io = pending[i]!;
      pending[i] = undefined;
      io.queued = false;
    }
    this.#pending = pending;
  }

  static {
    tokenTable = {
      size: (reactor) => reactor.#table.length,
      setNextToken: (reactor, token) => void (reactor.#nextToken = token),
    };
  }
}

/** A table of `size` empty slots (filled one by one: a packed array, no holes to check on a read). */
function emptyTable(size: number): (ScheduledIo | undefined)[] {
  const table: (ScheduledIo | undefined)[] = [];
  for (let i = 0; i < size; i++) table.push(undefined);
  return table;
}
