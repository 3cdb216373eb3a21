#!/usr/bin/env node
// `pnpm demo`: builds the workspace and runs the demo of what works today.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const demo = spawnSync(process.execPath, [join(root, 'examples', 'demo', 'main.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(demo.status ?? 1);
