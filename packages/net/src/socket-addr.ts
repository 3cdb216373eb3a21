import { describe } from '@rt/scheduler/primitives';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIPv4, isIPv6 } = process.getBuiltinModule('node:net');

export { describe };

/**
 * An IP socket address: an IPv4 or IPv6 address and a port (Tokio's `SocketAddr`).
 *
 * Immutable. `toString()` gives `'127.0.0.1:8080'` or `'[::1]:8080'`, the same text that
 * {@link SocketAddr.parse} and every `bind`/`connect` accept.
 *
 * **Cancellation:** not applicable (a value).
 *
 * **Errors:** the constructor and `parse` throw `TypeError` for text that is not an IP
 * address and `RangeError` for a port outside 0–65535.
 *
 * **Example**
 * ```ts
 * const addr = SocketAddr.parse('[::1]:8080');
 * addr.ip;     // '::1'
 * addr.port;   // 8080
 * addr.family; // 'IPv6'
 * ```
 */
let trusted = false;

/** @internal Makes a SocketAddr from an address the OS reported (no validation). */
export function trustedSocketAddr(ip: string, port: number): SocketAddr {
  trusted = true;
  try {
    return new SocketAddr(ip, port);
  } finally {
    trusted = false;
  }
}

export class SocketAddr {
  /** The IP address, e.g. `'127.0.0.1'` or `'::1'` (no brackets). */
  readonly ip: string;
  /** The port, 0–65535. */
  readonly port: number;
  /** `'IPv4'` or `'IPv6'`. */
  readonly family: 'IPv4' | 'IPv6';

  constructor(ip: string, port: number) {
    if (trusted) {
      this.ip = ip;
      this.port = port;
      this.family = ip.includes(':') ? 'IPv6' : 'IPv4';
      return;
    }
    if (typeof ip !== 'string') throw new TypeError(`SocketAddr: ip must be a string, got ${describe(ip)}`);
    checkPort(port, 'SocketAddr');
    if (isIPv4(ip)) this.family = 'IPv4';
    else if (isIPv6(ip)) this.family = 'IPv6';
    else throw new TypeError(`SocketAddr: ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    this.ip = ip;
    this.port = port;
  }

  /**
   * Parses `'a.b.c.d:port'` or `'[v6]:port'` (an IP literal, no host name).
   *
   * **Cancellation:** not applicable (synchronous).
   *
   * **Errors:** `TypeError` for malformed text, `RangeError` for a bad port.
   *
   * **Example**
   * ```ts
   * SocketAddr.parse('127.0.0.1:80').port; // 80
   * ```
   */
  static parse(text: string): SocketAddr {
    const { host, port } = splitHostPort(text, 'SocketAddr.parse');
    return new SocketAddr(host, port);
  }

  /** True for an IPv4 address. */
  isIPv4(): boolean {
    return this.family === 'IPv4';
  }

  /** True for an IPv6 address. */
  isIPv6(): boolean {
    return this.family === 'IPv6';
  }

  /** `'127.0.0.1:8080'` or `'[::1]:8080'`. */
  toString(): string {
    return this.family === 'IPv6' ? `[${this.ip}]:${this.port}` : `${this.ip}:${this.port}`;
  }

  /** The same text as `toString()`, so addresses serialise readably. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * What `bind`/`connect` accept as an address (Tokio's `ToSocketAddrs`): `'host:port'`
 * (`'localhost:8080'`, `'127.0.0.1:0'`), `'[v6]:port'`, `{ host, port }` (host defaults to
 * `'0.0.0.0'` for bind and `'localhost'` for connect), or a {@link SocketAddr}. Host names
 * are resolved with `lookupHost`; every address is tried in order.
 *
 * **Cancellation:** not applicable (a type).
 *
 * **Errors:** the functions taking it throw `TypeError` for a malformed value (no port, an
 * unbracketed IPv6 address, a non-numeric port) and `RangeError` for a port outside 0–65535.
 *
 * **Example**
 * ```ts
 * const targets: ToSocketAddrs[] = ['example.org:443', '[::1]:8080', { host: '10.0.0.1', port: 22 }];
 * ```
 */
export type ToSocketAddrs = string | { readonly host?: string; readonly port: number } | SocketAddr;

/** @internal */
export function checkPort(port: unknown, what: string): asserts port is number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    if (typeof port !== 'number') throw new TypeError(`${what}: port must be an integer 0-65535, got ${describe(port)}`);
    throw new RangeError(`${what}: port must be an integer 0-65535, got ${describe(port)}`);
  }
}

/** @internal Splits 'host:port' / '[v6]:port'. */
export function splitHostPort(text: unknown, what: string): { host: string; port: number } {
  if (typeof text !== 'string') throw new TypeError(`${what}: expected 'host:port', got ${describe(text)}`);
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      throw new TypeError(`${what}: expected '[v6]:port', got ${JSON.stringify(text)}`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!isIPv6(host)) throw new TypeError(`${what}: ${JSON.stringify(host)} in ${JSON.stringify(text)} is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new TypeError(`${what}: ${JSON.stringify(text)} has no port (expected 'host:port')`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw new TypeError(`${what}: IPv6 addresses need brackets, '[v6]:port', got ${JSON.stringify(text)}`);
    }
    if (host === '') throw new TypeError(`${what}: ${JSON.stringify(text)} has no host (expected 'host:port')`);
  }
  if (!/^[0-9]+$/.test(portText)) throw new TypeError(`${what}: port of ${JSON.stringify(text)} is not a number`);
  const port = Number(portText);
  checkPort(port, what);
  return { host, port };
}

/** @internal Normalises a ToSocketAddrs into host + port. */
export function toHostPort(addr: unknown, defaultHost: string, what: string): { host: string; port: number } {
  if (addr instanceof SocketAddr) return { host: addr.ip, port: addr.port };
  if (typeof addr === 'string') return splitHostPort(addr, what);
  if (typeof addr === 'object' && addr !== null) {
    const { host, port } = addr as { host?: unknown; port?: unknown };
    checkPort(port, what);
    if (host !== undefined && (typeof host !== 'string' || host === '')) {
      throw new TypeError(`${what}: host must be a non-empty string, got ${describe(host)}`);
    }
    let h = host ?? defaultHost;
    if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
    return { host: h, port };
  }
  throw new TypeError(`${what}: expected 'host:port', '[v6]:port', { host, port } or a SocketAddr, got ${describe(addr)}`);
}
