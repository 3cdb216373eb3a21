// TLS on a non-blocking socket fd with the OpenSSL 3 that the running Node exports
// (native/tls.c): the functions exported as `tls`. For `@rt/tls`; not for application code.
//
// A context (`contextCreate`) is built once from PEM buffers; a connection (`create`) runs
// on an fd the caller owns and has registered with the reactor. `handshake`, `read`,
// `write`, `flush` and `shutdown` never block and never throw for a TLS or OS condition:
// they return a byte count (or 0) on success, `WANT_READ` (wait until the fd is readable,
// then call again), `WANT_WRITE` (`write` only: the connection's output buffer is full,
// nothing was taken), `EOF` (end of stream without close_notify), `ERROR` (`errorInfo`
// says which OpenSSL error) or a negative errno. After each call `state[0]` holds the
// encrypted bytes still waiting for the socket: while it is > 0, wait until the fd is
// writable and call `flush`.
//
// One exception to "sent at once": when a server's `handshake` completes with records written
// after it (TLS 1.3 session tickets) it returns `DONE_HELD` and keeps them in the output
// buffer (state[0] = 0) until the connection's next flush point: `write`, `shutdown`,
// `flush`, or a `read` that returns `WANT_READ` or an error (a read that returns bytes or
// close_notify keeps them). They then leave in one send with the reply or the close_notify.
// The caller must `flush` before it leaves the connection idle (rt: at the end of the turn).
//
// Handles are freed once (`contextFree`, `free`: a second call returns false; any other use
// of a freed handle throws `ERR_RT_NATIVE_CLOSED`); the garbage collector frees what was
// not. Wrong argument types throw TypeError/RangeError (`ERR_RT_NATIVE_ARGUMENT`).
import { binding, native } from './internal/binding.js';
import type { NativeTlsBinding } from './internal/binding.js';
import { NativeUnavailableError } from './native-unavailable-error.js';

export type { TlsContextHandle, TlsConnectionHandle } from './internal/binding.js';

/**
 * Whether the addon loaded and found OpenSSL 3 in the running executable.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { tlsAvailable } from '@rt/mio-native';
 * if (!tlsAvailable) console.log('TLS runs on Node\'s TLSSocket');
 * ```
 */
export const tlsAvailable: boolean = binding?.tlsAvailable === true;

function t(): NativeTlsBinding {
  const b = native();
  if (b.tlsAvailable !== true) {
    throw new NativeUnavailableError(new Error('the running executable does not export OpenSSL 3 (Node built without it?)'));
  }
  return b as NativeTlsBinding;
}

/**
 * The native TLS functions (see the comment at the top of this file for their contract);
 * throws `NativeUnavailableError` where {@link tlsAvailable} is false.
 *
 * **Cancellation:** not applicable: nothing blocks.
 *
 * **Errors:** `NativeUnavailableError`; TypeError/RangeError for bad arguments;
 * `ERR_RT_NATIVE_CLOSED` for a freed handle.
 *
 * **Example**
 * ```ts
 * import { nativeTls } from '@rt/mio-native';
 * const ctx = nativeTls().tlsContextCreate(0, null, null, caPem, 0, 0, null, 1);
 * ```
 */
export function nativeTls(): NativeTlsBinding {
  return t();
}
