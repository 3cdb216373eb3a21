// Builds what a benchmark loads, the way the packages ship: `turbo run build` for the named
// workspace directories and everything they depend on (a cache hit when nothing changed), so
// a bench never runs a `dist` that `tsc -b` alone rewrote (with comments, which
// `scripts/emit-js.mjs` strips: the heap size some rows depend on, see @rt/http's README).
//
//   import { buildWorkspaces } from './lib/build.mjs';
//   buildWorkspaces(root, ['packages/http', 'packages/macros']);   // exits the process on failure
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function buildWorkspaces(root, dirs) {
  const filters = dirs.map((dir) => `--filter=./${dir}...`);
  const built = spawnSync(join(root, 'node_modules/.bin/turbo'), ['run', 'build', '--output-logs=errors-only', ...filters], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
