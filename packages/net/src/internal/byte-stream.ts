// What TcpStream and UnixStream share: the byte-moving methods (AsyncRead + AsyncWrite),
// readiness, split/intoSplit and close. Each subclass adds its constructor, connect and
// socket options.
import { fastCopy } from '@rt/io/copy';
import type { AsyncRead, AsyncWrite } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import type { DriverName, StreamHandle } from './driver.js';
import { READABLE, WRITABLE } from './driver.js';
import { StreamCore, checkBuffer as checkBufferOf, checkBuffers, fastCopyFrom, interestBits, readyOf, writeAllTo as writeAllToOf } from './stream-core.js';
import type { Interest, Ready } from './stream-core.js';
import { SocketClosed } from '../errors.js';
import { OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf } from '../split.js';

// Module-local copies of what `read` and `writeAll` call: TurboFan folds a module's own `const` to
// its value, but reads an imported binding through its module cell with a TDZ check (and checks
// the call's target) each time (issue 16, TCP echo: pass eu30).
const checkBuffer: typeof checkBufferOf = checkBufferOf;
const writeAllTo = writeAllToOf;

/**
 * A connected byte stream (the shared base of `TcpStream` and `UnixStream`); see
 * `TcpStream` for the semantics of each method.
 *
 * **Cancellation:** as `TcpStream`. **Errors:** as `TcpStream`.
 *
 * **Example**
 * ```ts
 * const n = await stream.read(buf);
 * ```
 */
export abstract class ByteStream implements AsyncRead, AsyncWrite {
  /** @internal */
  protected readonly core: StreamCore;

  /** @internal */
  protected constructor(handle: StreamHandle) {
    this.core = new StreamCore(handle);
  }

  /** @internal Makes a stream of the same class over `handle` (for `reunite`). */
  protected abstract wrap(handle: StreamHandle): this;

  /**
   * Reads up to `buf.length` bytes into the front of `buf`, waiting until at least one is
   * available; resolves with the count, `0` at end of stream (the peer shut down its
   * writing side) or for an empty `buf`.
   *
   * **Cancellation:** cancel safe: on abort no byte was consumed.
   *
   * **Errors:** {@link NetError} (`ECONNRESET`, …) once, after the bytes that
   * arrived before the error; {@link SocketClosed} after `close()`; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const n = await stream.read(buf);
   * if (n === 0) console.log('peer closed');
   * ```
   */
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    // The test in place, `checkBuffer` only to throw: inlined into a read loop, a call here counts
    // against TurboFan's inlining budget of the loop (issue 16, TCP echo: pass eu30).
    if (!(buf instanceof Uint8Array)) checkBuffer(buf, 'TcpStream.read');
    return this.core.get().read(buf, false, options);
  }

  /**
   * Like `read`, but leaves the bytes in the socket: the next `read` or `peek` sees them
   * again (MSG_PEEK).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** as `read`.
   *
   * **Example**
   * ```ts
   * const n = await stream.peek(buf); // buf[0..n) will be read again
   * ```
   */
  peek(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'TcpStream.peek');
    return this.core.get().read(buf, true, options);
  }

  /**
   * `@rt/io`'s `copy` fast path (see `fastCopy` there): `copy(stream, writer)` where `writer`
   * is an rt stream or write half on the native driver moves the bytes socket to socket
   * inside the driver, with no promise per chunk (an echo server is `copy(stream, stream)`).
   *
   * **Cancellation:** as `copy`: not cancel safe (at most one buffer of read bytes is lost).
   *
   * **Errors:** as `copy`.
   *
   * **Example**
   * ```ts
   * const copied = await copy(client, upstream); // fast path when both are native sockets
   * ```
   */
  [fastCopy](writer: AsyncWrite, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined {
    return fastCopyFrom(this.core, writer, bufferSize, options);
  }

  /**
   * Reads what is available now without waiting.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when nothing is available yet; otherwise as `read`.
   *
   * **Example**
   * ```ts
   * await stream.readable();
   * try { const n = stream.tryRead(buf); } catch (e) { if (!(e instanceof WouldBlock)) throw e; }
   * ```
   */
  tryRead(buf: Uint8Array): number {
    checkBuffer(buf, 'TcpStream.tryRead');
    return this.core.get().tryRead(buf);
  }

  /**
   * A `read` that completes now, without a promise: reads into `buf` when `read(buf)` would
   * complete at once (data or the end of stream is ready, no other read is parked, the task
   * has budget left and is not cancelled) and returns the count, 0 at end of stream; returns
   * -1 otherwise (then `read(buf)` waits, yields or rejects as it says). Like `read`, and
   * unlike `tryRead`, it spends one unit of the task's cooperative budget, so a loop of
   * `readNow` with `read` as its fallback still yields to other tasks. Meant for loops that
   * read a large body: one promise and one reaction less per read. On the fallback driver
   * it always returns -1.
   *
   * **Cancellation:** never waits; a cancelled task gets -1 (its `read` rejects).
   *
   * **Errors:** {@link NetError} (`ECONNRESET`, …) as `read` would reject with it; TypeError
   * for a `buf` that is not a Uint8Array. A closed or moved stream is not an error here: it gets
   * -1, and its `read` rejects with {@link SocketClosed}.
   *
   * **Example**
   * ```ts
   * let n = stream.readNow(buf);
   * if (n < 0) n = await stream.read(buf);
   * ```
   */
  readNow(buf: Uint8Array): number {
    checkBuffer(buf, 'TcpStream.readNow');
    const handle = this.core.get();
    return handle.readNow === undefined ? -1 : handle.readNow(buf);
  }

  /**
   * Waits until the stream is readable (data, end of stream or an error is ready). A
   * following `tryRead` may still throw `WouldBlock` (another reader was first).
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await stream.readable();
   * ```
   */
  async readable(options?: WaitOptions): Promise<void> {
    await this.core.get().ready(READABLE, options);
  }

  /**
   * Waits until the stream can accept a write.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await stream.writable();
   * stream.tryWrite(bytes);
   * ```
   */
  async writable(options?: WaitOptions): Promise<void> {
    await this.core.get().ready(WRITABLE, options);
  }

  /**
   * Waits until any of `interest` holds and reports which readiness was found.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `TypeError` for an unknown interest; {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * const ready = await stream.ready('readable|writable');
   * if (ready.readable) n = stream.tryRead(buf);
   * ```
   */
  async ready(interest: Interest, options?: WaitOptions): Promise<Ready> {
    const bits = interestBits(interest);
    return readyOf(await this.core.get().ready(bits, options));
  }

  /**
   * Writes some of `buf` (at least one byte), waiting until the socket can take it; resolves
   * with how many bytes were accepted. `buf` may be reused as soon as the promise settles.
   *
   * **Cancellation:** cancel safe: on abort nothing was written.
   *
   * **Errors:** {@link NetError} `EPIPE` after `shutdown()` or once the peer
   * is gone, `ECONNRESET` after a reset; {@link SocketClosed}; `Cancelled`.
   * Never raises SIGPIPE.
   *
   * **Example**
   * ```ts
   * const n = await stream.write(bytes); // maybe fewer than bytes.length: see writeAll
   * ```
   */
  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'TcpStream.write');
    return this.core.get().write(buf, options);
  }

  /**
   * Writes from several buffers in order (gather write); resolves with the total accepted.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** as `write`.
   *
   * **Example**
   * ```ts
   * await stream.writev([header, body]);
   * ```
   */
  writev(buffers: readonly Uint8Array[], options?: WaitOptions): Promise<number> {
    checkBuffers(buffers, 'TcpStream.writev');
    return this.core.get().writev(buffers, options);
  }

  /**
   * Writes without waiting; resolves nothing, returns the count accepted.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when the socket cannot take bytes now; otherwise as `write`.
   *
   * **Example**
   * ```ts
   * const n = stream.tryWrite(bytes);
   * ```
   */
  tryWrite(buf: Uint8Array): number {
    checkBuffer(buf, 'TcpStream.tryWrite');
    return this.core.get().tryWrite(buf);
  }

  /**
   * Gather write without waiting (Tokio's `try_write_vectored`): writes from several
   * buffers in order, as one `writev`, and returns the total count accepted (possibly less
   * than their sum). The stream does not keep `buffers` after it returns.
   *
   * **Cancellation:** never waits.
   *
   * **Errors:** {@link WouldBlock} when the socket cannot take bytes now (or another write is
   * queued); otherwise as `writev`.
   *
   * **Example**
   * ```ts
   * const n = stream.tryWritev([header, body]);
   * ```
   */
  tryWritev(buffers: readonly Uint8Array[]): number {
    checkBuffers(buffers, 'TcpStream.tryWritev');
    return this.core.get().tryWritev(buffers);
  }

  /**
   * Writes all of `buf`, waiting as needed (Tokio's `write_all`).
   *
   * **Cancellation:** not cancel safe: on abort an unknown prefix of `buf` was written.
   *
   * **Errors:** as `write`.
   *
   * **Example**
   * ```ts
   * await stream.writeAll(new TextEncoder().encode('hello\n'));
   * ```
   */
  writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void> {
    // (The test in place: see `read`.)
    if (!(buf instanceof Uint8Array)) checkBuffer(buf, 'TcpStream.writeAll');
    return writeAllTo(this.core.get(), buf, options);
  }

  /**
   * Resolves once every byte accepted by `write` has been handed to the kernel.
   *
   * **Cancellation:** cancel safe: call it again to finish.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await stream.flush();
   * ```
   */
  flush(options?: WaitOptions): Promise<void> {
    return this.core.get().flush(options);
  }

  /**
   * Flushes, then shuts down the writing side: the peer reads end of stream, and this
   * stream can still read. Idempotent. Later writes fail with `EPIPE`.
   *
   * **Cancellation:** cancel safe: an abort while flushing leaves the stream open for
   * writing; call `shutdown` again.
   *
   * **Errors:** {@link SocketClosed}; `Cancelled`.
   *
   * **Example**
   * ```ts
   * await stream.writeAll(request);
   * await stream.shutdown();
   * const reply = await readToEnd(stream);
   * ```
   */
  shutdown(options?: WaitOptions): Promise<void> {
    return this.core.get().shutdown(options);
  }

  /** Which driver moves this stream's bytes: `'native'` (epoll addon) or `'fallback'` (Node `net`). */
  get driver(): DriverName {
    return this.core.handle.driver;
  }

  /**
   * Borrows a reader and a writer over this stream, to use from two tasks at once (Tokio's
   * `split`). The stream stays usable and owns the socket: closing it closes both halves.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed} if the
   * stream was moved by `intoSplit`.
   *
   * **Example**
   * ```ts
   * const [reader, writer] = stream.split();
   * await Promise.all([copy(reader, stdout), copy(stdin, writer)]);
   * ```
   */
  split(): [ReadHalf, WriteHalf] {
    const core = this.core;
    if (core.moved) throw new SocketClosed('the stream was moved into its halves (intoSplit)');
    return [new ReadHalf(core), new WriteHalf(core)];
  }

  /**
   * Moves the stream into an owned reader and writer (Tokio's `into_split`); this
   * `TcpStream` is unusable afterwards. Closing (or disposing) the write half shuts down the
   * writing side; the socket is closed once both halves are closed. `reunite` puts them back
   * together.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** {@link SocketClosed} if
   * already moved.
   *
   * **Example**
   * ```ts
   * const [reader, writer] = stream.intoSplit();
   * spawn(() => copy(reader, sink()));
   * const again: TcpStream = reader.reunite(writer);
   * ```
   */
  intoSplit(): [OwnedReadHalf<this>, OwnedWriteHalf] {
    if (this.core.moved) throw new SocketClosed('the stream was already moved into its halves (intoSplit)');
    const core = new StreamCore(this.core.move());
    core.openHalves = 2;
    return [new OwnedReadHalf(core, (h) => this.wrap(h)), new OwnedWriteHalf(core)];
  }

  /**
   * Closes the socket now (idempotent). Parked operations reject with {@link SocketClosed}.
   *
   * **Cancellation:** not applicable (synchronous). **Errors:** none.
   *
   * **Example**
   * ```ts
   * stream.close();
   * ```
   */
  close(): void {
    if (!this.core.moved) this.core.handle.close();
  }

  /** Closes the stream: `await using stream = await TcpStream.connect(addr)`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
