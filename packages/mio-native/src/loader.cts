// Loads the compiled addon with node-gyp-build. A CommonJS file so that `__dirname` works
// both in the built package (dist/loader.cjs) and under jest (src/loader.cts); the ESM
// entry imports it as `./loader.cjs`. Never throws: a missing or broken addon is reported
// through `loadError`, and the package says `available: false`.
//
// RT_MIO_NATIVE_DIR, when set, names another package directory to load the addon from
// (its build/Release): the AddressSanitizer run of tools/reliability builds an
// instrumented copy there and runs the tests against it.
import path = require('node:path');

let binding: unknown = null;
let loadError: Error | null = null;
try {
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  binding = nodeGypBuild(process.env['RT_MIO_NATIVE_DIR'] ?? path.join(__dirname, '..'));
} catch (error) {
  loadError = error instanceof Error ? error : new Error(String(error));
}

export = { binding, loadError };
