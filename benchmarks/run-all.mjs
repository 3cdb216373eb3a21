#!/usr/bin/env node
// `pnpm bench [FILTER] [--node 22,24,26]`: runs every benchmarks/*.bench.mjs (or those whose
// name contains FILTER) in turn, one at a time (two cores). Each prints its own table with
// the ratio against its named baseline. `--node` runs them again under each listed Node.js
// major, fetched from the npm registry as the test suite does (scripts/node-version.mjs);
// a bench's child processes inherit that Node through `process.execPath`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeBinary } from '../scripts/lib/registry-tools.mjs';

const here = new URL('.', import.meta.url).pathname;
const { values, positionals } = parseArgs({ allowPositionals: true, options: { node: { type: 'string' } } });
const only = positionals[0];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort();
const nodes = values.node === undefined ? [process.execPath] : values.node.split(',').map((major) => {
  const n = Number(major);
  if (!Number.isInteger(n)) throw new TypeError(`--node takes majors such as 22,24,26, not ${JSON.stringify(major)}`);
  return n === Number(process.versions.node.split('.')[0]) ? process.execPath : nodeBinary(n);
});
let failed = 0;
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  for (const file of files) {
    console.log(`\n### ${file} (Node ${version})`);
    const r = spawnSync(node, ['--expose-gc', join(here, file)], { stdio: 'inherit' });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
