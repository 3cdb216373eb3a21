// duplex(): two connected in-memory streams, each end readable and writable.
//
// How and why. Each direction is a Pipe: a ring buffer that grows on demand up to
// `maxBufSize` and never beyond, plus two wait queues (readers waiting for bytes, writers
// waiting for room). `read` copies out of the ring and wakes writers; `write` copies as
// much as fits into the ring and wakes readers. A full ring parks the writer: that is the
// backpressure, and the memory bound. Waiters are readiness notifications: a woken
// operation re-checks the ring and takes bytes only when it runs, so an operation aborted
// while parked has taken nothing (read and write are cancel safe), and an abort that lands
// after the wake-up still completes the operation (nothing is lost either way).
//
// One shortcut: a reader parked on an empty pipe leaves its buffer with its waiter, and a
// writer that finds it copies straight into that buffer and wakes it with the count (one
// copy instead of two). The hand-off happens only while the waiter is unsettled, and
// `wake` then delivers the count even if an abort follows in the same tick, so the bytes
// are never lost; an aborted reader is unlinked synchronously before any writer sees it.
//
// Closing follows Tokio's DuplexStream: shutting down (or closing) the writing end lets
// the reader drain what is buffered, then read 0; closing the reading end drops buffered
// bytes and makes writes fail with BrokenPipe.
import { coop, park, throwIfCancelled, type WaitOptions, type Waiter } from '@rt/scheduler';
import type { AsyncRead } from './async-read.js';
import type { AsyncWrite } from './async-write.js';
import { BrokenPipe, StreamClosed } from './io-error.js';
import { checkBuffer, checkSize } from './internal/validate.js';
import { WaitQueue } from './internal/wait-queue.js';

const INITIAL_CAPACITY = 16 * 1024;
const EMPTY = new Uint8Array(0);
/** What a parked reader is woken with when it must re-check the pipe (not a hand-off). */
const RECHECK = -1;

interface ParkedRead {
  readonly waiter: Waiter<number>;
  readonly buf: Uint8Array;
}

class Pipe {
  readonly max: number;
  ring: Uint8Array = EMPTY;
  head = 0;
  length = 0;
  /** The writer shut down or closed: readers drain, then read 0. */
  writeClosed = false;
  /** The reader closed: buffered bytes are gone, writes fail. */
  readClosed = false;
  readonly readers: ParkedRead[] = [];
  readonly writers = new WaitQueue('DuplexStream.write');
  readonly #unlinkReader = (waiter: Waiter<number>): void => {
    const readers = this.readers;
    for (let i = 0; i < readers.length; i++) {
      if (readers[i]?.waiter === waiter) {
        readers.splice(i, 1);
        return;
      }
    }
  };

  constructor(max: number) {
    this.max = max;
  }

  /** Parks a reader; resolves with a handed-off count, or RECHECK. */
  parkReader(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    const { waiter, promise } = park<number>('DuplexStream.read', this.#unlinkReader, options);
    this.readers.push({ waiter, buf });
    return promise;
  }

  wakeReaders(): void {
    const readers = this.readers;
    if (readers.length === 0) return;
    for (const reader of readers) reader.waiter.wake(RECHECK);
    readers.length = 0;
  }

  take(buf: Uint8Array): number {
    const ring = this.ring;
    const n = Math.min(buf.length, this.length);
    const first = Math.min(n, ring.length - this.head);
    buf.set(this.head === 0 && first === ring.length ? ring : ring.subarray(this.head, this.head + first), 0);
    if (n > first) buf.set(ring.subarray(0, n - first), first);
    this.length -= n;
    this.head = this.length === 0 ? 0 : (this.head + n) % ring.length;
    this.writers.wakeAll();
    return n;
  }

  put(buf: Uint8Array): number {
    let handed = 0;
    if (this.length === 0) {
      // Hand bytes straight to parked readers, oldest first.
      const readers = this.readers;
      while (readers.length > 0 && handed < buf.length) {
        const reader = readers.shift() as ParkedRead;
        if (reader.waiter.settled) continue;
        const n = Math.min(reader.buf.length, buf.length - handed);
        reader.buf.set(handed === 0 && n === buf.length ? buf : buf.subarray(handed, handed + n), 0);
        reader.waiter.wake(n);
        handed += n;
      }
      if (handed === buf.length) return handed;
    }
    const n = Math.min(buf.length - handed, this.max - this.length);
    if (this.ring.length - this.length < n) this.grow(this.length + n);
    const ring = this.ring;
    const tail = (this.head + this.length) % ring.length;
    const first = Math.min(n, ring.length - tail);
    ring.set(handed === 0 && first === buf.length ? buf : buf.subarray(handed, handed + first), tail);
    if (n > first) ring.set(buf.subarray(handed + first, handed + n), 0);
    this.length += n;
    this.wakeReaders();
    return handed + n;
  }

  private grow(needed: number): void {
    let capacity = Math.max(this.ring.length * 2, INITIAL_CAPACITY);
    while (capacity < needed) capacity *= 2;
    capacity = Math.min(capacity, this.max);
    const next = new Uint8Array(capacity);
    const old = this.ring;
    const first = Math.min(this.length, old.length - this.head);
    next.set(old.subarray(this.head, this.head + first), 0);
    if (this.length > first) next.set(old.subarray(0, this.length - first), first);
    this.ring = next;
    this.head = 0;
  }

  closeWrite(): void {
    this.writeClosed = true;
    this.wakeReaders();
    this.writers.wakeAll();
  }

  closeRead(): void {
    this.readClosed = true;
    this.length = 0;
    this.head = 0;
    this.ring = EMPTY;
    this.wakeReaders();
    this.writers.wakeAll();
  }
}

/**
 * One end of an in-memory pipe made by `duplex()`: bytes written to one end are read from
 * the other, in order, through a buffer of at most `maxBufSize` bytes per direction.
 *
 * - `read(buf)` waits for bytes, copies up to `buf.length`, resolves with the count;
 *   `0` once the other end has shut down (or closed) and the buffer is drained.
 * - `write(buf)` waits for room, copies as much as fits, resolves with the count (which
 *   may be less than `buf.length`; use `writeAll`).
 * - `flush()` resolves at once (there is nothing between the ends).
 * - `shutdown()` closes this end's writing side: the other end reads what is buffered,
 *   then 0; further writes here fail with `BrokenPipe`. Reading here is unaffected.
 * - `close()` / `Symbol.dispose` shut this end down in both directions: the other end
 *   reads 0 after draining, and its writes fail with `BrokenPipe` (bytes it had written
 *   that were not read here are dropped). Operations on a closed end reject with
 *   `StreamClosed`. Operations parked on this end when it closes are woken and reject.
 *
 * Several operations may wait on one end at a time; each re-checks the buffer when it
 * runs, so bytes are never duplicated or lost. Every operation that finds the buffer
 * ready spends one unit of the task's cooperative budget (`coop()`).
 *
 * **Cancellation:** `read` and `write` are cancel safe: if the signal (or the task)
 * aborts before they resolve, they reject with `Cancelled` and consumed / accepted
 * nothing. `flush`, `shutdown` and `close` complete at once.
 *
 * **Errors:** `BrokenPipe` for a write after this end's shutdown or once the other end
 * closed; `StreamClosed` for any operation after `close()`; `TypeError` when `buf` is not
 * a `Uint8Array`; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * const [client, server] = duplex(64);
 * await writeAll(client, new TextEncoder().encode('ping'));
 * const buf = new Uint8Array(4);
 * await readExact(server, buf); // 'ping'
 * ```
 */
export class DuplexStream implements AsyncRead, AsyncWrite, Disposable {
  readonly #in: Pipe;
  readonly #out: Pipe;
  #closed = false;

  /** @internal Use `duplex()`. */
  constructor(incoming: unknown, outgoing: unknown) {
    if (!(incoming instanceof Pipe) || !(outgoing instanceof Pipe)) {
      throw new TypeError('DuplexStream is created by duplex(maxBufSize), not by its constructor');
    }
    this.#in = incoming;
    this.#out = outgoing;
  }

  /**
   * Waits for bytes from the other end and copies up to `buf.length` of them into `buf`;
   * resolves with the count, or 0 at end of stream (or for an empty `buf`).
   *
   * **Cancellation:** cancel safe: an aborted read consumed nothing.
   *
   * **Errors:** `StreamClosed` after `close()`; `TypeError` for a bad `buf`; `Cancelled`.
   */
  async read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'DuplexStream.read: buf');
    throwIfCancelled(options);
    const pipe = this.#in;
    for (;;) {
      if (this.#closed) throw new StreamClosed('DuplexStream.read: this end is closed');
      if (pipe.length > 0 || pipe.writeClosed || buf.length === 0) {
        const yielded = coop();
        if (yielded !== undefined) {
          await yielded;
          throwIfCancelled(options);
          continue; // re-check: someone else may have taken the bytes meanwhile
        }
        return pipe.length > 0 ? pipe.take(buf) : 0;
      }
      const handed = await pipe.parkReader(buf, options);
      if (handed !== RECHECK) return handed;
    }
  }

  /**
   * Waits for room and copies as much of `buf` as fits; resolves with the count (maybe
   * fewer than `buf.length`: use `writeAll`).
   *
   * **Cancellation:** cancel safe: an aborted write accepted nothing.
   *
   * **Errors:** `BrokenPipe` after `shutdown()` or once the other end closed; `StreamClosed`
   * after `close()`; `TypeError` for a bad `buf`; `Cancelled`.
   */
  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'DuplexStream.write: buf');
    throwIfCancelled(options);
    const pipe = this.#out;
    for (;;) {
      if (this.#closed) throw new StreamClosed('DuplexStream.write: this end is closed');
      if (pipe.writeClosed) throw new BrokenPipe('DuplexStream.write: this end was shut down');
      if (pipe.readClosed) throw new BrokenPipe('DuplexStream.write: the other end is closed');
      if (pipe.length < pipe.max || buf.length === 0) {
        const yielded = coop();
        if (yielded !== undefined) {
          await yielded;
          throwIfCancelled(options);
          continue;
        }
        return buf.length === 0 ? 0 : pipe.put(buf);
      }
      await pipe.writers.wait(options);
    }
  }

  /**
   * Resolves at once: bytes written are already visible to the other end.
   *
   * **Errors:** `StreamClosed` after `close()`; `Cancelled` if already aborted.
   */
  flush(options?: WaitOptions): Promise<void> {
    try {
      throwIfCancelled(options);
      if (this.#closed) throw new StreamClosed('DuplexStream.flush: this end is closed');
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes this end's writing side: the other end reads the buffered bytes, then 0.
   * Idempotent; reading on this end is unaffected.
   *
   * **Errors:** `StreamClosed` after `close()`; `Cancelled` if already aborted.
   */
  shutdown(options?: WaitOptions): Promise<void> {
    try {
      throwIfCancelled(options);
      if (this.#closed) throw new StreamClosed('DuplexStream.shutdown: this end is closed');
      this.#out.closeWrite();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Closes both directions of this end (idempotent); see the class documentation. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.closeWrite();
    this.#in.closeRead();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Creates two connected in-memory streams: what one writes the other reads, with at most
 * `maxBufSize` bytes buffered in each direction (Tokio's `tokio::io::duplex`).
 *
 * The buffer grows on demand up to `maxBufSize` and never beyond: a writer facing a full
 * buffer waits until the reader takes bytes. Ideal for testing protocol code without
 * sockets, and for connecting two tasks with a byte stream.
 *
 * **Cancellation:** creating the pair does not wait. See `DuplexStream` for the cancel
 * safety of its methods (`read`, `write`: safe).
 *
 * **Errors:** `RangeError` when `maxBufSize` is not an integer >= 1.
 *
 * **Example**
 * ```ts
 * const [client, server] = duplex(64 * 1024);
 * await writeAll(client, new TextEncoder().encode('hello'));
 * await client.shutdown();
 * console.log(await readToString(server)); // 'hello'
 * ```
 */
export function duplex(maxBufSize: number): [DuplexStream, DuplexStream] {
  checkSize(maxBufSize, 'duplex: maxBufSize', 1);
  const aToB = new Pipe(maxBufSize);
  const bToA = new Pipe(maxBufSize);
  return [new DuplexStream(bToA, aToB), new DuplexStream(aToB, bToA)];
}
