// Poll: one epoll instance, registered with Node's libuv loop as a single poll handle.
//
// How and why
// -----------
// The addon drains `epoll_wait(…, 0)` into `events` (a Uint32Array owned here, shared with
// C: pairs of [token, epoll bits]; MUST MATCH mio_poll_drain in native/mio.c) whenever
// libuv sees the epoll fd readable, then makes one call into JavaScript per batch. This
// file rewrites each pair's epoll bits into portable Ready bits in place and hands the
// batch to the handler: no allocation per event or per batch.
//
// Registrations are edge-triggered (EPOLLET), always with EPOLLRDHUP. Why edge: each fd is
// registered once for everything it will ever wait for, with no epoll_ctl when a reader
// or writer starts or stops waiting; the reactor caches readiness and clears it only when
// a syscall returns EAGAIN (or a read comes back short), as Tokio does. Level-triggered
// would either spin on EPOLLOUT while nothing is pending or need an epoll_ctl each time a
// write blocks.
import { binding, native } from './internal/binding.js';
import type { NativeBinding, PollHandle } from './internal/binding.js';
import { Interest } from './interest.js';
import { Ready } from './interest.js';
import { OsError } from './os-error.js';

/** Options for {@link Poll}. */
export interface PollOptions {
  /** Events drained per batch (per call into JavaScript); 1024 by default. */
  readonly batchSize?: number;
}

/** Receives one batch: `events[2*i]` is a token, `events[2*i+1]` its Ready bits. */
export type PollEventsHandler = (events: Uint32Array, count: number) => void;

const c = binding?.constants;
const EPOLLIN = c?.EPOLLIN ?? 0x1;
const EPOLLPRI = c?.EPOLLPRI ?? 0x2;
const EPOLLOUT = c?.EPOLLOUT ?? 0x4;
const EPOLLERR = c?.EPOLLERR ?? 0x8;
const EPOLLHUP = c?.EPOLLHUP ?? 0x10;
const EPOLLRDHUP = c?.EPOLLRDHUP ?? 0x2000;
const EPOLLET = c?.EPOLLET ?? 0x80000000;

/** Decodes epoll bits into Ready bits, exactly as mio's `sys/unix/selector/epoll.rs`. */
export function readyFromEpoll(events: number): number {
  let ready = 0;
  if (events & EPOLLIN) ready |= Ready.READABLE;
  if (events & EPOLLPRI) ready |= Ready.READABLE | Ready.PRIORITY;
  if (events & EPOLLOUT) ready |= Ready.WRITABLE;
  if (events & EPOLLHUP || (events & EPOLLIN && events & EPOLLRDHUP)) ready |= Ready.READ_CLOSED;
  if (events & EPOLLHUP || (events & EPOLLOUT && events & EPOLLERR) || events === EPOLLERR) ready |= Ready.WRITE_CLOSED;
  if (events & EPOLLERR) ready |= Ready.ERROR;
  return ready;
}

/** The epoll bits {@link readyFromEpoll} reads; an event with no other bit is decoded by table. */
const DECODED = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
/**
 * `readyFromEpoll` of every combination of the six bits it reads, indexed by `epollIndex` (where
 * the constants are Linux's: IN, PRI, OUT, ERR, HUP in bits 0–4, RDHUP bit 13, as on every Linux
 * architecture); `null` elsewhere, and every event is decoded by the function. Per event of a
 * batch a load instead of its branches (issue 16: ~60 instructions per message of a TCP echo).
 */
const READY_BY_EPOLL: Uint8Array | null = (() => {
  if (EPOLLIN !== 0x1 || EPOLLPRI !== 0x2 || EPOLLOUT !== 0x4 || EPOLLERR !== 0x8 || EPOLLHUP !== 0x10 || EPOLLRDHUP !== 0x2000) return null;
  const table = new Uint8Array(64);
  for (let index = 0; index < 64; index++) table[index] = readyFromEpoll((index & 0x1f) | ((index & 0x20) << 8));
  return table;
})();

/** @internal Rewrites the epoll bits of a batch's `count` pairs into Ready bits, in place (exported for its test). */
export function decodeBatch(events: Uint32Array, count: number): void {
  const table = READY_BY_EPOLL;
  for (let i = 1; i < 2 * count; i += 2) {
    const bits = events[i]!;
    // Only the six bits the table covers (the kernel reports no others for these registrations).
    events[i] = table !== null && (bits & ~DECODED) === 0 ? table[(bits & 0x1f) | ((bits >>> 8) & 0x20)]! : readyFromEpoll(bits);
  }
}

function epollFromInterest(interest: number): number {
  let events = EPOLLET | EPOLLRDHUP;
  if (interest & Interest.READABLE) events |= EPOLLIN;
  if (interest & Interest.WRITABLE) events |= EPOLLOUT;
  if (interest & Interest.PRIORITY) events |= EPOLLPRI;
  return events >>> 0 | 0;
}

function checkFd(fd: number, what: string): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new RangeError(`Poll.${what}: expected a file descriptor, got ${String(fd)}`);
}

function checkToken(token: number, what: string): void {
  if (!Number.isInteger(token) || token < 0 || token > 0xffffffff) {
    throw new RangeError(`Poll.${what}: expected a token in 0..2^32-1, got ${String(token)}`);
  }
}

/**
 * One epoll instance whose readiness events reach JavaScript in batches, as in mio's `Poll`.
 *
 * Register an fd under a token (an unsigned 32-bit number of your choice) with an
 * {@link Interest}; when it becomes ready the handler receives the batch of (token, Ready)
 * pairs in {@link Poll.events}. Registrations are edge-triggered: an event is reported
 * when readiness changes, so consume until `EAGAIN` before waiting again. The poll keeps
 * the process alive only while {@link Poll.ref} is in force (it starts unref'd).
 *
 * Key your state by token, not by fd: an fd number is reused as soon as it is closed, and
 * a stale event for the old owner may sit in the same batch.
 *
 * Close it when done: an open poll holds its handler and is never garbage-collected (a
 * worker thread's polls are closed when the worker exits).
 *
 * **Cancellation:** not applicable (no method waits; events are pushed to the handler).
 *
 * **Errors:** `register`/`reregister`/`deregister` throw {@link OsError} (`EBADF`,
 * `EEXIST`, `ENOENT`, …) and `RangeError` for a bad fd, token or interest; the constructor
 * throws `NativeUnavailableError` where the addon is not available. Calls after `close()`
 * throw `OsError` `EBADF`.
 *
 * **Example**
 * ```ts
 * import { Poll, Interest, Ready } from '@rt/mio-native';
 * const poll = new Poll((events, count) => {
 *   for (let i = 0; i < count; i++) console.log(events[2 * i], Ready.names(events[2 * i + 1]!));
 * });
 * // poll.register(fd, 7, Interest.READABLE);
 * poll.close();
 * ```
 */
export class Poll {
  /** Events per batch unless {@link PollOptions.batchSize} says otherwise. */
  static readonly DEFAULT_BATCH_SIZE = 1024;

  /** The shared batch: `[token, ready]` pairs; valid during the handler call. */
  readonly events: Uint32Array;
  readonly #native: NativeBinding;
  readonly #handle: PollHandle;
  readonly #onEvents: PollEventsHandler;
  #closed = false;

  constructor(onEvents: PollEventsHandler, options: PollOptions = {}) {
    if (typeof onEvents !== 'function') throw new TypeError('Poll: expected an events handler function');
    const batchSize = options.batchSize ?? Poll.DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 65536) {
      throw new RangeError(`Poll: batchSize must be an integer in 1..65536, got ${String(batchSize)}`);
    }
    this.#native = native();
    this.events = new Uint32Array(batchSize * 2);
    this.#onEvents = onEvents;
    const handle = this.#native.pollCreate(this.events, this.#dispatch, this);
    if (typeof handle === 'number') throw new OsError(handle, 'epoll_create1');
    this.#handle = handle;
  }

  // Called by the addon once per batch (an arrow so `this` never depends on the receiver).
  readonly #dispatch = (count: number): void => {
    const events = this.events;
    decodeBatch(events, count);
    this.#onEvents(events, count);
  };

  /** The epoll fd (for diagnostics), -1 once closed. */
  get fd(): number {
    return this.#closed ? -1 : this.#native.pollFd(this.#handle);
  }

  /** Whether {@link Poll.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts watching `fd` under `token` for `interest` (edge-triggered). */
  register(fd: number, token: number, interest: Interest): void {
    this.#ctl(this.#native.constants.EPOLL_CTL_ADD, fd, token, interest, 'register');
  }

  /** Changes the token or interest of a registered `fd`. */
  reregister(fd: number, token: number, interest: Interest): void {
    this.#ctl(this.#native.constants.EPOLL_CTL_MOD, fd, token, interest, 'reregister');
  }

  /** Stops watching `fd`. Events already drained for it may still be in the current batch. */
  deregister(fd: number): void {
    checkFd(fd, 'deregister');
    OsError.check(this.#closed ? -9 : this.#native.pollCtl(this.#handle, this.#native.constants.EPOLL_CTL_DEL, fd, 0, 0), 'epoll_ctl', 'deregister');
  }

  #ctl(op: number, fd: number, token: number, interest: number, what: string): void {
    checkFd(fd, what);
    checkToken(token, what);
    Interest.check(interest);
    const r = this.#closed ? -9 : this.#native.pollCtl(this.#handle, op, fd, token, epollFromInterest(interest));
    OsError.check(r, 'epoll_ctl', what);
  }

  /**
   * Drains ready events into {@link Poll.events} without calling the handler, waiting up to
   * `timeoutMs` (0: never wait; blocks the thread, so only for tests and shutdown).
   * Returns the number of pairs. Events are decoded to Ready bits.
   */
  wait(timeoutMs = 0): number {
    if (!Number.isInteger(timeoutMs) || timeoutMs < -1) throw new RangeError(`Poll.wait: expected a timeout in ms, got ${String(timeoutMs)}`);
    const count = OsError.check(this.#closed ? -9 : this.#native.pollWait(this.#handle, timeoutMs), 'epoll_wait');
    decodeBatch(this.events, count);
    return count;
  }

  /** Keeps the process alive while the poll is open (the reactor does this while waiters exist). */
  ref(): void {
    if (!this.#closed) this.#native.pollRef(this.#handle, true);
  }

  /** Lets the process exit although the poll is open (the initial state). */
  unref(): void {
    if (!this.#closed) this.#native.pollRef(this.#handle, false);
  }

  /** Closes the epoll fd and its libuv handle. Registered fds stay open. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.pollClose(this.#handle);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
