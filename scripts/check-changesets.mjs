#!/usr/bin/env node
// Fails when a package's src/ changed since its last release without a pending changeset
// that names it, and when a pending changeset is malformed.
//
// "Last release" of a package = the newest commit that changed the `version` line of its
// package.json (`changeset version` bumps it and deletes the changesets it consumed). On a
// shallow clone that commit may be missing: then only the changesets' form is checked, and
// the script says so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const problems = [];

const packages = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', dir, 'package.json');
  if (existsSync(file)) packages.set(JSON.parse(readFileSync(file, 'utf8')).name, dir);
}

// 1. The pending changesets, and which packages they name.
const named = new Set();
for (const file of readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  const text = readFileSync(join(root, '.changeset', file), 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) {
    problems.push(`.changeset/${file}: no front matter`);
    continue;
  }
  for (const line of match[1].split('\n').filter((l) => l.trim())) {
    const entry = /^["']?(@rt\/[a-z-]+)["']?:\s*(patch|minor|major)\s*$/.exec(line.trim());
    if (!entry) problems.push(`.changeset/${file}: "${line}" is not "<package>: patch|minor|major"`);
    else if (!packages.has(entry[1])) problems.push(`.changeset/${file}: unknown package ${entry[1]}`);
    else named.add(entry[1]);
  }
  if (!/^\s*[a-z][\w-]*: \S/.test(match[2])) problems.push(`.changeset/${file}: the summary must start with the module, e.g. "sync: add Semaphore.acquireMany"`);
}

// 2. Packages whose src changed since their last release.
let checked = 0;
const shallow = git('rev-parse', '--is-shallow-repository') === 'true';
for (const [name, dir] of packages) {
  const manifest = `packages/${dir}/package.json`;
  const release = git('log', '-1', '--format=%H', '-G', '"version"', '--', manifest);
  if (!release) {
    if (shallow) continue; // the release commit is outside this shallow clone
    problems.push(`${name}: no commit sets its version`);
    continue;
  }
  checked++;
  const changed = git('diff', '--name-only', release, '--', `packages/${dir}/src`);
  if (changed && !named.has(name)) {
    problems.push(`${name}: src/ changed since its last release (${release.slice(0, 8)}) but no pending changeset names it; run \`pnpm changeset\``);
  }
}

for (const p of problems) console.error(`check-changesets: ${p}`);
console.log(`check-changesets: ${named.size} packages with pending changesets; ${checked} packages checked against their last release${shallow ? ' (shallow clone: packages whose release commit is missing were not checked)' : ''}`);
process.exit(problems.length ? 1 : 0);
