// Loads the addon. Never throws: a missing or broken addon is reported through `loadError`,
// and the package says `available: false`.
//
// An ES module that opens the addon with `process.dlopen` (what `require` of a `.node` file
// does), not a CommonJS file the ESM entry imports: on Node 20 an `import` of CommonJS loads
// Node's cjs-module-lexer to find the file's named exports, and keeps it (~96 kB of a server's
// heap; @rt/http README, "What a server loads"). `import.meta.dirname` is this file's directory
// in the built package (dist/) and under jest (src/, where swc makes it `__dirname`).
//
// Order (the first that loads wins):
// 1. the prebuilt binary shipped in the tarball, `prebuilds/<platform>-<arch>/node.napi.glibc.node`
//    (linux-x64 and linux-arm64, glibc): no install script, no compiler;
// 2. a build from source in `native/build/Release`, for platforms without a prebuild (or where
//    it failed to load, e.g. musl): made by `npx node-gyp rebuild --directory native`.
//    There is no install script: npm 12, pnpm >= 10 and Bun block dependency install
//    scripts, and pnpm 12 fails the whole install (ERR_PNPM_IGNORED_BUILDS) on one.
//
// RT_MIO_NATIVE_DIR, when set, names another package directory to load the addon from
// (its build/Release only): the AddressSanitizer run of tools/reliability builds an
// instrumented copy there and runs the tests against it.
const path = process.getBuiltinModule('node:path');
const fs = process.getBuiltinModule('node:fs');

/** Where the addon came from: the prebuild's or the source build's path. */
let loadedFrom: string | null = null;
let binding: unknown = null;
let loadError: Error | null = null;

function isGlibc(): boolean {
  // musl's loader cannot load a glibc binary. A musl system has /lib/ld-musl-<arch>.so.1
  // (cheaper to look for than Node's process.report, which takes ~20 ms).
  try {
    return !fs.readdirSync('/lib').some((name) => name.startsWith('ld-musl-'));
  } catch {
    return true;
  }
}

/** The addon's exports: `process.dlopen` into a module object, as `require` does for a `.node` file. */
function open(file: string): unknown {
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}

function prebuildPath(dir: string): string | null {
  if (process.platform !== 'linux') return null;
  const file = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.glibc.node');
  return fs.existsSync(file) ? file : null;
}

const failures: string[] = [];
const override = process.env['RT_MIO_NATIVE_DIR'];
const dir = override ?? path.join(import.meta.dirname, '..');
// The source build: node-gyp in native/ (binding.gyp lives there, not at the package root,
// so that no package manager takes the package for one that must build at install).
const sourceBuildDir = override ?? path.join(dir, 'native');
const prebuild = override === undefined ? prebuildPath(dir) : null;
if (prebuild !== null && isGlibc()) {
  try {
    binding = open(prebuild);
    loadedFrom = prebuild;
  } catch (error) {
    failures.push(`prebuild ${prebuild}: ${error instanceof Error ? error.message : String(error)}`);
  }
} else if (override === undefined) {
  failures.push(process.platform === 'linux'
    ? `no prebuilt binary for ${process.platform}-${process.arch}${prebuild !== null ? ' for musl (the shipped one is for glibc)' : ''}`
    : `no prebuilt binary for ${process.platform}-${process.arch}`);
}
if (binding === null) {
  const file = path.join(sourceBuildDir, 'build', 'Release', 'mio_native.node');
  try {
    binding = open(file);
    loadedFrom = file;
  } catch (error) {
    failures.push(fs.existsSync(file)
      ? `build from source ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
      : `no build from source (npx node-gyp rebuild --directory ${sourceBuildDir} makes one)`);
  }
}
if (binding === null) loadError = new Error(failures.join('; '));

export { binding, loadError, loadedFrom };
