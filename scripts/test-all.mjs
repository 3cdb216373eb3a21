#!/usr/bin/env node
// The README's test command (`pnpm test`): build, lint, type-check and test every package
// through turbo, check the layering, run the consumer test against packed tarballs, run the
// addon's tests under AddressSanitizer, run the unit tests again under the newest Node
// LTS, then print one `N passed, N failed` line
// for everything and exit non-zero if anything failed.
//
// RT_SKIP_NODE24=1 skips the second Node version (quick local runs);
// RT_SKIP_CONSUMER=1 skips the consumer test; RT_SKIP_ASAN=1 skips the AddressSanitizer
// run of the native addon (tools/reliability/src/asan.mjs, about 30 s); RT_SKIP_ARM64=1 skips
// the linux-arm64 prebuild's tests under qemu (scripts/arm64.mjs, about 15 s).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tally } from './summary.mjs';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, '.ci-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const projectDirs = ['packages', 'examples', 'tools']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((name) => join(root, d, name)))
  .filter((dir) => existsSync(join(dir, 'test')) && existsSync(join(dir, 'package.json')));
for (const dir of projectDirs) rmSync(join(dir, '.jest-results.json'), { force: true });

const failures = [];
function step(name, command, args, env = {}) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env, ...env } });
  if (r.status !== 0) failures.push(`${name} (exit ${r.status ?? r.signal})`);
  return r.status === 0;
}

const turbo = join(root, 'node_modules', '.bin', 'turbo');
step('turbo', turbo, ['run', 'build', 'typecheck', 'lint', 'test', '--continue', '--concurrency=2', '--output-logs=errors-only']);
step('layers', process.execPath, ['scripts/check-layers.mjs']);
if (!process.env['RT_SKIP_CONSUMER']) {
  step('consumer', process.execPath, ['scripts/consumer-test.mjs', join(results, 'consumer.json')]);
}
if (!process.env['RT_SKIP_ASAN']) {
  step('asan', process.execPath, ['tools/reliability/src/asan.mjs']);
}
if (!process.env['RT_SKIP_ARM64']) {
  step('arm64', process.execPath, ['scripts/arm64.mjs', join(results, 'arm64.json')]);
}
if (!process.env['RT_SKIP_NODE24']) {
  step('node24', process.execPath, ['scripts/node24.mjs', join(results, 'jest-node24.json')]);
}

const files = [
  ...projectDirs.map((dir) => join(dir, '.jest-results.json')),
  ...(process.env['RT_SKIP_CONSUMER'] ? [] : [join(results, 'consumer.json')]),
  ...(process.env['RT_SKIP_ARM64'] ? [] : [join(results, 'arm64.json')]),
  ...(process.env['RT_SKIP_NODE24'] ? [] : [join(results, 'jest-node24.json')]),
];
const { passed, failed, missing } = tally(files);
for (const file of missing) failures.push(`no results in ${file.slice(root.length)}`);
if (failures.length) console.log(`\nFailed steps: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failures.length || failed ? 1 : 0);
