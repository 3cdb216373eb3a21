// A jest test environment for @rt/signal's self-signal tests: jest's node environment gives
// each test file a *copy* of `process`, and listeners added to the copy never hear signals
// (Node installs its signal handlers from the real object's 'newListener' hook), so an rt
// listener under plain jest would not replace the default action and a self-sent SIGUSR2
// would kill the worker. This environment is jest's own node environment with the real
// `process` as the global. Select it with a `@jest-environment` docblock.
const { realpathSync } = require('node:fs');
const { createRequire } = require('node:module');

// jest-environment-node is a root devDependency (the same version jest uses), so it resolves
// directly. It is loaded from its real path: pnpm links it into the root node_modules, and the
// module's own lazy requires (jest-util, on the environment's construction) resolve from where
// it was loaded, which finds its dependencies only from the store's directory. CI failed twice
// with the module loaded under the link's path ("Cannot find module 'jest-util'" under Node 22,
// and "Cannot find module '@jest/core'" under Node 22 and 26 by the older route through jest ->
// @jest/core -> jest-config, which stays only as the fallback, real paths too).
function loadEnvironment() {
  try {
    return require(realpathSync(require.resolve('jest-environment-node')));
  } catch {
    const fromJest = createRequire(realpathSync(require.resolve('jest')));
    const fromCore = createRequire(realpathSync(fromJest.resolve('@jest/core')));
    return require(realpathSync(createRequire(realpathSync(fromCore.resolve('jest-config'))).resolve('jest-environment-node')));
  }
}
const { TestEnvironment } = loadEnvironment();

class RealProcessEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.process = process;
  }
}

module.exports = RealProcessEnvironment;
