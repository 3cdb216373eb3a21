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
// A hung test must not hang CI: one package's suite gets RT_JEST_PACKAGE_TIMEOUT_MS
// (default 10 minutes), then it is killed and reported as failed (no results file).
const timeout = Number(process.env['RT_JEST_PACKAGE_TIMEOUT_MS'] ?? 10 * 60_000);
const result = spawnSync(process.execPath, args, { stdio: 'inherit', timeout, killSignal: 'SIGKILL' });
if (result.error || result.signal) {
  console.error(`jest-package: ${process.cwd()}: killed after ${timeout} ms (${result.error?.message ?? result.signal})`);
  process.exit(1);
}
process.exit(result.status ?? 1);
