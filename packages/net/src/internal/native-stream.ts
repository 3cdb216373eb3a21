// The native stream: a non-blocking socket fd registered (edge-triggered) with the runtime's
// reactor. How a read works, the hot path:
//
// 1. If no reader is queued and the cached readiness says READABLE, call read(2) straight
//    into the caller's buffer. A result other than EAGAIN completes the read at once (no
//    allocation besides the resolved promise). EAGAIN clears the readiness, guarded by the
//    reactor tick of the event it was read under, so an event that arrived in between is
//    never lost; a short read clears it too (the kernel buffer was drained: Tokio does this).
// 2. Otherwise the reader parks (FIFO) and ONE callback readiness wait per direction is
//    armed with the reactor (Registration.readyCallback). When it fires (inside the reactor's
//    dispatch) the stream joins the ready queue (the reactor's ReadyQueue: one stream at a time, so the
//    task woken by one stream's read runs before the next stream is read); at its turn the
//    queued readers are served in order until the socket says EAGAIN again, then the wait is
//    re-armed. Parking or closing passes the turn on (`readyQueue.passBaton`).
//
// Writes mirror reads with WRITABLE and write(2)/writev(2) (MSG_NOSIGNAL in the addon, so
// no SIGPIPE); nothing is buffered in user space, so `flush` has nothing to do.
//
// A copy (`copyTo`, behind `@rt/io`'s `copy`) is a pump served in place of the parked
// operations of the two directions it owns: each turn reads into its buffer and writes to the
// destination until one side would block, with no promise per chunk; the copy's one promise
// settles at end of stream, on an error, or on abort.
import { sys as nativeSys } from '@rt/mio-native';
import type { ReadyCallback, ReadyEvent, ReadyQueue, RegisteredFd, Registration, ServeTurn } from '@rt/reactor';
import { park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import { NetError, SocketClosed, WouldBlock } from '../errors.js';
import { READABLE, ReleaseHooks, WRITABLE } from './driver.js';
import type { RawAddress, StreamHandle } from './driver.js';
import { RESOLVED as RESOLVED_VOID, ReusableWaiter, WaitList, WaitNode, readyNow, readyOrCancelled as readyOrCancelledOf, refundNow, reportLater, retryAfter, tryPark } from '@rt/scheduler/primitives';
import { C, EAGAIN as NATIVE_EAGAIN, ENOTCONN, EPIPE, armWait as armWaitOf, check, localAddressOf, osError, peerAddressOf, peerOf } from './native-io.js';
import type { AcceptedPeer } from './native-io.js';

// Module-local copies of the imports the read and write paths use per operation: TurboFan folds a
// module's own `const` to its value (a call's target to a known function), but reads an imported
// binding through its module cell with a TDZ check each time (issue 16, TCP echo: pass eu30, −100
// instructions per message with the copies in the reactor and the scheduler).
const sys = nativeSys;
const EAGAIN = NATIVE_EAGAIN;
const readyOrCancelled = readyOrCancelledOf;
const armWait = armWaitOf;
/** What a `writeAll` that completed at once returns (a settled promise is immutable: shareable). */
const RESOLVED = RESOLVED_VOID;

const peekAddress = Buffer.alloc(128);
const MAX_IOV = 64;

/** A parked read (`buf` null: a `ready()` wait for readability). */
class Reader extends WaitNode<number> {
  /** The read loop's waiter: set only on a stream's loop reader (see `#loopReader`), which keeps it for good. */
  own: ReusableWaiter<number> | null = null;

  constructor(
    public override waiter: Waiter<number>,
    public buf: Uint8Array | null,
    public peek: boolean,
  ) {
    super();
  }
}

/** A parked write (`bufs` null: a `ready()` wait for writability). */
class Writer extends WaitNode<number> {
  constructor(
    public override waiter: Waiter<number>,
    public bufs: readonly Uint8Array[] | null,
  ) {
    super();
  }
}

/**
 * A socket-to-socket copy in progress (`copyTo`, behind `@rt/io`'s `copy`): the bytes move
 * inside the driver's serve callbacks, with no promise per chunk. `buf[start, end)` is read
 * and not yet written.
 */
interface Pump {
  readonly src: NativeStream;
  readonly dst: NativeStream;
  readonly buf: Buffer;
  start: number;
  end: number;
  total: number;
  done: boolean;
  waiter: Waiter<number>;
  /** Continues the copy from the ready queue (after a fairness yield). */
  readonly resume: () => boolean;
}

/**
 * A stream's turn in its reactor's ready queue, one per direction: objects of one class for
 * every stream keep the queue's call monomorphic (a closure per stream made it megamorphic).
 */
class ReadTurn implements ServeTurn {
  constructor(
    readonly stream: NativeStream,
    readonly queue: ReadyQueue,
  ) {}
  /**
   * The reactor's readiness callback: this turn joins the ready queue. On the turn (public
   * fields), not the stream: where the dispatch inlines it, the stream's private fields cost a
   * private-name check each (issue 16, TCP echo: pass ec31).
   */
  readonly queued = (): void => this.queue.enqueue(this);
  serve(): boolean {
    return this.stream.serveReadTurn();
  }
}

/** The write direction's {@link ReadTurn}. */
class WriteTurn implements ServeTurn {
  constructor(
    readonly stream: NativeStream,
    readonly queue: ReadyQueue,
  ) {}
  /** As {@link ReadTurn.queued}. */
  readonly queued = (): void => this.queue.enqueue(this);
  serve(): boolean {
    return this.stream.serveWriteTurn();
  }
}

/** A pump's waiter until `park` returns the real one (never woken). */
const NO_WAITER: Waiter<number> = { settled: true, wake: () => false, fail: () => false };

/** Chunks one pump step moves before it yields its turn to other streams. */
const PUMP_CHUNKS_PER_TURN = 64;

/** The rest of a `writeAll` from `at`, one `write` at a time (each waits as `write` does). */
async function writeAllLoop(stream: NativeStream, buf: Uint8Array, at: number, options: WaitOptions | undefined): Promise<void> {
  while (at < buf.length) {
    at += await stream.write(at === 0 ? buf : buf.subarray(at), options);
  }
}

export class NativeStream implements StreamHandle {
  readonly driver = 'native' as const;
  readonly #fd: number;
  readonly #registration: Registration;
  readonly #readWait: ReadyCallback;
  readonly #writeWait: ReadyCallback;
  // Parked operations, FIFO, on the toolkit's waiter list (no array shift on the hot path).
  readonly #readers = new WaitList<number, Reader>();
  readonly #writers = new WaitList<number, Writer>();
  readonly #unix: boolean;
  /** A served read's node, reused by the next read that parks with `park` (see #recycle). */
  #spareReader: Reader | null = null;
  /**
   * The read loop's node: made by the first read that parks without a signal, with its own
   * reusable waiter, and kept (waiter and all) for every such read after it while it is not in
   * the readers' list. In the list exactly while a read parked on it waits; the only state a
   * served or cancelled read leaves on it is `buf` (cleared).
   */
  #loopReader: Reader | null = null;
  #readArmed = false;
  #writeArmed = false;
  /** A copy reading from this stream: it is served before parked readers. */
  #pumpIn: Pump | null = null;
  /** A copy writing into this stream: it is served before parked writers. */
  #pumpOut: Pump | null = null;
  #closed = false;
  /** The `onRelease` hooks, made by the first `onRelease` (most streams never have one). */
  #release: ReleaseHooks | undefined = undefined;
  #writeShut = false;
  #noDelay = false;
  #local: RawAddress | undefined;
  /** Known peer address (from accept or connect); an accepted IPv4 peer stays packed until asked. */
  #peer: AcceptedPeer | undefined;

  readonly #removeReader = (waiter: Waiter<number>): void => {
    this.#readers.removeWaiter(waiter);
    this.#readerLeft();
  };
  readonly #removeWriter = (waiter: Waiter<number>): void => {
    this.#writers.removeWaiter(waiter);
    this.#writerLeft();
  };

  /**
   * A parked read was cancelled: with no reader (nor copy) left, the read wait is disarmed, so an
   * idle stream keeps the process alive only while a task waits on it. (`disarm()` is true only
   * for a wait still pending in the reactor, so no read turn of it is queued.)
   */
  #readerLeft(): void {
    if (this.#readers.head === undefined && this.#pumpIn === null && this.#readWait.disarm()) this.#readArmed = false;
  }

  /** As {@link #readerLeft}, for a cancelled parked write. */
  #writerLeft(): void {
    if (this.#writers.head === undefined && this.#pumpOut === null && this.#writeWait.disarm()) this.#writeArmed = false;
  }
  /** A `ready()` waiter's removal from both lists (made by the first `ready()` that parks). */
  #removeReady: ((waiter: Waiter<number>) => void) | undefined = undefined;

  /** @internal This stream's read turn in the ready queue (see {@link ReadTurn}). */
  serveReadTurn(): boolean {
    this.#readArmed = false;
    return this.#serveReaders();
  }

  /** @internal This stream's write turn in the ready queue. */
  serveWriteTurn(): boolean {
    this.#writeArmed = false;
    return this.#serveWriters();
  }

  readonly #readTurn: ReadTurn;
  readonly #writeTurn: WriteTurn;
  /** The ready queue of the stream's reactor (the runtime's). */
  readonly #queue: ReadyQueue;

  readonly #onWaitFailed = (): void => {
    // The registration was deregistered (close() or the runtime shut down).
    this.#readArmed = false;
    this.#writeArmed = false;
    this.#failAll(this.#closed ? 'the socket is closed' : 'the runtime shut down: its I/O driver is closed');
  };

  constructor(fd: number, registration: Registration, unix: boolean, peer?: AcceptedPeer) {
    this.#fd = fd;
    this.#registration = registration;
    this.#queue = registration.readyQueue;
    // The reactor's callbacks: this stream takes its turn in the ready queue.
    this.#readTurn = new ReadTurn(this, this.#queue);
    this.#writeTurn = new WriteTurn(this, this.#queue);
    this.#readWait = registration.readyCallback(READABLE, this.#readTurn.queued, this.#onWaitFailed);
    this.#writeWait = registration.readyCallback(WRITABLE, this.#writeTurn.queued, this.#onWaitFailed);
    this.#unix = unix;
    this.#peer = peer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A read syscall under cached readiness; EAGAIN when not ready (readiness cleared). */
  #tryReadRaw(buf: Uint8Array, peek: boolean): number {
    const event = this.#readWait.tryReadiness();
    if (event === null) return EAGAIN;
    const n = peek ? sys.recvFrom(this.#fd, buf, 0, buf.length, peekAddress, C.MSG_PEEK) : sys.read(this.#fd, buf);
    if (n === EAGAIN || (n > 0 && n < buf.length && !peek)) this.#registration.clearReadiness(event);
    return n;
  }

  /**
   * A write syscall of one whole buffer under cached readiness (no array, for write/writeAll).
   * Only the whole-buffer form, so that it stays small where it is inlined (`writeAll`, with
   * the budget's look after it: see there); the copy's pump writes a part with #tryWritePart.
   */
  #tryWriteOne(buf: Uint8Array): number {
    const event = this.#writeWait.tryReadiness();
    if (event === null) return EAGAIN;
    return this.#wrote(event, sys.write(this.#fd, buf), buf.length);
  }

  /** {@link #tryWriteOne} of `buf[offset, offset + wanted)` (the copy's pump). */
  #tryWritePart(buf: Uint8Array, offset: number, wanted: number): number {
    const event = this.#writeWait.tryReadiness();
    if (event === null) return EAGAIN;
    return this.#wrote(event, sys.write(this.#fd, buf, offset, wanted), wanted);
  }

  /** A write's result `n` of `wanted` bytes: EAGAIN or a short write clears the readiness it ran under. */
  #wrote(event: ReadyEvent, n: number, wanted: number): number {
    if (n === EAGAIN || (n >= 0 && n < wanted)) this.#registration.clearReadiness(event);
    return n;
  }

  #tryWriteRaw(bufs: readonly Uint8Array[]): number {
    if (bufs.length === 1) return this.#tryWriteOne(bufs[0]!);
    const registration = this.#registration;
    const event = this.#writeWait.tryReadiness();
    if (event === null) return EAGAIN;
    const list = bufs.length > MAX_IOV ? bufs.slice(0, MAX_IOV) : bufs;
    let wanted = 0;
    for (const b of list) wanted += b.length;
    const n = sys.writev(this.#fd, list);
    if (n === EAGAIN || (n >= 0 && n < wanted)) registration.clearReadiness(event);
    return n;
  }

  // One reusable callback wait per direction (Registration.readyCallback): the reactor's dispatch serves
  // the queued operations synchronously, so a parked read costs one promise (its own) and one
  // microtask hop, not a readiness promise, a `.then` and a second hop.
  #armRead(): void {
    if (this.#readArmed || this.#closed) return;
    this.#readArmed = true;
    if (this.#arm(this.#readWait)) this.#queue.enqueue(this.#readTurn);
  }

  #armWrite(): void {
    if (this.#writeArmed || this.#closed) return;
    this.#writeArmed = true;
    if (this.#arm(this.#writeWait)) this.#queue.enqueue(this.#writeTurn);
  }

  /** Registers the callback wait; true when already ready (the caller serves on a microtask). */
  #arm(wait: ReadyCallback): boolean {
    return armWait(wait, this.#onWaitFailed);
  }

  /**
   * Keeps a served reader's node for the next parked read (a read loop parks one read at a
   * time: no node allocated per read). It holds no buffer while out of the list, and no waiter
   * but the loop reader's own (which nothing else ever parks on). The loop reader is found again
   * through `#loopReader`: its waiter and the spare slot are not written per read (issue 16, TCP
   * echo: pass ec31).
   */
  #recycle(reader: Reader): void {
    reader.buf = null;
    if (reader === this.#loopReader) return;
    reader.waiter = NO_WAITER;
    this.#spareReader = reader;
  }

  /** Serves parked readers in order while the socket has data; true when one was woken. */
  #serveReaders(): boolean {
    if (this.#pumpIn !== null) return NativeStream.#pump(this.#pumpIn);
    let woke = false;
    const readers = this.#readers;
    for (let reader = readers.head; reader !== undefined; reader = readers.head) {
      const waiter = reader.waiter;
      if (waiter.settled) {
        this.#recycle(readers.shift()!);
        continue;
      }
      if (reader.buf === null) {
        if (this.#readWait.tryReadiness() === null) break;
        this.#recycle(readers.shift()!);
        woke = waiter.wake(READABLE) || woke;
        continue;
      }
      const n = this.#tryReadRaw(reader.buf, reader.peek);
      if (n === EAGAIN) break;
      const peek = reader.peek;
      this.#recycle(readers.shift()!);
      woke = (n >= 0 ? waiter.wake(n) : waiter.fail(osError(n, peek ? 'recv' : 'read'))) || woke;
    }
    if (readers.head !== undefined) this.#armRead();
    return woke;
  }

  /** Serves parked writers in order while the socket takes bytes; true when one was woken. */
  #serveWriters(): boolean {
    if (this.#pumpOut !== null) return NativeStream.#pump(this.#pumpOut);
    let woke = false;
    const writers = this.#writers;
    for (let writer = writers.head; writer !== undefined; writer = writers.head) {
      if (writer.waiter.settled) {
        writers.shift();
        continue;
      }
      if (writer.bufs === null) {
        if (this.#writeWait.tryReadiness() === null) break;
        writers.shift();
        woke = writer.waiter.wake(WRITABLE) || woke;
        continue;
      }
      const n = this.#tryWriteRaw(writer.bufs);
      if (n === EAGAIN) break;
      writers.shift();
      woke = (n >= 0 ? writer.waiter.wake(n) : writer.waiter.fail(this.#writeError(n))) || woke;
    }
    if (writers.head !== undefined) this.#armWrite();
    return woke;
  }

  #writeError(n: number): NetError {
    const error = osError(n, 'write');
    return this.#writeShut && error.code === 'EPIPE'
      ? new NetError('EPIPE', 'write', 'write after shutdown(): the writing side is closed')
      : error;
  }

  read(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    if (this.#readers.head === undefined && this.#pumpIn === null && (buf.length === 0 || this.#readWait.tryReadiness() !== null)) return this.#readReady(buf, peek, options);
    // (The ready path and each park are methods of their own: a small `read` is inlined into
    // the caller's loop.)
    return peek || options?.signal !== undefined ? this.#parkReadWith(buf, peek, options) : this.#parkRead(buf);
  }

  /**
   * A read that may complete now. Only such a read spends budget and checks cancellation here
   * (Tokio's coop: a pending poll costs no budget); one that will park is checked by `park`.
   */
  #readReady(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<number> {
    const y = readyOrCancelled(options);
    if (y !== undefined) return retryAfter(y, this, this.read, buf, peek, options);
    if (buf.length === 0) return Promise.resolve(0);
    const n = this.#tryReadRaw(buf, peek);
    if (n !== EAGAIN) return n >= 0 ? Promise.resolve(n) : Promise.reject(osError(n, peek ? 'recv' : 'read'));
    // Nothing after all: park (never `read` again: sticky closed bits can keep the readiness set),
    // the unit given back (only operations that complete spend, as a Tokio poll that is Pending).
    refundNow();
    return peek || options?.signal !== undefined ? this.#parkReadWith(buf, peek, options) : this.#parkRead(buf);
  }

  /**
   * A read without a signal (the read loop, with or without an options object) parks on the
   * loop reader's own reusable waiter: no node or waiter record per read. A second such read
   * parked while the loop reader waits (two tasks reading one stream) parks with `park`.
   */
  #parkRead(buf: Uint8Array): Promise<number> {
    const reader = this.#loopReader ?? this.#makeLoopReader();
    if (reader.linked === true) return this.#parkReadWith(buf, false, undefined);
    let promise: Promise<number>;
    try {
      promise = reader.own!.park();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queueReader(reader, buf, false, promise);
  }

  /** The stream's loop reader, made by its first read that parks without a signal (see `#loopReader`). */
  #makeLoopReader(): Reader {
    const reader = new Reader(NO_WAITER, null, false);
    reader.own = reader.waiter = this.#ownWaiter(reader);
    return (this.#loopReader = reader);
  }

  /** A read or peek given a signal (or a peek) parks with `park`: a waiter record of its own. */
  #parkReadWith(buf: Uint8Array, peek: boolean, options: WaitOptions | undefined): Promise<number> {
    let reader = this.#spareReader;
    let promise: Promise<number>;
    try {
      const parked = park<number>(peek ? 'TcpStream.peek' : 'TcpStream.read', this.#removeReader, options);
      if (reader === null) reader = new Reader(NO_WAITER, null, false);
      else this.#spareReader = null;
      reader.waiter = parked.waiter;
      promise = parked.promise;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queueReader(reader, buf, peek, promise);
  }

  /** Queues a parked reader, arms the readiness wait, passes the ready queue's turn on. */
  #queueReader(reader: Reader, buf: Uint8Array, peek: boolean, promise: Promise<number>): Promise<number> {
    reader.buf = buf;
    reader.peek = peek;
    this.#readers.push(reader);
    this.#armRead();
    this.#queue.passBaton();
    return promise;
  }

  /**
   * The loop reader's reusable waiter: a cancelled read leaves the queue at once, and its buffer
   * is let go (the loop reader is kept for the stream's life: review rv37 of pass ec31).
   */
  #ownWaiter(reader: Reader): ReusableWaiter<number> {
    return new ReusableWaiter<number>('TcpStream.read', () => {
      reader.buf = null;
      this.#readers.remove(reader);
      this.#readerLeft();
    });
  }

  readNow(buf: Uint8Array): number {
    // What `read` completes at once, in the same order of checks (see `read`), else -1.
    if (this.#closed || buf.length === 0 || this.#readers.head !== undefined || this.#pumpIn !== null || this.#readWait.tryReadiness() === null) return -1;
    // The budget spent or the task cancelled: -1, nothing counted (the read() that follows
    // yields, counting the forced yield once, or rejects).
    if (!readyNow()) return -1;
    const n = this.#tryReadRaw(buf, false);
    if (n === EAGAIN) {
      // Nothing read (readiness kept by a read that filled its view): the unit goes back, the
      // read() that follows spends its own.
      refundNow();
      return -1;
    }
    return check(n, 'read');
  }

  tryRead(buf: Uint8Array): number {
    if (this.#closed) throw new SocketClosed();
    if (this.#readers.head !== undefined || this.#pumpIn !== null) throw new WouldBlock('read');
    const n = this.#tryReadRaw(buf, false);
    if (n === EAGAIN) throw new WouldBlock('read');
    return check(n, 'read');
  }

  ready(interest: number, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    const found =
      (interest & READABLE && this.#readWait.tryReadiness() !== null ? READABLE : 0) |
      (interest & WRITABLE && this.#writeWait.tryReadiness() !== null ? WRITABLE : 0);
    if (found !== 0) {
      // (No closure here: `readable()`/`writable()` on a ready socket allocate nothing but the result.)
      const y = readyOrCancelled(options);
      return y !== undefined ? retryAfter(y, this, this.ready, interest, options) : Promise.resolve(found);
    }
    return this.#parkReady(interest, options);
  }

  #parkReady(interest: number, options: WaitOptions | undefined): Promise<number> {
    let parked: { waiter: Waiter<number>; promise: Promise<number> };
    try {
      parked = park<number>('TcpStream.ready', (this.#removeReady ??= (w) => {
        this.#readers.removeWaiter(w);
        this.#writers.removeWaiter(w);
        this.#readerLeft();
        this.#writerLeft();
      }), options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (interest & READABLE) {
      this.#readers.push(new Reader(parked.waiter, null, false));
      this.#armRead();
    }
    if (interest & WRITABLE) {
      this.#writers.push(new Writer(parked.waiter, null));
      this.#armWrite();
    }
    this.#queue.passBaton();
    return parked.promise;
  }

  write(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    if (this.#writers.head === undefined && this.#pumpOut === null && buf.length > 0) {
      // The common case without the array of #write: ready socket, one buffer.
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.write, buf, options);
      const n = this.#tryWriteOne(buf);
      if (n !== EAGAIN) return n >= 0 ? Promise.resolve(n) : Promise.reject(this.#writeError(n));
      refundNow(); // parks: no budget spent (as #readReady)
      return this.#parkWriter([buf], options);
    }
    return this.#write([buf], options);
  }

  /**
   * `writeAll` of one buffer: when the socket takes all of it at once (the common case) the
   * result is a shared settled promise, with no async function, array or per-call promise;
   * otherwise the rest goes through the loop of `write`s. Same checks as `write` (budget,
   * cancellation, closed, EPIPE after shutdown) for a non-empty `buf`; an empty one (or a detached
   * view) resolves at once, whatever the stream's state, as Tokio's `write_all` (no write at all).
   */
  writeAll(buf: Uint8Array, options: WaitOptions | undefined): Promise<void> {
    if (this.#closed || this.#writers.head !== undefined || this.#pumpOut !== null || buf.length === 0) return writeAllLoop(this, buf, 0, options);
    const y = readyOrCancelled(options);
    if (y !== undefined) return retryAfter(y, this, this.writeAll, buf, options);
    // #tryWriteOne written out, its readiness clearing in #writeAllRest: a small function optimized
    // on its own first counts against TurboFan's inlining budget here with everything it inlined,
    // and that left the budget's `spendBudget` a call (issue 16: TCP echo, pass eu29).
    const event = this.#writeWait.tryReadiness();
    const n = event === null ? EAGAIN : sys.write(this.#fd, buf);
    return n === buf.length ? RESOLVED : this.#writeAllRest(buf, n, event, options);
  }

  /**
   * `writeAll` after a first write that did not take all of `buf`: EAGAIN, an error or a short
   * write. Out of line, so that `writeAll` is small where it is inlined (with the budget's
   * `spendBudget` inlined after it: issue 16, TCP echo under callgrind, pass eu29).
   */
  #writeAllRest(buf: Uint8Array, n: number, event: ReadyEvent | null, options: WaitOptions | undefined): Promise<void> {
    if (event !== null) this.#wrote(event, n, buf.length);
    if (n === EAGAIN) {
      refundNow(); // the loop's `write` spends (or parks) on its own
      return writeAllLoop(this, buf, 0, options);
    }
    if (n < 0) return Promise.reject(this.#writeError(n));
    return writeAllLoop(this, buf, n, options);
  }

  writev(buffers: readonly Uint8Array[], options: WaitOptions | undefined): Promise<number> {
    return this.#write(buffers, options);
  }

  #write(bufs: readonly Uint8Array[], options: WaitOptions | undefined): Promise<number> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    if (this.#writers.head === undefined && this.#pumpOut === null) {
      const y = readyOrCancelled(options);
      if (y !== undefined) return retryAfter(y, this, this.writev, bufs, options);
      if (bufs.length === 0 || (bufs.length === 1 && bufs[0]!.length === 0)) {
        return this.#writeShut ? Promise.reject(this.#writeError(EPIPE)) : Promise.resolve(0);
      }
      const n = this.#tryWriteRaw(bufs);
      if (n !== EAGAIN) return n >= 0 ? Promise.resolve(n) : Promise.reject(this.#writeError(n));
      refundNow(); // parks: no budget spent (as #readReady)
    }
    return this.#parkWriter(bufs, options);
  }

  #parkWriter(bufs: readonly Uint8Array[], options: WaitOptions | undefined): Promise<number> {
    let parked: { waiter: Waiter<number>; promise: Promise<number> };
    try {
      parked = park<number>('TcpStream.write', this.#removeWriter, options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#writers.push(new Writer(parked.waiter, bufs));
    this.#armWrite();
    this.#queue.passBaton();
    return parked.promise;
  }

  tryWrite(buf: Uint8Array): number {
    if (this.#closed) throw new SocketClosed();
    if (this.#writers.head !== undefined || this.#pumpOut !== null) throw new WouldBlock('write');
    const n = this.#tryWriteOne(buf);
    if (n === EAGAIN) throw new WouldBlock('write');
    if (n < 0) throw this.#writeError(n);
    return n;
  }

  tryWritev(bufs: readonly Uint8Array[]): number {
    if (this.#closed) throw new SocketClosed();
    if (this.#writers.head !== undefined || this.#pumpOut !== null) throw new WouldBlock('write');
    if (bufs.length === 0) return 0;
    const n = this.#tryWriteRaw(bufs);
    if (n === EAGAIN) throw new WouldBlock('write');
    if (n < 0) throw this.#writeError(n);
    return n;
  }

  flush(options: WaitOptions | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    // Nothing is buffered in user space: only the cancellation check, and the shared settled
    // promise (no closure or promise per call: FramedWrite flushes after every send).
    try {
      throwIfCancelled(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return RESOLVED;
  }

  shutdown(options: WaitOptions | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosed());
    return tryPark(() => {
      throwIfCancelled(options);
      if (!this.#writeShut) {
        this.#writeShut = true;
        const r = sys.shutdown(this.#fd, 'write');
        if (r < 0 && r !== ENOTCONN) return Promise.reject(osError(r, 'shutdown'));
      }
      return Promise.resolve();
    });
  }

  /**
   * Fails every parked read and write and any copy pump with a `SocketClosed(message)`, built
   * only when one of them waits (most streams close with none: no error and stack trace then).
   */
  #failAll(message: string): void {
    if (this.#pumpIn === null && this.#pumpOut === null && this.#readers.head === undefined && this.#writers.head === undefined) return;
    const error = new SocketClosed(message);
    if (this.#pumpIn !== null) NativeStream.#endPump(this.#pumpIn, error);
    if (this.#pumpOut !== null) NativeStream.#endPump(this.#pumpOut, error);
    for (const r of this.#readers.drain()) {
      r.buf = null; // the kept loop reader holds no caller's buffer after it (review rv37)
      r.waiter.fail(error);
    }
    for (const w of this.#writers.drain()) w.waiter.fail(error);
  }

  /**
   * Copies this stream into `dst` until end of stream (`@rt/io`'s `copy`, fast path):
   * resolves with the bytes copied. Returns `undefined` (declines: `copy` then runs its
   * generic loop) when either side is closed, already part of a copy, or has parked
   * operations. Operations on the two directions it owns (this stream's reads, `dst`'s
   * writes) wait until it ends.
   *
   * Cancellation (task abort or `options.signal`): not cancel safe, as `copy`: the bytes
   * read but not yet written (at most one buffer) are lost.
   */
  copyTo(target: StreamHandle, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined {
    if (!(target instanceof NativeStream)) return undefined;
    const dst = target;
    if (this.#closed || dst.#closed || this.#pumpIn !== null || dst.#pumpOut !== null) return undefined;
    if (this.#readers.head !== undefined || dst.#writers.head !== undefined) return undefined;
    const pump: Pump = {
      src: this,
      dst,
      buf: Buffer.allocUnsafe(bufferSize),
      start: 0,
      end: 0,
      total: 0,
      done: false,
      waiter: NO_WAITER,
      resume: () => NativeStream.#pump(pump),
    };
    let promise: Promise<number>;
    try {
      ({ waiter: pump.waiter, promise } = park<number>('io.copy', () => NativeStream.#stopPump(pump), options));
    } catch (error) {
      return Promise.reject(error);
    }
    this.#pumpIn = pump;
    dst.#pumpOut = pump;
    this.#queue.enqueue(pump.resume);
    return promise;
  }

  /** One turn of a copy: write what is pending, read more, until a side would block. */
  static #pump(p: Pump): boolean {
    if (p.done) return false;
    const { src, dst, buf } = p;
    for (let chunk = 0; chunk < PUMP_CHUNKS_PER_TURN; ) {
      if (p.start < p.end) {
        const n = dst.#tryWritePart(buf, p.start, p.end - p.start);
        if (n === EAGAIN) {
          dst.#armWrite();
          return false;
        }
        if (n < 0) {
          NativeStream.#endPump(p, dst.#writeError(n));
          return false;
        }
        p.start += n;
        p.total += n;
        continue;
      }
      const n = src.#tryReadRaw(buf, false);
      if (n === EAGAIN) {
        src.#armRead();
        return false;
      }
      if (n <= 0) {
        NativeStream.#endPump(p, n === 0 ? null : osError(n, 'read'));
        return false;
      }
      p.start = 0;
      p.end = n;
      chunk++;
    }
    src.#queue.enqueue(p.resume); // fairness: other streams get their turn before the next chunks
    return false;
  }

  /** Detaches a copy from its streams; queued operations on them get their turn. */
  static #stopPump(p: Pump): void {
    if (p.done) return;
    p.done = true;
    const { src, dst } = p;
    if (src.#pumpIn === p) src.#pumpIn = null;
    if (dst.#pumpOut === p) dst.#pumpOut = null;
    if (!src.#closed && src.#readers.head !== undefined) src.#armRead();
    if (!dst.#closed && dst.#writers.head !== undefined) dst.#armWrite();
  }

  /** Ends a copy: its promise resolves with the byte count, or rejects with `error`. */
  static #endPump(p: Pump, error: Error | null): void {
    if (p.done) return;
    NativeStream.#stopPump(p);
    if (error === null) p.waiter.wake(p.total);
    else p.waiter.fail(error);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll('the socket is closed');
    try {
      this.#registration.deregister();
    } catch {
      // Already deregistered (the reactor closed): the fd is still ours to close.
    }
    // Before the fd is closed: its number may be reused by the next socket opened anywhere.
    const failure = this.#release?.run();
    sys.close(this.#fd);
    this.#queue.passBaton();
    if (failure !== undefined) throw failure.error;
  }

  onRelease(hook: () => void): void {
    if (this.#closed) throw new SocketClosed();
    (this.#release ??= new ReleaseHooks()).add(hook);
  }

  /** Deregisters from the reactor and gives up the fd without closing it (TcpStream.intoRawFd). */
  intoRawFd(): number {
    if (this.#closed) throw new SocketClosed();
    this.#closed = true;
    this.#failAll('the socket was moved out of this runtime (intoRawFd)');
    try {
      this.#registration.deregister();
    } catch {
      // Already deregistered (the reactor closed): the fd is still ours to give.
    }
    this.#released();
    return this.#fd;
  }

  /**
   * Gives up the fd and its registration, still registered (TcpStream[intoRegistration]):
   * parked operations fail, this stream's own callback waits are disarmed, and the new owner
   * deregisters and closes. `undefined` (nothing given up) when the registration is gone.
   */
  intoRegistration(): RegisteredFd | undefined {
    if (this.#closed) throw new SocketClosed();
    const registration = this.#registration;
    if (!registration.isRegistered) return undefined;
    this.#closed = true;
    this.#failAll('the socket was handed to another owner (a TLS stream)');
    this.#readWait.disarm();
    this.#writeWait.disarm();
    this.#readArmed = false;
    this.#writeArmed = false;
    this.#released();
    this.#queue.passBaton();
    return { fd: this.#fd, registration };
  }

  /** The `onRelease` hooks once the fd is given up; a throwing hook is reported asynchronously (the fd must reach its new owner). */
  #released(): void {
    const failure = this.#release?.run();
    if (failure !== undefined) reportLater(failure.error);
  }

  #checkOpen(): number {
    if (this.#closed) throw new SocketClosed();
    return this.#fd;
  }

  setNoDelay(flag: boolean): void {
    if (this.#unix) return;
    check(sys.setSocketOption(this.#checkOpen(), C.IPPROTO_TCP, C.TCP_NODELAY, flag ? 1 : 0), 'setsockopt');
    this.#noDelay = flag;
  }

  noDelay(): boolean {
    if (this.#unix) return false;
    this.#checkOpen();
    return this.#noDelay;
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    const fd = this.#checkOpen();
    check(sys.setSocketOption(fd, C.SOL_SOCKET, C.SO_KEEPALIVE, enable ? 1 : 0), 'setsockopt');
    if (enable && initialDelayMs > 0 && !this.#unix) {
      check(sys.setSocketOption(fd, C.IPPROTO_TCP, C.TCP_KEEPIDLE, Math.max(1, Math.floor(initialDelayMs / 1000))), 'setsockopt');
    }
  }

  setLinger(seconds: number | null): void {
    check(sys.setLinger(this.#checkOpen(), seconds), 'setsockopt');
  }

  linger(): number | null {
    return sys.getLinger(this.#checkOpen());
  }

  #ttlOption(): [number, number] {
    const local = this.localAddress();
    return 'ip' in local && local.ip.includes(':') ? [C.IPPROTO_IPV6, C.IPV6_UNICAST_HOPS] : [C.IPPROTO_IP, C.IP_TTL];
  }

  setTtl(ttl: number): void {
    const [level, name] = this.#ttlOption();
    check(sys.setSocketOption(this.#checkOpen(), level, name, ttl), 'setsockopt');
  }

  ttl(): number {
    const [level, name] = this.#ttlOption();
    return check(sys.getSocketOption(this.#checkOpen(), level, name), 'getsockopt');
  }

  localAddress(): RawAddress {
    const fd = this.#checkOpen();
    return (this.#local ??= localAddressOf(fd));
  }

  peerAddress(): RawAddress {
    const fd = this.#checkOpen();
    const peer = this.#peer;
    if (peer === undefined) return (this.#peer = peerAddressOf(fd));
    return typeof peer === 'number' ? (this.#peer = peerOf(peer)) : peer;
  }
}
