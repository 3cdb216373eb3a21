// Socket addresses as raw `struct sockaddr_*` bytes (the Linux ABI), encoded and decoded in
// TypeScript so the C layer only passes them through. Layouts (host byte order is little
// endian on every Linux target Node supports; ports, addresses and flow info are big endian):
//   sockaddr_in   16 bytes: u16 family, u16 port, u8[4] address, u8[8] zero
//   sockaddr_in6  28 bytes: u16 family, u16 port, u32 flowinfo, u8[16] address, u32 scope id
//   sockaddr_un  110 bytes: u16 family, char[108] path (NUL-terminated; abstract: leading NUL)
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIPv4, isIPv6 } = process.getBuiltinModule('node:net');

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;

/** Bytes enough for any socket address (sizeof(struct sockaddr_storage)). */
export const SOCKET_ADDRESS_SIZE = 128;

/**
 * A socket address: IPv4 or IPv6 with a port, or a Unix socket path.
 *
 * Unix paths starting with `'\0'` are Linux abstract addresses. An unbound Unix socket
 * has the path `''`.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** {@link encodeSocketAddress} throws `TypeError`/`RangeError` for a malformed one.
 *
 * **Example**
 * ```ts
 * import type { SocketAddress } from '@rt/mio-native';
 * const address: SocketAddress = { family: 'IPv4', address: '127.0.0.1', port: 8080 };
 * ```
 */
export type SocketAddress =
  | { readonly family: 'IPv4'; readonly address: string; readonly port: number }
  | { readonly family: 'IPv6'; readonly address: string; readonly port: number; readonly flowInfo?: number; readonly scopeId?: number }
  | { readonly family: 'unix'; readonly path: string };

function parseIPv6(text: string, out: Uint8Array, at: number): void {
  let head = text;
  let tail = '';
  const words: number[] = [];
  const double = text.indexOf('::');
  if (double >= 0) {
    head = text.slice(0, double);
    tail = text.slice(double + 2);
  }
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const result: number[] = [];
    for (const group of groups) {
      if (group.includes('.')) {
        const v4 = group.split('.').map(Number);
        result.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        result.push(parseInt(group, 16));
      }
    }
    return result;
  };
  const first = parse(head);
  const last = parse(tail);
  words.push(...first);
  if (double >= 0) for (let i = first.length + last.length; i < 8; i++) words.push(0);
  words.push(...last);
  for (let i = 0; i < 8; i++) {
    const word = words[i] ?? 0;
    out[at + 2 * i] = word >> 8;
    out[at + 2 * i + 1] = word & 0xff;
  }
}

function formatIPv6(bytes: Uint8Array, at: number): string {
  // An IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d, not :: or ::1) address ends
  // in dotted decimal, as inet_ntop (and so Node's remoteAddress) prints it.
  let zeros = 0;
  while (zeros < 12 && bytes[at + zeros] === 0) zeros++;
  const mapped = zeros === 10 && bytes[at + 10] === 0xff && bytes[at + 11] === 0xff;
  if (mapped || (zeros === 12 && (bytes[at + 12] !== 0 || bytes[at + 13] !== 0))) {
    return `::${mapped ? 'ffff:' : ''}${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push((((bytes[at + 2 * i] ?? 0) << 8) | (bytes[at + 2 * i + 1] ?? 0)).toString(16));
  // The WHATWG URL parser prints IPv6 in the canonical RFC 5952 form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`SocketAddress: port must be an integer in 0..65535, got ${String(port)}`);
}

/**
 * Writes `address` into `out` as a `struct sockaddr_*` and returns its length in bytes.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `TypeError` for an unknown family or an address that is not an IP literal
 * of that family (no name lookup happens here); `RangeError` for a bad port or a Unix path
 * longer than 107 bytes, or an `out` shorter than {@link SOCKET_ADDRESS_SIZE}.
 *
 * **Example**
 * ```ts
 * import { encodeSocketAddress, SOCKET_ADDRESS_SIZE } from '@rt/mio-native';
 * const out = Buffer.alloc(SOCKET_ADDRESS_SIZE);
 * encodeSocketAddress({ family: 'IPv4', address: '127.0.0.1', port: 80 }, out); // 16
 * ```
 */
export function encodeSocketAddress(address: SocketAddress, out: Uint8Array): number {
  if (out.length < SOCKET_ADDRESS_SIZE) throw new RangeError(`encodeSocketAddress: out must hold ${SOCKET_ADDRESS_SIZE} bytes, got ${out.length}`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.fill(0, 0, SOCKET_ADDRESS_SIZE);
  switch (address?.family) {
    case 'IPv4': {
      if (!isIPv4(address.address)) throw new TypeError(`SocketAddress: not an IPv4 address: ${JSON.stringify(address.address)}`);
      checkPort(address.port);
      view.setUint16(0, AF_INET, true);
      view.setUint16(2, address.port, false);
      const parts = address.address.split('.');
      for (let i = 0; i < 4; i++) out[4 + i] = Number(parts[i]);
      return 16;
    }
    case 'IPv6': {
      if (!isIPv6(address.address)) throw new TypeError(`SocketAddress: not an IPv6 address: ${JSON.stringify(address.address)}`);
      checkPort(address.port);
      view.setUint16(0, AF_INET6, true);
      view.setUint16(2, address.port, false);
      view.setUint32(4, address.flowInfo ?? 0, false);
      parseIPv6(address.address, out, 8);
      view.setUint32(24, address.scopeId ?? 0, true);
      return 28;
    }
    case 'unix': {
      if (typeof address.path !== 'string') throw new TypeError('SocketAddress: a unix address needs a string path');
      const bytes = Buffer.from(address.path, 'utf8');
      if (bytes.length > 107) throw new RangeError(`SocketAddress: unix path longer than 107 bytes: ${JSON.stringify(address.path)}`);
      view.setUint16(0, AF_UNIX, true);
      out.set(bytes, 2);
      // Abstract addresses are exactly as long as their name; paths are NUL-terminated.
      return bytes[0] === 0 ? 2 + bytes.length : 2 + bytes.length + 1;
    }
    default:
      throw new TypeError(`SocketAddress: unknown family ${JSON.stringify((address as { family?: unknown } | null)?.family)}`);
  }
}

/**
 * Reads a `struct sockaddr_*` (as filled by `sys.recvFrom`, `sys.getSocketName`, …).
 *
 * `length` is the address length the syscall reported, when known (it tells an abstract
 * Unix address's length); otherwise trailing zero bytes end a Unix path.
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `TypeError` for an address family other than IPv4, IPv6 and Unix.
 *
 * **Example**
 * ```ts
 * import { decodeSocketAddress, encodeSocketAddress } from '@rt/mio-native';
 * const out = Buffer.alloc(128);
 * encodeSocketAddress({ family: 'IPv6', address: '::1', port: 443 }, out);
 * decodeSocketAddress(out); // { family: 'IPv6', address: '::1', port: 443, flowInfo: 0, scopeId: 0 }
 * ```
 */
export function decodeSocketAddress(bytes: Uint8Array, length?: number): SocketAddress {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const family = view.getUint16(0, true);
  switch (family) {
    case AF_INET:
      return { family: 'IPv4', address: `${bytes[4]}.${bytes[5]}.${bytes[6]}.${bytes[7]}`, port: view.getUint16(2, false) };
    case AF_INET6:
      return { family: 'IPv6', address: formatIPv6(bytes, 8), port: view.getUint16(2, false), flowInfo: view.getUint32(4, false), scopeId: view.getUint32(24, true) };
    case AF_UNIX: {
      let end: number;
      if (length !== undefined && bytes[2] === 0) end = Math.min(length, 110);
      else {
        end = 2;
        while (end < 110 && end < bytes.length && bytes[end] !== 0) end++;
        if (bytes[2] === 0 && length === undefined) end = 2; // unnamed
      }
      return { family: 'unix', path: Buffer.from(bytes.buffer, bytes.byteOffset + 2, Math.max(0, end - 2)).toString('utf8') };
    }
    default:
      throw new TypeError(`decodeSocketAddress: unsupported address family ${family}`);
  }
}
