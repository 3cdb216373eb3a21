// The package layering of ../shared/ARCHITECTURE.md, in one place. The lint rules
// (eslint.config.js) and the dependency/cycle check (scripts/check-layers.mjs) both read it.
//
// A package may import only packages that appear in its `mayImport` list; that list is
// "every package on a lower layer", except that the native addon is reachable only from
// the reactor, from @rt/process (child pipes on the reactor), from @rt/net and from
// @rt/multi-thread (the eventfd waker that wakes a parked worker).

/** Bottom to top. Packages on the same layer may not import each other. */
export const layers = [
  ['mio-native'],
  ['reactor'],
  ['scheduler'],
  ['time'],
  ['sync'],
  ['io'],
  ['signal'],
  ['process', 'fs'],
  ['net'],
  ['multi-thread'],
  ['console'],
  ['macros'],
  ['full'],
];

/** Only these packages may import `@rt/mio-native`. */
export const nativeImporters = new Set(['reactor', 'process', 'net', 'multi-thread']);

export const allPackages = layers.flat();

/** @param {string} name short package name, e.g. `sync` @returns {string[]} */
export function mayImport(name) {
  const level = layers.findIndex((layer) => layer.includes(name));
  if (level < 0) throw new Error(`scripts/layers.mjs: unknown package ${name}`);
  const below = layers.slice(0, level).flat();
  return below.filter((dep) => dep !== 'mio-native' || nativeImporters.has(name));
}
