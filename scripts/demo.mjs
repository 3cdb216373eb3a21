#!/usr/bin/env node
// `pnpm demo`: builds the workspace (the native addon included), then runs the mini-redis
// demo: the server starts on a free loopback port, a client on @rt/net drives it (and the
// real `redis-cli`, when installed), and every step is printed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const env = { TURBO_TELEMETRY_DISABLED: '1', ...process.env };
const build = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);
const demo = spawnSync(process.execPath, [join(root, 'examples', 'mini-redis', 'dist', 'demo.js')], { cwd: root, stdio: 'inherit' });
process.exit(demo.status ?? 1);
