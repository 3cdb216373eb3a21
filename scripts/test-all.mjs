#!/usr/bin/env node
// The README's test command (`pnpm test`): build, lint, type-check and test every package
// through turbo, check the layering, run the consumer test against packed tarballs, run the
// addon's tests under AddressSanitizer, run the unit tests again under the newest Node
// LTS, then print one `N passed, N failed` line
// for everything and exit non-zero if anything failed.
//
// RT_SKIP_NODES=1 skips the other Node versions (quick local runs);
// RT_SKIP_CONSUMER=1 skips the consumer test; RT_SKIP_ASAN=1 skips the AddressSanitizer
// run of the native addon (tools/reliability/src/asan.mjs, about 30 s); RT_SKIP_ARM64=1 skips
// the linux-arm64 prebuild's tests under qemu (scripts/arm64.mjs, about 15 s).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
// What an RT_SKIP_* or RT_NET_DRIVER setting changes is said up front, and again at the end.
const settings = [];
const skipVars = {
  RT_SKIP_CONSUMER: 'the consumer test (packed tarballs installed with npm and pnpm)',
  RT_SKIP_ASAN: 'the AddressSanitizer run of the native addon',
  RT_SKIP_ARM64: 'the linux-arm64 prebuild tests under qemu',
  RT_SKIP_NODES: 'the test runs under the other Node.js versions',
  RT_SKIP_NODE24: 'the test runs under the other Node.js versions (old name of RT_SKIP_NODES)',
};
for (const [name, what] of Object.entries(skipVars)) if (process.env[name]) settings.push(`${name}=${process.env[name]}: skips ${what}`);
if (process.env['RT_NET_DRIVER']) settings.push(`RT_NET_DRIVER=${process.env['RT_NET_DRIVER']}: every @rt/net socket of the tests uses that driver`);
for (const line of settings) console.log(`note: ${line}`);
if (process.env['CI'] && settings.some((l) => l.startsWith('RT_SKIP'))) failures.push('RT_SKIP_* set in CI');

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
// The other Node.js lines of the rolling policy (package.json rt.testedNode), one after the
// other: each jest run already uses both cores.
const machineMajor = process.versions.node.split('.')[0];
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const otherNodes = process.env['RT_SKIP_NODES'] || process.env['RT_SKIP_NODE24'] ? [] : rootManifest.rt.testedNode.filter((v) => v !== machineMajor);
for (const major of otherNodes) {
  step(`node${major}`, process.execPath, ['scripts/node-version.mjs', major, join(results, `jest-node${major}.json`)]);
}

const files = [
  ...projectDirs.map((dir) => join(dir, '.jest-results.json')),
  ...(process.env['RT_SKIP_CONSUMER'] ? [] : [join(results, 'consumer.json')]),
  ...(process.env['RT_SKIP_ARM64'] ? [] : [join(results, 'arm64.json')]),
  ...otherNodes.map((major) => join(results, `jest-node${major}.json`)),
];
const { passed, failed, skipped, skippedTests, missing } = tally(files);
for (const file of missing) failures.push(`no results in ${file.slice(root.length)}`);
if (skippedTests.length) {
  console.log(`\nSkipped (${skippedTests.length}; the condition is in each test's source):`);
  for (const line of skippedTests) console.log(`  - ${line.slice(root.length)}`);
}
for (const line of settings) console.log(`note: ${line}`);
if (failures.length) console.log(`\nFailed steps (each counted as one failure): ${failures.join('; ')}`);
// A failed step (build, lint, typecheck, layers, ASan, a missing results file) is a failure.
console.log(`\n${passed} passed, ${failed + failures.length} failed, ${skipped} skipped`);
process.exit(failures.length || failed ? 1 : 0);
