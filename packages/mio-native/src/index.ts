// @rt/mio-native: the operating system's event queue and non-blocking socket syscalls,
// for the reactor (`@rt/reactor`) and the TCP/UDP/Unix layer (`@rt/net`). Not for
// application code: use `@rt/net`.
//
// A guide:
// - `available` / `loadError` / `addonKind`: whether the addon loaded (Linux x64/arm64 glibc
//   from the prebuilt binary in the package; elsewhere built from source at install time).
//   The package always imports; where no addon loads, `available` is false.
// - `Poll`: one epoll instance registered with Node's loop; events reach a handler in
//   batches of (token, Ready) pairs, one call into JavaScript per batch.
// - `Interest`, `Ready`: portable bit sets for what a registration wants and what an
//   event reports.
// - `Waker`: an eventfd to wake the poll from a worker thread.
// - `sys`: raw non-blocking syscalls returning byte counts or negative errnos, never
//   throwing, never allocating on the hot path; `OsError` and `errnoName` give errnos
//   their Node-style names; `errno` is the one table of errno numbers, `errorKind` Tokio's
//   grouping of them; `encodeSocketAddress`/`decodeSocketAddress` handle addresses.
// - `constants`: the platform's AF_*, SOCK_*, SOL_*, SO_*, IPPROTO_*, TCP_*, IP_*, IPV6_*,
//   SHUT_*, MSG_* numbers (empty where the addon is not available).
//
// Example:
//   import { available, sys, constants, OsError } from '@rt/mio-native';
//   if (available) {
//     const fd = OsError.check(sys.socket(constants.AF_INET, constants.SOCK_STREAM), 'socket');
//     sys.close(fd);
//   }
//
// The backend contract (what a kqueue backend must provide) is in BACKEND.md.
import { binding, bindingError, bindingPath } from './internal/binding.js';
import type { NativeConstants } from './internal/binding.js';
import * as syscalls from './sys.js';

/**
 * Whether the native addon loaded and has a backend for this platform.
 *
 * When false, `Poll`, `Waker` and `sys` throw `NativeUnavailableError`; `loadError` says
 * why. `@rt/net` falls back to Node's `net` then.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { available, loadError } from '@rt/mio-native';
 * if (!available) console.warn(loadError?.message);
 * ```
 */
export const available: boolean = binding !== null;

/** Why the addon is not available (`null` when {@link available}). See {@link available}. */
export const loadError: Error | null = bindingError;

/**
 * Where the addon was loaded from, when {@link available}: `'prebuild'` (the binary shipped in
 * the package for linux-x64 and linux-arm64, glibc: no compiler, no install script) or
 * `'source'` (built by the install script with node-gyp, for other platforms); `null` when
 * it is not available. {@link addonPath} is the file.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { addonKind, addonPath } from '@rt/mio-native';
 * console.log(`rt native addon: ${addonKind} (${addonPath})`);
 * ```
 */
export const addonKind: 'prebuild' | 'source' | null =
  bindingPath === null ? null : /[\\/]prebuilds[\\/]/.test(bindingPath) ? 'prebuild' : 'source';

/** The addon's file, when {@link available}; `null` otherwise. See {@link addonKind}. */
export const addonPath: string | null = bindingPath;

/** The backend's name: `'epoll'` on Linux, `null` where the addon is not available. */
export const backend: string | null = binding?.backend ?? null;

/**
 * The platform's socket constants (`AF_INET`, `SOCK_STREAM`, `SOL_SOCKET`, `SO_REUSEADDR`,
 * `TCP_NODELAY`, `IPV6_V6ONLY`, `IP_TTL`, `SHUT_WR`, `EPOLLIN`, …), from the C headers.
 * Empty where the addon is not available.
 *
 * **Cancellation:** not applicable. **Errors:** none.
 *
 * **Example**
 * ```ts
 * import { sys, constants } from '@rt/mio-native';
 * // sys.setSocketOption(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1);
 * ```
 */
export const constants: NativeConstants = binding?.constants ?? (Object.freeze({}) as NativeConstants);

/**
 * Non-blocking socket syscalls on raw fds: `socket`, `socketPair`, `bind`, `listen`,
 * `accept` (several fds per call), `connect`, `takeError`, `read`, `write`, `readv`,
 * `writev`, `recvFrom`, `sendTo`, `sendToEncoded`, `recvMultiple`/`sendMultiple`
 * (recvmmsg/sendmmsg), `shutdown`, `close`, socket options (`getSocketOption`,
 * `setSocketOption`, `getSocketOptionBytes`, `setSocketOptionBytes`, `getLinger`,
 * `setLinger`, `setMulticastMembershipV4`/`V6`), `getSocketName`, `getPeerName`, and
 * `getFdFlag`/`setFdFlag` (`fcntl`: `O_NONBLOCK`, `FD_CLOEXEC`).
 *
 * Each returns a byte count, an fd or 0 on success and a NEGATIVE errno on failure (`-11`
 * is EAGAIN): no exception and no allocation on the hot path. Sockets are created
 * non-blocking and close-on-exec; writes use MSG_NOSIGNAL.
 *
 * **Cancellation:** not applicable: nothing blocks or waits (wait for readiness with
 * `@rt/reactor`, then call again).
 *
 * **Errors:** OS conditions are negative errnos (name them with {@link errnoName}, throw
 * them with `OsError.check`); arguments of the wrong type or out-of-bounds offsets throw
 * TypeError/RangeError; every function throws `NativeUnavailableError` where the addon is
 * not available.
 *
 * **Example**
 * ```ts
 * import { sys, constants, errnoName } from '@rt/mio-native';
 * const pair = new Int32Array(2);
 * sys.socketPair(constants.AF_UNIX, constants.SOCK_STREAM, pair);
 * sys.write(pair[1]!, Buffer.from('hi'));
 * const buffer = Buffer.alloc(16);
 * sys.read(pair[0]!, buffer); // 2
 * errnoName(sys.read(pair[0]!, buffer)); // 'EAGAIN'
 * sys.close(pair[0]!);
 * sys.close(pair[1]!);
 * ```
 */
export const sys: typeof syscalls = syscalls;

export { Poll, readyFromEpoll } from './poll.js';
export type { PollOptions, PollEventsHandler } from './poll.js';
export { Interest, Ready } from './interest.js';
export { Waker } from './waker.js';
export { OsError } from './os-error.js';
export { errno, errnoName, errnoOf, errorKind, systemErrorFields } from './errno.js';
export type { ErrorKind, SystemErrorFields } from './errno.js';
export { NativeUnavailableError } from './native-unavailable-error.js';
export { encodeSocketAddress, decodeSocketAddress, SOCKET_ADDRESS_SIZE } from './socket-address.js';
export type { SocketAddress } from './socket-address.js';
export type { FdFlag } from './sys.js';
export type { NativeConstants } from './internal/binding.js';
export { tlsAvailable, nativeTls } from './tls.js';
export type { TlsContextHandle, TlsConnectionHandle } from './tls.js';
export type { NativeTlsBinding } from './internal/binding.js';
