import type { X509Certificate } from 'node:crypto';
import type { CipherNameAndProtocol, TLSSocket } from 'node:tls';
import { throwIfCancelled, type WaitOptions } from '@rt/scheduler';
import { fromNodeDuplex, split, writeAll, type AsyncRead, type AsyncWrite, type Join, type ReadHalf, type WriteHalf } from '@rt/io';
import type { NodeReadableReader, NodeWritableWriter } from '@rt/io';
import { TlsError, toTlsError } from './errors.js';
import type { ByteStream, Transport } from './internal/transport.js';
import { NativeTls } from './internal/native.js';

function bufferError(what: string): TypeError {
  return new TypeError(`${what}: buf must be a Uint8Array`);
}

/**
 * A TLS connection over an rt byte stream, made by `TlsConnector.connect` or
 * `TlsAcceptor.accept` once the handshake is done: Tokio's `TlsStream`. It is an `@rt/io`
 * `AsyncRead`/`AsyncWrite` like `TcpStream` (`read`, `write`, `writeAll`, `flush`,
 * `shutdown`), and tells what was negotiated (`protocol`, `cipher`, `alpnProtocol`,
 * `serverName`, `peerCertificate()`).
 *
 * The TLS stream owns the stream under it: `close()` (or `await using`) closes both. Call
 * `shutdown()` first to end the connection cleanly: it sends close_notify, so the peer
 * reads end of stream and not a truncation. Reading end of stream without the peer's
 * close_notify is a `TlsError` `ERR_RT_TLS_TRUNCATED`, not 0, as rustls reports it.
 *
 * **Cancellation:** `read` and `write` are cancel safe; `writeAll` is not (an unknown
 * prefix was written); `flush` and `shutdown` can be called again after an abort.
 *
 * **Errors:** {@link TlsError} for TLS failures (bad record, alert, truncation); the rt
 * stream's own errors (`NetError`, …) pass through; `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * await using tls = await connector.connect('example.com', await TcpStream.connect('example.com:443'));
 * await tls.writeAll(request);
 * const n = await tls.read(buf);
 * ```
 */
export class TlsStream implements AsyncRead, AsyncWrite {
  // Exactly one of the two engines: Node's TLSSocket over the rt stream (#transport, #socket,
  // #io), or OpenSSL on the socket's fd (#native). See the README's "How it works".
  readonly #transport: Transport | null;
  readonly #socket: TLSSocket | null;
  readonly #io: Join<NodeReadableReader, NodeWritableWriter> | null;
  readonly #native: NativeTls | null;
  readonly #serverName: string | null;
  #session: Buffer | undefined;

  /** @internal Made by `TlsConnector.connect` and `TlsAcceptor.accept`. */
  constructor(engine: Transport | NativeTls, serverName: string | null) {
    this.#serverName = serverName;
    if (engine instanceof NativeTls) {
      this.#native = engine;
      this.#transport = this.#socket = this.#io = null;
      return;
    }
    this.#native = null;
    this.#transport = engine;
    const socket = engine.socket!;
    this.#socket = socket;
    this.#io = fromNodeDuplex(socket);
    socket.on('session', (session: Buffer) => {
      this.#session = session;
    });
  }

  /**
   * Which implementation runs this stream: `'native'` (OpenSSL driven by rt on the socket's
   * fd) or `'node'` (Node's `TLSSocket` over the rt stream). See the `engine` option.
   */
  get engine(): 'native' | 'node' {
    return this.#native === null ? 'node' : 'native';
  }

  /**
   * Reads decrypted bytes into `buf` and resolves with how many (0: the peer sent
   * close_notify, or `buf` is empty).
   *
   * **Cancellation:** cancel safe: an aborted read consumed nothing; bytes already
   * decrypted wait for the next read.
   *
   * **Errors:** `TlsError` `ERR_RT_TLS_TRUNCATED` for end of stream without close_notify,
   * `ERR_RT_TLS_PROTOCOL`/`ERR_RT_TLS_ALERT` for a bad record or an alert; the rt stream's
   * errors; `TypeError` for a bad `buf`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const n = await tls.read(buf, { signal });
   * ```
   */
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    if (!(buf instanceof Uint8Array)) return Promise.reject(bufferError('TlsStream.read'));
    // The native engine settles at once when bytes are ready (no async function here).
    return this.#native !== null ? this.#native.read(buf, options) : this.#readNode(buf, options);
  }

  async #readNode(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    let n: number;
    try {
      n = await this.#io!.read(buf, options);
    } catch (error) {
      throw this.#error(error);
    }
    if (n === 0 && buf.length > 0 && this.#transport!.truncated) {
      throw new TlsError('ERR_RT_TLS_TRUNCATED', 'the peer closed the connection without close_notify');
    }
    return n;
  }

  /**
   * Encrypts and hands over `buf` (it waits while the TLS layer's buffer is full) and
   * resolves with how many bytes were taken; `buf` can be reused at once. Node's engine
   * takes all of `buf`; the native engine takes all of it unless its output buffer fills
   * on the way (256 KiB waiting for the socket), then the part before: use `writeAll` to
   * write everything.
   *
   * **Cancellation:** cancel safe: an aborted write handed over nothing.
   *
   * **Errors:** `BrokenPipe` after `shutdown()`; the TLS layer's and the rt stream's write
   * errors; `TypeError` for a bad `buf`; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * const n = await tls.write(bytes);
   * ```
   */
  write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    if (!(buf instanceof Uint8Array)) return Promise.reject(bufferError('TlsStream.write'));
    return this.#native !== null ? this.#native.write(buf, options) : this.#writeNode(buf, options);
  }

  async #writeNode(buf: Uint8Array, options: WaitOptions | undefined): Promise<number> {
    try {
      return await this.#io!.write(buf, options);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * Writes all of `buf`.
   *
   * **Cancellation:** not cancel safe, as Tokio's `write_all`: after an abort an unknown
   * prefix of `buf` was written.
   *
   * **Errors:** as `write`.
   *
   * **Example**
   * ```ts
   * await tls.writeAll(new TextEncoder().encode('PING\r\n'));
   * ```
   */
  writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void> {
    if (!(buf instanceof Uint8Array)) return Promise.reject(bufferError('TlsStream.writeAll'));
    // The native engine: a shared settled promise when its buffer takes all of `buf` at once.
    return this.#native !== null ? this.#native.writeAll(buf, options) : writeAll(this, buf, options);
  }

  /**
   * Waits until every byte handed to `write` was encrypted and accepted by the rt stream.
   *
   * **Cancellation:** cancel safe in Tokio's sense: call again to finish.
   *
   * **Errors:** the write errors; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * await tls.flush();
   * ```
   */
  async flush(options?: WaitOptions): Promise<void> {
    if (this.#native !== null) return this.#native.flush(options);
    try {
      await this.#io!.flush(options);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * Flushes, sends close_notify and shuts the rt stream's writing side down (a
   * half-close: reading goes on until the peer's close_notify).
   *
   * **Cancellation:** can be called again after an abort to finish.
   *
   * **Errors:** the write errors; `Cancelled` on abort.
   *
   * **Example**
   * ```ts
   * await tls.shutdown();
   * ```
   */
  async shutdown(options?: WaitOptions): Promise<void> {
    if (this.#native !== null) return this.#native.shutdown(options);
    try {
      await this.#io!.shutdown(options);
    } catch (error) {
      throw this.#error(error);
    }
  }

  #error(error: unknown): unknown {
    return toTlsError(error, 'data');
  }

  /** The ALPN protocol both sides chose, or `null` when none was negotiated. */
  get alpnProtocol(): string | null {
    if (this.#native !== null) return this.#native.alpnProtocol;
    const p = this.#socket!.alpnProtocol;
    return typeof p === 'string' && p !== '' ? p : null;
  }

  /**
   * The server name: on the client side the one given to `connect`; on the server side the
   * SNI name the client sent, or `null` if it sent none.
   */
  get serverName(): string | null {
    return this.#serverName;
  }

  /** The negotiated protocol version, e.g. `'TLSv1.3'`. */
  get protocol(): string | null {
    return this.#native !== null ? this.#native.protocol : this.#socket!.getProtocol();
  }

  /** The negotiated cipher suite (`name`, `standardName`, `version`). */
  get cipher(): CipherNameAndProtocol {
    return this.#native !== null ? this.#native.cipher : this.#socket!.getCipher();
  }

  /** Whether the handshake resumed an earlier session. */
  get isSessionReused(): boolean {
    return this.#native !== null ? this.#native.isSessionReused : this.#socket!.isSessionReused();
  }

  /**
   * The latest session ticket the server sent (client side), to pass as `session` to a
   * later `connect` to the same server; `undefined` until one arrived (with TLS 1.3 it
   * comes after the handshake, with the first data read).
   */
  get session(): Buffer | undefined {
    if (this.#native !== null) return this.#native.session;
    return this.#session ?? this.#socket!.getSession();
  }

  /** The peer's certificate, or `undefined` when it sent none (a client without one). */
  peerCertificate(): X509Certificate | undefined {
    return this.#native !== null ? this.#native.peerCertificate() : this.#socket!.getPeerX509Certificate();
  }

  /**
   * The rt stream under the TLS layer (Tokio's `get_ref`); do not read or write it. On the
   * native engine it gave its fd to the TLS stream (`intoRawFd`) and is closed for use.
   */
  getRef(): ByteStream {
    return this.#native !== null ? this.#native.stream : this.#transport!.stream;
  }

  /**
   * The Node TLS socket driving OpenSSL, for what this class does not expose; `null` on the
   * native engine.
   */
  get tlsSocket(): TLSSocket | null {
    return this.#socket;
  }

  /**
   * Borrowed halves for two tasks (Tokio's `io::split`); a read and a write may be in
   * flight at the same time. `reader.unsplit(writer)` gives this stream back.
   */
  split(): [ReadHalf<TlsStream>, WriteHalf<TlsStream>] {
    return split(this);
  }

  /**
   * Owned halves (Tokio's `into_split`): each can be kept by another task and closed on
   * its own; the TLS stream and its rt stream close once both halves are closed.
   */
  intoSplit(): [OwnedTlsReadHalf, OwnedTlsWriteHalf] {
    const pair = new HalfPair(this);
    return [new OwnedTlsReadHalf(pair), new OwnedTlsWriteHalf(pair)];
  }

  /**
   * Destroys the TLS layer and closes the rt stream at once, without close_notify (call
   * `shutdown()` first for a clean end). Reads and writes in flight fail. Idempotent.
   */
  close(): void {
    if (this.#native !== null) this.#native.close();
    else this.#transport!.close();
  }

  /** Whether `close()` was called (or the handshake failed). */
  get closed(): boolean {
    return this.#native !== null ? this.#native.closed : this.#transport!.closed;
  }

  /** `await using tls = …`: `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

class HalfPair {
  open = 2;
  constructor(readonly stream: TlsStream) {}
  release(): void {
    this.open--;
    if (this.open === 0) this.stream.close();
  }
}

/** What both owned halves share: the pair, and closing (the stream closes with the second). */
abstract class OwnedHalf {
  /** @internal */
  protected readonly pair: HalfPair;
  /** @internal */
  protected closed = false;

  /** @internal Made by `intoSplit()`. */
  constructor(pair: HalfPair) {
    this.pair = pair;
  }

  /** @internal */
  isPairOf(pair: HalfPair): boolean {
    return this.pair === pair;
  }

  /** @internal Used by `reunite`: the half is spent without closing the stream. */
  detach(): void {
    this.closed = true;
  }

  /** Closes this half; the stream closes once both halves are closed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pair.release();
  }

  /** `await using half = …`: `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * The reading half made by `TlsStream.intoSplit()`: `read`, `reunite`, `close`.
 *
 * **Cancellation:** `read` is cancel safe (see `TlsStream.read`).
 *
 * **Errors:** as `TlsStream.read`; `TypeError` from `reunite` for a write half of another
 * stream or a closed half.
 *
 * **Example**
 * ```ts
 * const [reader, writer] = tls.intoSplit();
 * spawn(() => copy(reader, sink()));
 * ```
 */
export class OwnedTlsReadHalf extends OwnedHalf implements AsyncRead {
  read(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    if (this.closed) return Promise.reject(new TypeError('OwnedTlsReadHalf.read: this half was closed'));
    return this.pair.stream.read(buf, options);
  }

  /** Puts the halves back into the `TlsStream` (both halves are unusable afterwards). */
  reunite(writer: OwnedTlsWriteHalf): TlsStream {
    if (!(writer instanceof OwnedTlsWriteHalf) || !writer.isPairOf(this.pair) || this.pair.open !== 2 || this.closed) {
      throw new TypeError('OwnedTlsReadHalf.reunite: not the open write half of the same intoSplit() call');
    }
    this.detach();
    writer.detach();
    return this.pair.stream;
  }
}

/**
 * The writing half made by `TlsStream.intoSplit()`: `write`, `writeAll`, `flush`,
 * `shutdown` (close_notify), `close`.
 *
 * **Cancellation:** as `TlsStream` (`write` cancel safe, `writeAll` not).
 *
 * **Errors:** as `TlsStream`'s write methods.
 *
 * **Example**
 * ```ts
 * const [, writer] = tls.intoSplit();
 * await writer.writeAll(bytes);
 * await writer.shutdown();
 * ```
 */
export class OwnedTlsWriteHalf extends OwnedHalf implements AsyncWrite {
  #stream(what: string, options: WaitOptions | undefined): TlsStream {
    throwIfCancelled(options);
    if (this.closed) throw new TypeError(`OwnedTlsWriteHalf.${what}: this half was closed`);
    return this.pair.stream;
  }

  async write(buf: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#stream('write', options).write(buf, options);
  }

  async writeAll(buf: Uint8Array, options?: WaitOptions): Promise<void> {
    return this.#stream('writeAll', options).writeAll(buf, options);
  }

  async flush(options?: WaitOptions): Promise<void> {
    return this.#stream('flush', options).flush(options);
  }

  async shutdown(options?: WaitOptions): Promise<void> {
    return this.#stream('shutdown', options).shutdown(options);
  }
}
