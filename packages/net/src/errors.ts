import { errno, systemErrorFields } from '@rt/mio-native';
import type { ErrorKind } from '@rt/mio-native';
import { RtError } from '@rt/scheduler';
import type { SocketAddr } from './socket-addr.js';

/** Where a failed socket call was aimed, as Node's system errors say it. */
export interface NetErrorOptions extends ErrorOptions {
  /** The IP address the call was given (`connect`, `bind`), or a Unix socket's path (as Node puts it). */
  readonly address?: string;
  /** The port the call was given (IP sockets). */
  readonly port?: number;
  /** The name a failed lookup was given (`getaddrinfo`), as Node's DNS errors say it. */
  readonly hostname?: string;
}

/**
 * An error the operating system reported for a socket operation (connect, accept, read,
 * write, bind, …), shaped as Node's own system errors so that Node code understands it.
 *
 * `code` is the errno name (`'ECONNRESET'`, `'ECONNREFUSED'`, `'EPIPE'`, `'EADDRINUSE'`,
 * `'ENOTFOUND'` for a name that did not resolve, …), `errno` the negative errno (`-104`),
 * `syscall` the call that failed (`'read'`), and `address` and `port` where Node sets
 * them: on `connect` and `bind` (a Unix socket's path is its `address`, as in Node);
 * a failed name lookup (`syscall` `'getaddrinfo'`) carries the name as `hostname`. `kind` groups the errno as
 * Tokio's `io::ErrorKind` does: `'ConnectionReset'`, `'ConnectionRefused'`,
 * `'ConnectionAborted'`, `'BrokenPipe'`, `'NotConnected'`, `'AddrInUse'`,
 * `'AddrNotAvailable'`, `'TimedOut'`, `'HostUnreachable'`, `'NetworkUnreachable'`,
 * `'PermissionDenied'`, `'NotFound'`, `'WouldBlock'`, `'Unsupported'`, … or
 * `'Uncategorized'`.
 *
 * rt's own conditions are not NetErrors and keep `ERR_RT_*` codes ({@link SocketClosed},
 * `Cancelled`, `Elapsed`).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await stream.read(buf); }
 * catch (error) {
 *   if (error instanceof NetError && error.code === 'ECONNRESET') console.log('peer reset');
 *   else throw error;
 * }
 * ```
 */
export class NetError extends RtError {
  /** The negative errno, e.g. `-104` (undefined for a name that is no errno, such as `'ENOTFOUND'` where libuv has none). */
  readonly errno: number | undefined;
  /** The operation that failed, e.g. `'read'`, `'connect'`. */
  readonly syscall: string;
  /** Tokio's grouping of the errno, e.g. `'ConnectionReset'`. */
  readonly kind: ErrorKind;
  /** The address the call was given (`connect`, `bind`; a Unix socket's path), as in Node. */
  readonly address?: string;
  /** The port the call was given (`connect`, `bind`), as in Node. */
  readonly port?: number;
  /** The name that did not resolve (`syscall` `'getaddrinfo'`), as in Node's DNS errors. */
  readonly hostname?: string;

  /**
   * @param errno the errno, by name (`'ECONNRESET'`) or as a negative number (`-104`).
   * @param message defaults to Node's form, `'connect ECONNREFUSED 127.0.0.1:1'`.
   */
  constructor(errno: string | number, syscall: string, message?: string, options?: NetErrorOptions) {
    const fields = systemErrorFields(errno);
    const where = options?.address === undefined ? '' : ` ${options.address}${options.port === undefined ? '' : `:${options.port}`}`;
    super(fields.code, message ?? `${syscall} ${fields.code}${where}`, options);
    this.name = 'NetError';
    this.errno = fields.errno;
    this.syscall = syscall;
    this.kind = fields.kind;
    if (options?.address !== undefined) this.address = options.address;
    if (options?.port !== undefined) this.port = options.port;
    if (options?.hostname !== undefined) this.hostname = options.hostname;
  }
}

/**
 * A `tryRead`/`tryWrite`/`tryAccept`/… found the socket not ready: Tokio's
 * `ErrorKind::WouldBlock`. Wait with `readable()`/`writable()` and try again.
 *
 * A subclass of {@link NetError} with `code` `'EAGAIN'`, `errno` `-11` and `kind` `'WouldBlock'`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { n = stream.tryRead(buf); }
 * catch (error) { if (error instanceof WouldBlock) await stream.readable(); else throw error; }
 * ```
 */
export class WouldBlock extends NetError {
  constructor(syscall: string) {
    super(errno.EAGAIN, syscall, `${syscall} would block`);
    this.name = 'WouldBlock';
  }
}

/**
 * An operation on a socket, listener or half that was closed by its own owner
 * (`close()`, `Symbol.asyncDispose`, or moved away by `intoSplit`/`reunite`).
 *
 * `code` is `ERR_RT_SOCKET_CLOSED`. Operations parked when the socket is closed reject
 * with it too.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * listener.close();
 * await listener.accept(); // rejects with SocketClosed
 * ```
 */
export class SocketClosed extends RtError {
  constructor(message = 'the socket is closed', options?: ErrorOptions) {
    super('ERR_RT_SOCKET_CLOSED', message, options);
    this.name = 'SocketClosed';
  }
}

/**
 * One failed attempt of a connect, as listed by {@link ConnectError.attempts}: the address
 * tried and why it failed (a {@link NetError}).
 *
 * **Cancellation:** not applicable (a value). **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * for (const { address, error } of connectError.attempts) console.log(`${address}: ${error.message}`);
 * ```
 */
export interface ConnectAttempt {
  readonly address: SocketAddr;
  readonly error: Error;
}

/**
 * `TcpStream.connect` (or `UnixStream.connect`) could not connect to any address the
 * target resolved to.
 *
 * Like Node's errors for a connect that tried several addresses, it carries the LAST
 * attempt's `code`, `errno`, `syscall`, `address` and `port` (`'ECONNREFUSED'`, …), and
 * keeps every attempt's error, in order, in `errors` (as `AggregateError` does) and with
 * its address in `attempts`. When the name did not resolve, `code` is the resolver's
 * (`'ENOTFOUND'`, `'EAI_AGAIN'`) and `errors`/`attempts` are empty; `cause` is the last
 * error either way.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { await TcpStream.connect('localhost:1'); }
 * catch (error) {
 *   if (error instanceof ConnectError && error.code === 'ECONNREFUSED') {
 *     for (const a of error.attempts) console.log(`${a.address}: ${a.error.message}`);
 *   }
 * }
 * ```
 */
export class ConnectError extends NetError {
  /** Each address tried, in order, with its error. */
  readonly attempts: readonly ConnectAttempt[];
  /** Each attempt's error, in order (as `AggregateError.errors`). */
  readonly errors: readonly Error[];
  /** The target as the caller gave it (formatted). */
  readonly target: string;

  /** @param cause the resolver's error when the name did not resolve (then `attempts` is empty). */
  constructor(target: string, attempts: readonly ConnectAttempt[], cause?: NetError) {
    const last = attempts.length === 0 ? cause : attempts[attempts.length - 1]?.error;
    const lastNet = last instanceof NetError ? last : undefined;
    const detail =
      attempts.length === 0
        ? (cause?.message ?? 'no address to try')
        : attempts.map((a) => `${a.address.toString()}: ${a.error.message}`).join('; ');
    const options: NetErrorOptions = { cause: last };
    if (lastNet?.address !== undefined) Object.assign(options, { address: lastNet.address });
    if (lastNet?.port !== undefined) Object.assign(options, { port: lastNet.port });
    super(lastNet?.code ?? 'EADDRNOTAVAIL', lastNet?.syscall ?? 'connect', `could not connect to ${target}: ${detail}`, options);
    this.name = 'ConnectError';
    this.attempts = attempts;
    this.errors = attempts.map((a) => a.error);
    this.target = target;
  }
}

/**
 * `OwnedReadHalf.reunite` was given a write half of a different stream. The two halves are
 * returned in `readHalf`/`writeHalf`, unchanged, so nothing is lost. `code` is
 * `ERR_RT_REUNITE`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example**
 * ```ts
 * try { read.reunite(otherWrite); }
 * catch (error) { if (error instanceof ReuniteError) error.readHalf.close(); }
 * ```
 */
export class ReuniteError<R = unknown, W = unknown> extends RtError {
  readonly readHalf: R;
  readonly writeHalf: W;
  constructor(readHalf: R, writeHalf: W) {
    super('ERR_RT_REUNITE', 'tried to reunite halves that are not from the same socket');
    this.name = 'ReuniteError';
    this.readHalf = readHalf;
    this.writeHalf = writeHalf;
  }
}

/**
 * @internal Converts a Node/system error (with `code`/`syscall`, and `address`/`port`
 * where Node set them) into a NetError with the same fields.
 */
export function toNetError(error: unknown, syscall: string): Error {
  if (error instanceof NetError || error instanceof RtError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown; address?: unknown; port?: unknown };
    if (typeof e.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code)) {
      const call = typeof e.syscall === 'string' ? e.syscall : syscall;
      const options: NetErrorOptions = { cause: error };
      if (typeof e.address === 'string') Object.assign(options, { address: e.address });
      if (typeof e.port === 'number') Object.assign(options, { port: e.port });
      const which = typeof e.errno === 'number' && e.errno < 0 && Number.isInteger(e.errno) ? e.errno : e.code;
      const converted = new NetError(which, call, typeof e.message === 'string' ? e.message : undefined, options);
      // A libuv name Node renamed (getaddrinfo's EAI_NONAME is ENOTFOUND) keeps Node's code.
      if (converted.code !== e.code) return new NetError(e.code, call, converted.message, options);
      return converted;
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}
