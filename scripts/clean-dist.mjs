// Deletes every package's `dist` (the root's `release` runs it before `turbo run build`): a build
// that turbo restores from its cache is written over what `dist` holds and deletes nothing, so the
// per-file modules of an older build, or another commit's chunks (their names carry a hash), would
// stay beside the bundles and be published (`files: ["dist"]`). From empty dists, the release
// publishes what its build wrote and nothing else.
//
//   node scripts/clean-dist.mjs [ROOT]   (ROOT: the workspace, this script's by default)
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const packages = join(root, 'packages');
for (const entry of readdirSync(packages, { withFileTypes: true })) {
  if (entry.isDirectory() && existsSync(join(packages, entry.name, 'package.json'))) {
    rmSync(join(packages, entry.name, 'dist'), { recursive: true, force: true });
  }
}
