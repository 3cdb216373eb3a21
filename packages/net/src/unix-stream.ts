import { sys } from '@rt/mio-native';
import { NetError } from './errors.js';
import { ByteStream } from './internal/byte-stream.js';
import type { DriverName, RawAddress, StreamHandle } from './internal/driver.js';
import { C, check, currentIo } from './internal/native-io.js';
import { NativeStream } from './internal/native-stream.js';
import { driverFor } from './internal/select-driver.js';
import { describe } from './socket-addr.js';
import type { ConnectOptions } from './tcp-stream.js';

/**
 * The address of a Unix socket: its filesystem path, or `null` for an unnamed socket (a
 * connecting client, an unbound datagram socket, either end of `pair()`).
 *
 * **Cancellation:** not applicable (a value). **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * const { path } = stream.peerAddr(); // '/run/app.sock'
 * ```
 */
export interface UnixSocketAddr {
  readonly path: string | null;
}

/** @internal */
export function toUnixAddr(raw: RawAddress): UnixSocketAddr {
  return { path: 'path' in raw && raw.path !== '' ? raw.path : null };
}

/** @internal */
export function checkPath(path: unknown, what: string): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: path must be a non-empty string, got ${describe(path)}`);
  if (Buffer.byteLength(path) > 107) throw new RangeError(`${what}: path ${JSON.stringify(path)} is longer than the 107 bytes a Unix socket address can hold`);
}

/**
 * A connected Unix domain stream socket (Tokio's `UnixStream`): the same byte-stream API as
 * `TcpStream` (`read`, `write`, `writeAll`, `peek`, `shutdown`, `split`, `intoSplit`, …;
 * an `@rt/io` `AsyncRead` + `AsyncWrite`), addressed by a filesystem path.
 *
 * **Cancellation:** as `TcpStream`: `read`, `write`, `readable`, `writable`, `connect` are
 * cancel safe.
 *
 * **Errors:** as `TcpStream`; `connect` rejects with {@link NetError}
 * `ENOENT` (no such socket file) or `ECONNREFUSED` (nobody listens).
 *
 * **Example**
 * ```ts
 * await using stream = await UnixStream.connect('/run/app.sock');
 * await stream.writeAll(request);
 * ```
 */
export class UnixStream extends ByteStream {
  /** @internal Use {@link UnixStream.connect}, {@link UnixStream.pair} or `UnixListener.accept`. */
  constructor(handle: StreamHandle) {
    if (typeof handle !== 'object' || handle === null || typeof (handle as { read?: unknown }).read !== 'function') {
      throw new TypeError('UnixStream cannot be constructed directly: use UnixStream.connect() or UnixListener.accept()');
    }
    super(handle);
  }

  /** @internal */
  protected wrap(handle: StreamHandle): this {
    return new UnixStream(handle) as this;
  }

  /**
   * Connects to the Unix socket at `path`.
   *
   * **Cancellation:** cancel safe.
   *
   * **Errors:** `TypeError`/`RangeError` for a bad path (synchronously); {@link NetError}
   * (`ENOENT`, `ECONNREFUSED`, …); `Cancelled`.
   *
   * **Example**
   * ```ts
   * const stream = await UnixStream.connect(path, { signal });
   * ```
   */
  static async connect(path: string, options?: ConnectOptions): Promise<UnixStream> {
    checkPath(path, 'UnixStream.connect');
    const driver = driverFor(options?.driver);
    return new UnixStream(await driver.connectUnix(path, options?.signal === undefined ? undefined : { signal: options.signal }));
  }

  /**
   * Creates a connected pair of unnamed Unix stream sockets (`socketpair(2)`). Native
   * driver only.
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** {@link NetError} `ENOTSUP` on the fallback driver; OS
   * errors such as `EMFILE`.
   *
   * **Example**
   * ```ts
   * const [a, b] = UnixStream.pair();
   * await a.writeAll(bytes);
   * ```
   */
  static pair(options?: { driver?: DriverName }): [UnixStream, UnixStream] {
    const driver = driverFor(options?.driver);
    if (driver.name !== 'native') throw new NetError('ENOTSUP', 'socketpair', 'UnixStream.pair needs the native driver (@rt/mio-native)');
    const io = currentIo();
    const fds = new Int32Array(2);
    check(sys.socketPair(C.AF_UNIX, C.SOCK_STREAM, fds), 'socketpair');
    const make = (fd: number): UnixStream => new UnixStream(new NativeStream(fd, io.reactor.register(fd, 3), true, { path: '' }));
    return [make(fds[0]!), make(fds[1]!)];
  }

  /** This end's address (`path: null` when unnamed). Throws SocketClosed after close. */
  localAddr(): UnixSocketAddr {
    return toUnixAddr(this.core.get().localAddress());
  }

  /** The peer's address (`path: null` when unnamed). Throws SocketClosed after close. */
  peerAddr(): UnixSocketAddr {
    return toUnixAddr(this.core.get().peerAddress());
  }
}
