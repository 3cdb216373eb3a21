import { park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions } from '@rt/scheduler';
import { NetError } from './errors.js';
import { SocketAddr, toHostPort } from './socket-addr.js';
import type { ToSocketAddrs } from './socket-addr.js';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isIP } = process.getBuiltinModule('node:net');
// node:dns when the first name is looked up.

/**
 * Resolves a host and port to every socket address it names, in the resolver's order
 * (Tokio's `lookup_host`).
 *
 * Takes what `connect` takes (`'example.org:443'`, `'[::1]:80'`, `{ host, port }`). An IP
 * literal resolves to itself without asking the resolver. Names go through the system
 * resolver (`getaddrinfo`, as Node's `dns.lookup`).
 *
 * **Cancellation:** cancel safe: an abort rejects with `Cancelled` at once; the resolver's
 * answer, when it comes, is discarded.
 *
 * **Errors:** `TypeError`/`RangeError` for a malformed address (synchronously);
 * {@link NetError} with `code` `ENOTFOUND` when the name does not resolve;
 * `Cancelled` on abort.
 *
 * **Example**
 * ```ts
 * for (const addr of await lookupHost('localhost:8080')) console.log(addr.toString());
 * ```
 */
export function lookupHost(addr: ToSocketAddrs, options?: WaitOptions): Promise<SocketAddr[]> {
  const { host, port } = toHostPort(addr, 'localhost', 'lookupHost');
  return resolve(host, port, options);
}

/** @internal */
export function resolve(host: string, port: number, options?: WaitOptions): Promise<SocketAddr[]> {
  try {
    return resolveNow(host, port, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

function resolveNow(host: string, port: number, options?: WaitOptions): Promise<SocketAddr[]> {
  if (isIP(host) !== 0) {
    throwIfCancelled(options);
    return Promise.resolve([new SocketAddr(host, port)]);
  }
  const { waiter, promise } = park<SocketAddr[]>('lookupHost', () => {}, options);
  process.getBuiltinModule('node:dns').lookup(host, { all: true, verbatim: true }, (error, addresses) => {
    if (waiter.settled) return;
    if (error) {
      waiter.fail(new NetError(error.code ?? 'ENOTFOUND', 'getaddrinfo', `could not resolve ${JSON.stringify(host)}: ${error.message}`, { cause: error, hostname: host }));
      return;
    }
    if (addresses.length === 0) {
      waiter.fail(new NetError('ENOTFOUND', 'getaddrinfo', `${JSON.stringify(host)} resolved to no address`, { hostname: host }));
      return;
    }
    waiter.wake(addresses.map((a) => new SocketAddr(a.address, port)));
  });
  return promise;
}
