import { RtError } from '@rt/scheduler';
import type { SocketAddr } from './socket-addr.js';

/** errno name → stable rt code, as Tokio's `io::ErrorKind` groups them. */
const kinds: Readonly<Record<string, string>> = {
  ECONNRESET: 'ERR_RT_CONNECTION_RESET',
  ECONNREFUSED: 'ERR_RT_CONNECTION_REFUSED',
  ECONNABORTED: 'ERR_RT_CONNECTION_ABORTED',
  EPIPE: 'ERR_RT_BROKEN_PIPE',
  ENOTCONN: 'ERR_RT_NOT_CONNECTED',
  EADDRINUSE: 'ERR_RT_ADDRESS_IN_USE',
  EADDRNOTAVAIL: 'ERR_RT_ADDRESS_NOT_AVAILABLE',
  ETIMEDOUT: 'ERR_RT_TIMED_OUT',
  EHOSTUNREACH: 'ERR_RT_HOST_UNREACHABLE',
  ENETUNREACH: 'ERR_RT_NETWORK_UNREACHABLE',
  EACCES: 'ERR_RT_PERMISSION_DENIED',
  EPERM: 'ERR_RT_PERMISSION_DENIED',
  EMFILE: 'ERR_RT_TOO_MANY_OPEN_FILES',
  ENFILE: 'ERR_RT_TOO_MANY_OPEN_FILES',
  ENOENT: 'ERR_RT_NOT_FOUND',
  ENOTFOUND: 'ERR_RT_HOST_NOT_FOUND',
  EAI_AGAIN: 'ERR_RT_HOST_NOT_FOUND',
  EMSGSIZE: 'ERR_RT_MESSAGE_TOO_LONG',
  EAGAIN: 'ERR_RT_WOULD_BLOCK',
};

/**
 * An error the operating system reported for a socket operation (connect, accept, read,
 * write, bind, …), with a stable rt `code` grouping errnos as Tokio's `io::ErrorKind` does.
 *
 * `code` is one of `ERR_RT_CONNECTION_RESET` (`ECONNRESET`), `ERR_RT_CONNECTION_REFUSED`,
 * `ERR_RT_CONNECTION_ABORTED`, `ERR_RT_BROKEN_PIPE` (`EPIPE`: a write after `shutdown()` or
 * to a peer that is gone), `ERR_RT_NOT_CONNECTED`, `ERR_RT_ADDRESS_IN_USE`,
 * `ERR_RT_ADDRESS_NOT_AVAILABLE`, `ERR_RT_TIMED_OUT`, `ERR_RT_HOST_UNREACHABLE`,
 * `ERR_RT_NETWORK_UNREACHABLE`, `ERR_RT_PERMISSION_DENIED`, `ERR_RT_TOO_MANY_OPEN_FILES`,
 * `ERR_RT_NOT_FOUND`, `ERR_RT_HOST_NOT_FOUND`, `ERR_RT_MESSAGE_TOO_LONG`,
 * `ERR_RT_WOULD_BLOCK`, or `ERR_RT_OS_ERROR` for any other errno. `errno` keeps the OS name
 * (`'ECONNRESET'`) and `syscall` the call that failed (`'read'`).
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example:**
 * ```ts
 * try { await stream.read(buf); }
 * catch (error) {
 *   if (error instanceof NetError && error.errno === 'ECONNRESET') console.log('peer reset');
 *   else throw error;
 * }
 * ```
 */
export class NetError extends RtError {
  /** The OS error name, e.g. `'ECONNRESET'`. */
  readonly errno: string;
  /** The operation that failed, e.g. `'read'`, `'connect'`. */
  readonly syscall: string;

  constructor(errno: string, syscall: string, message?: string, options?: ErrorOptions) {
    super(kinds[errno] ?? 'ERR_RT_OS_ERROR', message ?? `${syscall} ${errno}`, options);
    this.name = 'NetError';
    this.errno = errno;
    this.syscall = syscall;
  }
}

/**
 * A `tryRead`/`tryWrite`/`tryAccept`/… found the socket not ready: Tokio's
 * `ErrorKind::WouldBlock`. Wait with `readable()`/`writable()` and try again.
 *
 * A subclass of {@link NetError} with `code` `ERR_RT_WOULD_BLOCK` and `errno` `'EAGAIN'`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example:**
 * ```ts
 * try { n = stream.tryRead(buf); }
 * catch (error) { if (error instanceof WouldBlock) await stream.readable(); else throw error; }
 * ```
 */
export class WouldBlock extends NetError {
  constructor(syscall: string) {
    super('EAGAIN', syscall, `${syscall} would block`);
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
 * **Example:**
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
 * **Example:**
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
 * `attempts` lists each address tried, in order, with its error (a {@link NetError} such as
 * `ERR_RT_CONNECTION_REFUSED`); `cause` is the last of them, or the resolver's error when
 * the name did not resolve (then `attempts` is empty). `code` is `ERR_RT_CONNECT`.
 *
 * **Cancellation:** not applicable (an error value).
 *
 * **Errors:** not applicable.
 *
 * **Example:**
 * ```ts
 * try { await TcpStream.connect('127.0.0.1:1'); }
 * catch (error) {
 *   if (error instanceof ConnectError) for (const a of error.attempts) console.log(`${a.address}: ${a.error.message}`);
 * }
 * ```
 */
export class ConnectError extends RtError {
  /** Each address tried, in order, with its error. */
  readonly attempts: readonly ConnectAttempt[];
  /** The target as the caller gave it (formatted). */
  readonly target: string;

  constructor(target: string, attempts: readonly ConnectAttempt[], cause?: unknown) {
    const detail =
      attempts.length === 0
        ? cause instanceof Error
          ? cause.message
          : 'no address to try'
        : attempts.map((a) => `${a.address.toString()}: ${a.error.message}`).join('; ');
    super('ERR_RT_CONNECT', `could not connect to ${target}: ${detail}`, {
      cause: cause ?? attempts[attempts.length - 1]?.error,
    });
    this.name = 'ConnectError';
    this.attempts = attempts;
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
 * **Example:**
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

/** @internal Converts a Node/system error (with `code`/`syscall`) into a NetError. */
export function toNetError(error: unknown, syscall: string): Error {
  if (error instanceof NetError || error instanceof RtError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; syscall?: unknown; message?: unknown };
    if (typeof e.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code)) {
      const call = typeof e.syscall === 'string' ? e.syscall : syscall;
      return new NetError(e.code, call, typeof e.message === 'string' ? e.message : undefined, { cause: error });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}
