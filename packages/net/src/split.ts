import { fastCopy } from '@rt/io/copy';
import type { AsyncRead, AsyncWrite } from '@rt/io';
import type { WaitOptions } from '@rt/scheduler';
import { ReuniteError, SocketClosed } from './errors.js';
import type { StreamHandle } from './internal/driver.js';
import { READABLE, WRITABLE } from './internal/driver.js';
import { checkBuffer, checkBuffers, fastCopyFrom, writeAllTo } from './internal/stream-core.js';
import type { StreamCore } from './internal/stream-core.js';

/**
 * The reading half of a stream borrowed by `split()` (Tokio's `ReadHalf`): `read`, `peek`,
 * `tryRead`, `readable`. Implements `@rt/io`'s `AsyncRead`. The stream still owns the
 * socket.
 *
 * **Cancellation:** as the stream's methods: `read`, `peek` and `readable` are cancel safe.
 *
 * **Errors:** as the stream's methods.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = stream.split();
 * const n = await reader.read(buf);
 * ```
 */
export class ReadHalf implements AsyncRead {
  /** @internal */
  readonly core: StreamCore;

  /** @internal Made by `split()` / `intoSplit()`. */
  constructor(core: StreamCore) {
    this.core = core;
  }

  /** Reads into `buf`; see `TcpStream.read`. Cancel safe. */
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'ReadHalf.read');
    return this.core.get().read(buf, false, options);
  }

  /** Reads without consuming; see `TcpStream.peek`. Cancel safe. */
  peek(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'ReadHalf.peek');
    return this.core.get().read(buf, true, options);
  }

  /** Reads without waiting; throws `WouldBlock`. See `TcpStream.tryRead`. */
  tryRead(buf: Uint8Array): number {
    checkBuffer(buf, 'ReadHalf.tryRead');
    return this.core.get().tryRead(buf);
  }

  /** Waits until readable; see `TcpStream.readable`. Cancel safe. */
  async readable(options?: WaitOptions): Promise<void> {
    await this.core.get().ready(READABLE, options);
  }

  /** `@rt/io`'s `copy` fast path; see `TcpStream[fastCopy]`. Not cancel safe (as `copy`). */
  [fastCopy](writer: AsyncWrite, bufferSize: number, options: WaitOptions | undefined): Promise<number> | undefined {
    return fastCopyFrom(this.core, writer, bufferSize, options);
  }
}

/**
 * The writing half of a stream borrowed by `split()` (Tokio's `WriteHalf`): `write`,
 * `writev`, `writeAll`, `tryWrite`, `tryWritev`, `writable`, `flush`, `shutdown`. Implements `@rt/io`'s
 * `AsyncWrite`. The stream still owns the socket.
 *
 * **Cancellation:** as the stream's methods: `write`, `writev`, `writable` are cancel safe,
 * `writeAll` is not.
 *
 * **Errors:** as the stream's methods.
 *
 * **Example**
 * ```ts
 * const [, writer] = stream.split();
 * await writer.writeAll(bytes);
 * await writer.shutdown();
 * ```
 */
export class WriteHalf implements AsyncWrite {
  /** @internal */
  readonly core: StreamCore;

  /** @internal Made by `split()` / `intoSplit()`. */
  constructor(core: StreamCore) {
    this.core = core;
  }

  /** Writes some of `buf`; see `TcpStream.write`. Cancel safe. */
  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    checkBuffer(buf, 'WriteHalf.write');
    return this.core.get().write(buf, options);
  }

  /** Gather write; see `TcpStream.writev`. Cancel safe. */
  writev(buffers: readonly Uint8Array[], options?: WaitOptions): Promise<number> {
    checkBuffers(buffers, 'WriteHalf.writev');
    return this.core.get().writev(buffers, options);
  }

  /** Writes all of `buf`; see `TcpStream.writeAll`. Not cancel safe. */
  writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void> {
    checkBuffer(buf, 'WriteHalf.writeAll');
    return writeAllTo(this.core.get(), buf, options);
  }

  /** Writes without waiting; throws `WouldBlock`. See `TcpStream.tryWrite`. */
  tryWrite(buf: Uint8Array): number {
    checkBuffer(buf, 'WriteHalf.tryWrite');
    return this.core.get().tryWrite(buf);
  }

  /** Gather write without waiting; throws `WouldBlock`. See `TcpStream.tryWritev`. */
  tryWritev(buffers: readonly Uint8Array[]): number {
    checkBuffers(buffers, 'WriteHalf.tryWritev');
    return this.core.get().tryWritev(buffers);
  }

  /** Waits until writable; see `TcpStream.writable`. Cancel safe. */
  async writable(options?: WaitOptions): Promise<void> {
    await this.core.get().ready(WRITABLE, options);
  }

  /** See `TcpStream.flush`. */
  flush(options?: WaitOptions): Promise<void> {
    return this.core.get().flush(options);
  }

  /** Shuts down the writing side; see `TcpStream.shutdown`. */
  shutdown(options?: WaitOptions): Promise<void> {
    return this.core.get().shutdown(options);
  }
}

function releaseHalf(core: StreamCore): void {
  core.openHalves--;
  if (core.openHalves === 0) core.handle.close();
}

/**
 * The owned reading half made by `intoSplit()` (Tokio's `OwnedReadHalf`): a {@link ReadHalf}
 * you can keep in another task, close on its own, and `reunite` with its write half.
 *
 * The socket is closed once both owned halves are closed (or disposed).
 *
 * **Cancellation:** as {@link ReadHalf}.
 *
 * **Errors:** as {@link ReadHalf}; `reunite` throws {@link ReuniteError} for a write half of
 * another stream.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = stream.intoSplit();
 * const whole = reader.reunite(writer);
 * ```
 */
export class OwnedReadHalf<S = unknown> extends ReadHalf {
  readonly #wrap: (handle: StreamHandle) => S;
  #closed = false;

  /** @internal Made by `intoSplit()`. */
  constructor(core: StreamCore, wrap: (handle: StreamHandle) => S) {
    super(core);
    this.#wrap = wrap;
  }

  /**
   * Puts the two halves back into one stream. Both halves are unusable afterwards.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** {@link ReuniteError} (with both halves, unchanged) when `writeHalf` belongs to
   * another stream; `SocketClosed` if either half was closed.
   *
   * **Example**
   * ```ts
   * const stream = reader.reunite(writer);
   * ```
   */
  reunite(writeHalf: OwnedWriteHalf): S {
    if (!(writeHalf instanceof OwnedWriteHalf) || writeHalf.core !== this.core) throw new ReuniteError(this, writeHalf);
    if (this.core.moved) throw new SocketClosed('these halves were already reunited');
    if (this.core.openHalves < 2) throw new SocketClosed('cannot reunite: a half was closed');
    return this.#wrap(this.core.move());
  }

  /** Closes this half; the socket closes once both halves are closed. Idempotent. */
  close(): void {
    if (this.#closed || this.core.moved) return;
    this.#closed = true;
    releaseHalf(this.core);
  }

  /** `await using reader = …`: closes this half. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * The owned writing half made by `intoSplit()` (Tokio's `OwnedWriteHalf`): a
 * {@link WriteHalf} you can keep in another task. Closing (or disposing) it shuts down the
 * writing side, as dropping it does in Tokio, so the peer reads end of stream.
 *
 * **Cancellation:** as {@link WriteHalf}.
 *
 * **Errors:** as {@link WriteHalf}.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = stream.intoSplit();
 * await writer.writeAll(bytes);
 * await writer[Symbol.asyncDispose](); // peer sees end of stream
 * ```
 */
export class OwnedWriteHalf extends WriteHalf {
  #closed = false;

  /**
   * Shuts down the writing side (after flushing), then releases this half; the socket
   * closes once both halves are closed. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed || this.core.moved) return;
    this.#closed = true;
    try {
      if (!this.core.handle.closed) await this.core.handle.shutdown(undefined);
    } catch {
      // The connection already failed: nothing left to shut down.
    } finally {
      releaseHalf(this.core);
    }
  }

  /** `await using writer = …`: see `close`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
