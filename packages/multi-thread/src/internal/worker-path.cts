// Where the worker bootstrap lives on disk. A CommonJS file so that `__dirname` works both
// in the built package (dist/internal/worker-path.cjs) and under jest (src/internal/
// worker-path.cts): either way the package root is two levels up, and workers always run
// the built bootstrap (dist/internal/worker-main.js), never the TypeScript source.
import path = require('node:path');

const packageRoot = path.join(__dirname, '..', '..');

export = {
  packageRoot,
  workerMainPath: path.join(packageRoot, 'dist', 'internal', 'worker-main.js'),
};
