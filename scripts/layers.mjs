// The package layering of ../shared/ARCHITECTURE.md, in one place. The lint rules
// (eslint.config.js) and the dependency/cycle check (scripts/check-layers.mjs) both read it.
//
// A package may import only packages that appear in its `mayImport` list; that list is
// "every package on a lower layer", except that the native addon is reachable only from
// the reactor, from @rt/process (child pipes on the reactor), from @rt/net, from @rt/tls
// (OpenSSL on its sockets' fds: mio-native's TLS functions) and from
// @rt/multi-thread (the eventfd waker that wakes a parked worker), and only the reactor
// may open a `Poll` (pollOwners). The reactor sits above the scheduler: it is a runtime
// extension (`Reactor.current()`).

/** Bottom to top. Packages on the same layer may not import each other. */
export const layers = [
  ['mio-native'],
  ['scheduler'],
  ['reactor'],
  ['time'],
  ['sync'],
  ['io'],
  ['util'],
  ['signal'],
  ['process', 'fs'],
  ['net'],
  ['tls'],
  ['http'],
  ['multi-thread'],
  ['console'],
  ['macros'],
  ['full'],
];

/** Only these packages may import `@rt/mio-native` (its syscalls, on fds they own). */
export const nativeImporters = new Set(['reactor', 'process', 'net', 'tls', 'multi-thread']);

/**
 * Only these packages may import `@rt/mio-native`'s `Poll`: the reactor is the one I/O driver
 * of a runtime (one epoll fd); the others register their fds with it (`Reactor.current()`).
 */
export const pollOwners = new Set(['reactor']);

export const allPackages = layers.flat();

/** @param {string} name short package name, e.g. `sync` @returns {string[]} */
export function mayImport(name) {
  const level = layers.findIndex((layer) => layer.includes(name));
  if (level < 0) throw new Error(`scripts/layers.mjs: unknown package ${name}`);
  const below = layers.slice(0, level).flat();
  return below.filter((dep) => dep !== 'mio-native' || nativeImporters.has(name));
}
