// A jest test environment for @rt/signal's self-signal tests: jest's node environment gives
// each test file a *copy* of `process`, and listeners added to the copy never hear signals
// (Node installs its signal handlers from the real object's 'newListener' hook), so an rt
// listener under plain jest would not replace the default action and a self-sent SIGUSR2
// would kill the worker. This environment is jest's own node environment with the real
// `process` as the global. Select it with a `@jest-environment` docblock.
const { createRequire } = require('node:module');

// jest-environment-node is a root devDependency (the same version jest uses), so it resolves
// directly. The older route through jest -> @jest/core -> jest-config failed once under
// Node 22 and 26 in CI ("Cannot find module '@jest/core'"); it stays only as the fallback.
function loadEnvironment() {
  try {
    return require('jest-environment-node');
  } catch {
    const fromJest = createRequire(require.resolve('jest'));
    const fromCore = createRequire(fromJest.resolve('@jest/core'));
    return createRequire(fromCore.resolve('jest-config'))('jest-environment-node');
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
