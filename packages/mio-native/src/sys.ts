// Non-blocking socket syscalls on raw fds: the functions exported as `sys`.
//
// Every function returns a byte count, an fd or 0 on success and a NEGATIVE ERRNO on
// failure (`-11` is EAGAIN): no exception and no allocation on the hot path (read, write,
// accept, recvFrom, sendTo with a pre-encoded address). Name an errno with `errnoName`, or
// turn a result into a thrown `OsError` with `OsError.check(result, 'read')`. Sockets are
// created non-blocking and close-on-exec; writes use MSG_NOSIGNAL (no SIGPIPE).
//
// Wrong argument TYPES (not a Buffer, not a number) and out-of-bounds offsets throw
// TypeError/RangeError: those are bugs, not OS conditions.
import { binding, native } from './internal/binding.js';
import type { NativeBinding } from './internal/binding.js';
import { encodeSocketAddress, SOCKET_ADDRESS_SIZE } from './socket-address.js';
import type { SocketAddress } from './socket-address.js';
import { OsError } from './os-error.js';

const loaded: NativeBinding | null = binding;
const scratch = Buffer.alloc(SOCKET_ADDRESS_SIZE);
const optionScratch = Buffer.alloc(32);

function n(): NativeBinding {
  return loaded ?? native();
}

/** Creates a non-blocking, close-on-exec socket: `socket(domain, type, protocol)`. Returns the fd. */
export function socket(domain: number, type: number, protocol = 0): number {
  return n().socket(domain, type, protocol);
}

/** Creates a connected pair of non-blocking sockets into `out[0]`, `out[1]`. Returns 0. */
export function socketPair(domain: number, type: number, out: Int32Array, protocol = 0): number {
  return n().socketpair(domain, type, protocol, out);
}

/** Binds `fd` to `address`. Returns 0. */
export function bind(fd: number, address: SocketAddress): number {
  const length = encodeSocketAddress(address, scratch);
  return n().bind(fd, scratch, length);
}

/**
 * Starts connecting `fd` to `address`. Returns 0 when connected at once, `-EINPROGRESS`
 * (-115) while the connection is being established: wait for writable, then read the
 * outcome with {@link takeError}.
 */
export function connect(fd: number, address: SocketAddress): number {
  const length = encodeSocketAddress(address, scratch);
  return n().connect(fd, scratch, length);
}

/** Marks `fd` as listening with the given backlog. Returns 0. */
export function listen(fd: number, backlog = 511): number {
  return n().listen(fd, backlog);
}

/**
 * Accepts up to `max` (default `out.length`, at most `out.length`) pending connections into
 * `out` (non-blocking, close-on-exec). Returns how many; `-EAGAIN` when none is pending.
 * When fewer than `max` were accepted, `out[count]` holds the negative errno that ended the
 * batch: `-EAGAIN` means the backlog is empty (an edge-triggered caller may clear its
 * readiness without another call); any other error is left for the next call.
 *
 * With `addresses` (at least `max * 128` bytes) and `lengths` (at least `max` elements),
 * both or neither, connection `i`'s peer address lands at `addresses[i * 128, (i + 1) * 128)`
 * (zero-filled) and its length in `lengths[i]`, as `accept4` returned them (Tokio's
 * `TcpListener::accept` returns the pair the same way): decode it with
 * `decodeSocketAddress(addresses.subarray(i * 128), lengths[i])`. No `getpeername` needed,
 * and the address is there even if the peer has gone since. A short `addresses`/`lengths`
 * throws `RangeError`.
 */
export function accept(fd: number, out: Int32Array, max = out.length, addresses: Uint8Array | null = null, lengths: Int32Array | null = null): number {
  return n().accept(fd, out, max, addresses, lengths);
}

// read/write of a whole buffer (offset and length left out, the hot path of a read loop and of
// writeAll) pass only the buffer to the addon: the fd goes in, and the byte count comes back,
// through the addon's io slots (native/mio.c, "The io slots"), so no number crosses N-API
// (napi_get_value_double, napi_create_int32 and V8's return of a value: ~150 instructions per
// call on Node 20, @rt/mio-native README "Pass na27"). The addon checks the fd in the slot as it
// checks an argument (NaN, a fraction or a value outside int32 is its RangeError); a fd that is
// not a number goes as an argument, so its TypeError is the addon's too; so does a view whose
// elements are not bytes (the slot functions count a typed array's elements as its bytes, ~50
// instructions cheaper than the byte length's look-up; `BYTES_PER_ELEMENT` is a constant of the
// prototype, a map check once compiled, where `instanceof Uint8Array` walked the prototype chain:
// +33 per message). Nothing runs between the slot's store and the call, nor between the call and
// the result's load. Each call consumes the slot's fd (the addon resets it to NaN, and a fresh
// slot is NaN): a call whose store was lost is the addon's RangeError, never a call on the fd of
// an earlier one. A store is lost when the slots' ArrayBuffer is detached (`binding.io.transfer()`
// on Node 22+: its views then have length 0, and the result would read undefined); so on an
// error from the slot call, `rethrowUnlessDetached` checks for that and the call is made again
// as arguments (the slot call threw before its system call): nothing per call (pass na28; rv29's
// fix checked `ioFd.length` on every call: ~4–8 instructions per echoed message).
const io = loaded?.io;
const ioFd: Float64Array | null = io !== undefined ? new Float64Array(io, 0, 1) : null;
const ioResult: Int32Array | null = io !== undefined ? new Int32Array(io, 8, 1) : null;

/**
 * The error of a slot call: rethrown unless the slots' ArrayBuffer is detached (the fd's store was
 * lost, so the addon found NaN and threw before any system call), in which case the caller makes
 * the call as arguments. Off the hot path: reached only by a throw.
 */
function rethrowUnlessDetached(error: unknown): void {
  if (ioFd!.length !== 0) throw error;
}

/**
 * A view whose elements are bytes (so its element count is its byte count). Null and undefined are
 * not (a primitive has no BYTES_PER_ELEMENT): they go as arguments, to the addon's TypeError. Two
 * compares: `typeof buffer === 'object'` costs ~9 instructions more per call once compiled.
 */
function isByteView(buffer: Uint8Array | null | undefined): boolean {
  return buffer !== null && buffer !== undefined && buffer.BYTES_PER_ELEMENT === 1;
}

/** Reads into `buffer[offset, offset + length)` (the whole buffer by default). Returns bytes read, 0 at end of stream. */
export function read(fd: number, buffer: Uint8Array, offset?: number, length?: number): number {
  const b = loaded ?? native();
  if (offset === undefined && length === undefined) {
    if (ioFd === null || typeof fd !== 'number' || !isByteView(buffer)) return b.read(fd, buffer);
    ioFd[0] = fd;
    try {
      b.readWhole!(buffer);
    } catch (error) {
      rethrowUnlessDetached(error);
      return b.read(fd, buffer);
    }
    return ioResult![0]!;
  }
  // Only a missing value takes the default (as default parameters do): null goes to the addon, which rejects it.
  if (offset === undefined) offset = 0;
  return b.read(fd, buffer, offset, length === undefined ? buffer.length - offset : length);
}

/** Writes `buffer[offset, offset + length)` (the whole buffer by default). Returns bytes written (may be fewer). */
export function write(fd: number, buffer: Uint8Array, offset?: number, length?: number): number {
  // Each form a function of its own: a caller that inlines `write` takes in only the form it
  // reaches, which leaves TurboFan's inlining budget for the caller's own work (issue 16: TCP echo,
  // `writeAll`, pass eu29).
  return offset === undefined && length === undefined ? writeWhole(fd, buffer) : writePart(fd, buffer, offset, length);
}

/** `write` of the whole buffer: through the io slots (see above). */
function writeWhole(fd: number, buffer: Uint8Array): number {
  const b = loaded ?? native();
  if (ioFd === null || typeof fd !== 'number' || !isByteView(buffer)) return b.write(fd, buffer);
  ioFd[0] = fd;
  try {
    b.writeWhole!(buffer);
  } catch (error) {
    rethrowUnlessDetached(error);
    return b.write(fd, buffer);
  }
  return ioResult![0]!;
}

/** `write` given an offset or a length: as arguments. */
function writePart(fd: number, buffer: Uint8Array, offset: number | undefined, length: number | undefined): number {
  // Only a missing value takes the default (as default parameters do): null goes to the addon, which rejects it.
  if (offset === undefined) offset = 0;
  return (loaded ?? native()).write(fd, buffer, offset, length === undefined ? buffer.length - offset : length);
}

/** Scatter read into up to 64 buffers, in order. Returns total bytes read. */
export function readv(fd: number, buffers: readonly Uint8Array[]): number {
  return n().readv(fd, buffers);
}

/** Gather write from up to 64 buffers, in order. Returns total bytes written. */
export function writev(fd: number, buffers: readonly Uint8Array[]): number {
  return n().writev(fd, buffers);
}

/**
 * Receives one datagram into `buffer[offset, offset + length)` and the sender's address
 * into `address` (at least {@link SOCKET_ADDRESS_SIZE} bytes; decode it with
 * `decodeSocketAddress`). Returns the datagram's bytes (truncated to `length`).
 */
export function recvFrom(fd: number, buffer: Uint8Array, offset: number, length: number, address: Uint8Array, flags = 0): number {
  return n().recvFrom(fd, buffer, offset, length, flags, address);
}

/**
 * Sends `buffer[offset, offset + length)` to `address` (or to the connected peer when
 * `address` is null). Returns bytes sent.
 */
export function sendTo(fd: number, buffer: Uint8Array, offset: number, length: number, address: SocketAddress | null, flags = 0): number {
  if (address === null) return n().sendTo(fd, buffer, offset, length, flags, scratch, 0);
  const addressLength = encodeSocketAddress(address, scratch);
  return n().sendTo(fd, buffer, offset, length, flags, scratch, addressLength);
}

/**
 * Like {@link sendTo} with an address already encoded by `encodeSocketAddress` (no
 * encoding per datagram).
 */
export function sendToEncoded(fd: number, buffer: Uint8Array, offset: number, length: number, address: Uint8Array, addressLength: number, flags = 0): number {
  return n().sendTo(fd, buffer, offset, length, flags, address, addressLength);
}

/**
 * Receives up to `count` (at most 64) datagrams in one syscall (recvmmsg). Datagram `i`
 * lands in `buffer[i * slotSize, (i + 1) * slotSize)` (truncated to the slot), its length
 * in `lengths[i]`, and its sender at `addresses[i * 128, (i + 1) * 128)` when `addresses`
 * is given (decode with `decodeSocketAddress(addresses.subarray(i * 128))`). Returns how
 * many datagrams arrived; `-EAGAIN` when none is pending.
 */
export function recvMultiple(fd: number, buffer: Uint8Array, slotSize: number, count: number, lengths: Int32Array, addresses: Uint8Array | null = null): number {
  return n().recvMultiple(fd, buffer, slotSize, count, lengths, addresses);
}

/**
 * Sends up to `count` (at most 64) datagrams in one syscall (sendmmsg). Datagram `i` is
 * `buffer[spans[2i], spans[2i] + spans[2i + 1])`, sent to the address encoded at
 * `addresses[i * 128]` with length `addressLengths[i]` (`encodeSocketAddress`), or to the
 * connected peer when `addresses` is null. Returns how many datagrams were sent.
 */
export function sendMultiple(fd: number, buffer: Uint8Array, spans: Int32Array, count: number, addresses: Uint8Array | null = null, addressLengths: Int32Array | null = null): number {
  return n().sendMultiple(fd, buffer, spans, count, addresses, addressLengths);
}

/** The fd flags `getFdFlag`/`setFdFlag` read and change, as `fcntl` names them. */
export type FdFlag = 'O_NONBLOCK' | 'FD_CLOEXEC';

function fdFlag(flag: unknown, what: string): number {
  if (flag === 'O_NONBLOCK') return 0;
  if (flag === 'FD_CLOEXEC') return 1;
  throw new TypeError(`${what}: flag must be 'O_NONBLOCK' or 'FD_CLOEXEC', got ${typeof flag === 'string' ? JSON.stringify(flag) : typeof flag}`);
}

/**
 * Reads one flag of `fd` with `fcntl`: `O_NONBLOCK` (a file status flag, shared by every
 * dup of the open file) or `FD_CLOEXEC` (this fd only). Returns 1 when set, 0 when clear,
 * `-EBADF` for an fd that is not open.
 *
 * **Errors:** `TypeError` for an unknown flag; `TypeError`/`RangeError` (`ERR_RT_NATIVE_ARGUMENT`)
 * for an fd that is not an int32.
 */
export function getFdFlag(fd: number, flag: FdFlag): number {
  return n().fdGetFlag(fd, fdFlag(flag, 'getFdFlag'));
}

/**
 * Sets (`on` true) or clears one flag of `fd` with `fcntl` (see {@link getFdFlag}). Returns
 * 0, or `-EBADF` for an fd that is not open.
 *
 * **Errors:** `TypeError` for an unknown flag or an `on` that is not a boolean;
 * `TypeError`/`RangeError` (`ERR_RT_NATIVE_ARGUMENT`) for an fd that is not an int32.
 */
export function setFdFlag(fd: number, flag: FdFlag, on: boolean): number {
  const which = fdFlag(flag, 'setFdFlag');
  if (typeof on !== 'boolean') throw new TypeError(`setFdFlag: on must be a boolean, got ${typeof on}`);
  return n().fdSetFlag(fd, which, on ? 1 : 0);
}

/** Shuts down the read side, the write side or both. Returns 0. */
export function shutdown(fd: number, how: 'read' | 'write' | 'both'): number {
  const c = n().constants;
  const value = how === 'read' ? c.SHUT_RD : how === 'write' ? c.SHUT_WR : how === 'both' ? c.SHUT_RDWR : undefined;
  if (value === undefined) throw new TypeError(`shutdown: how must be 'read', 'write' or 'both', got ${JSON.stringify(how)}`);
  return n().shutdown(fd, value);
}

/** Closes `fd`. Returns 0 (the fd is released even when an error is returned). */
export function close(fd: number): number {
  return n().close(fd);
}

/** Reads an integer socket option (`SO_RCVBUF`, `TCP_NODELAY`, …). Returns the value (≥ 0). */
export function getSocketOption(fd: number, level: number, name: number): number {
  return n().getsockoptInt(fd, level, name);
}

/** Sets an integer socket option (booleans as 0/1). Returns 0. */
export function setSocketOption(fd: number, level: number, name: number, value: number): number {
  return n().setsockoptInt(fd, level, name, value);
}

/** Reads a structured socket option into `out`. Returns the option's length. */
export function getSocketOptionBytes(fd: number, level: number, name: number, out: Uint8Array): number {
  return n().getsockopt(fd, level, name, out);
}

/** Sets a structured socket option from `value[0, length)`. Returns 0. */
export function setSocketOptionBytes(fd: number, level: number, name: number, value: Uint8Array, length = value.length): number {
  return n().setsockopt(fd, level, name, value, length);
}

/** Reads the pending socket error (SO_ERROR) and clears it: 0 or a negative errno. */
export function takeError(fd: number): number {
  const c = n().constants;
  const r = n().getsockoptInt(fd, c.SOL_SOCKET, c.SO_ERROR);
  return r <= 0 ? r : -r;
}

/**
 * Sets SO_LINGER: `null` turns lingering off, a number of seconds turns it on (0: close
 * resets the connection). Returns 0.
 */
export function setLinger(fd: number, seconds: number | null): number {
  if (seconds !== null && (!Number.isInteger(seconds) || seconds < 0)) throw new RangeError(`setLinger: seconds must be null or an integer >= 0, got ${String(seconds)}`);
  const c = n().constants;
  optionScratch.writeInt32LE(seconds === null ? 0 : 1, 0);
  optionScratch.writeInt32LE(seconds ?? 0, 4);
  return n().setsockopt(fd, c.SOL_SOCKET, c.SO_LINGER, optionScratch, 8);
}

/**
 * Reads SO_LINGER: `null` when lingering is off, else its seconds. Not on the hot path, so
 * it throws `OsError` on failure.
 */
export function getLinger(fd: number): number | null {
  const c = n().constants;
  OsError.check(n().getsockopt(fd, c.SOL_SOCKET, c.SO_LINGER, optionScratch), 'getsockopt', 'SO_LINGER');
  return optionScratch.readInt32LE(0) === 0 ? null : optionScratch.readInt32LE(4);
}

/**
 * Joins (`join = true`) or leaves an IPv4 multicast group on the interface with IPv4
 * address `interfaceAddress` ('0.0.0.0': any). Returns 0.
 */
export function setMulticastMembershipV4(fd: number, group: string, interfaceAddress: string, join: boolean): number {
  const c = n().constants;
  encodeSocketAddress({ family: 'IPv4', address: group, port: 0 }, scratch);
  optionScratch.set(scratch.subarray(4, 8), 0);
  encodeSocketAddress({ family: 'IPv4', address: interfaceAddress, port: 0 }, scratch);
  optionScratch.set(scratch.subarray(4, 8), 4);
  return n().setsockopt(fd, c.IPPROTO_IP, join ? c.IP_ADD_MEMBERSHIP : c.IP_DROP_MEMBERSHIP, optionScratch, 8);
}

/** Joins or leaves an IPv6 multicast group on interface index `interfaceIndex` (0: any). Returns 0. */
export function setMulticastMembershipV6(fd: number, group: string, interfaceIndex: number, join: boolean): number {
  const c = n().constants;
  encodeSocketAddress({ family: 'IPv6', address: group, port: 0 }, scratch);
  optionScratch.set(scratch.subarray(8, 24), 0);
  optionScratch.writeUInt32LE(interfaceIndex, 16);
  return n().setsockopt(fd, c.IPPROTO_IPV6, join ? c.IPV6_JOIN_GROUP : c.IPV6_LEAVE_GROUP, optionScratch, 20);
}

/** Writes the local address of `fd` into `out` (≥ 128 bytes). Returns the address length. */
export function getSocketName(fd: number, out: Uint8Array): number {
  return n().getsockname(fd, out);
}

/**
 * For a listening TCP socket: writes into `out` (at least 2 elements) how many connections
 * wait in its accept queue (`out[0]`) and its maximum backlog (`out[1]`), from `TCP_INFO`
 * (Linux reports those two for a listener, as `ss -lt`'s Recv-Q / Send-Q). Returns 0;
 * `-EINVAL` for a TCP socket that is not listening, `-EOPNOTSUPP` (or another errno) for a
 * socket that is not TCP. Cheaper than an `accept` that finds the queue empty: an accept
 * loop can take exactly the queued connections and stop without that failing call.
 */
export function listenQueue(fd: number, out: Int32Array): number {
  return n().listenQueue(fd, out);
}

/** Writes the peer address of `fd` into `out` (≥ 128 bytes). Returns the address length. */
export function getPeerName(fd: number, out: Uint8Array): number {
  return n().getpeername(fd, out);
}
