#!/usr/bin/env node
// `pnpm test` inside one package (what turbo's `test` task runs): jest with the root
// config, limited to this package's directory, writing its JSON results next to it so
// scripts/test-all.mjs can add every package's counts into one summary line.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const args = [
  jestBin,
  '--config', join(root, 'jest.config.cts'),
  '--roots', process.cwd(),
  '--passWithNoTests',
  '--json', '--outputFile', join(process.cwd(), '.jest-results.json'),
  ...process.argv.slice(2),
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
