#!/usr/bin/env node
// Checks what lint alone cannot see, from the packages' manifests:
//  1. every @rt dependency of a package is allowed by scripts/layers.mjs;
//  2. the dependency graph of the workspace has no cycle;
//  3. each package's tsconfig.json `references` name exactly its @rt dependencies.
// Prints one line per problem and exits 1 if there is any.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mayImport } from './layers.mjs';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
const graph = new Map();

for (const dir of readdirSync(join(root, 'packages'))) {
  const manifestPath = join(root, 'packages', dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
    .filter((d) => d.startsWith('@rt/'))
    .map((d) => d.slice(4));
  graph.set(dir, deps);
  const allowed = new Set(mayImport(dir));
  for (const dep of deps) {
    if (!allowed.has(dep)) problems.push(`@rt/${dir} depends on @rt/${dep}, which is not below it (scripts/layers.mjs)`);
  }
  const tsconfig = readFileSync(join(root, 'packages', dir, 'tsconfig.json'), 'utf8');
  const refs = [...tsconfig.matchAll(/"path":\s*"\.\.\/([a-z-]+)"/g)].map((m) => m[1]).sort();
  const expected = deps.filter((d) => d !== 'mio-native' || existsSync(join(root, 'packages', d, 'tsconfig.json'))).sort();
  if (refs.join() !== expected.join()) {
    problems.push(`packages/${dir}/tsconfig.json references [${refs}] but package.json depends on [${expected}]`);
  }
}

// Cycle check: depth-first search with colours.
const state = new Map();
function visit(node, path) {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'active') {
    problems.push(`dependency cycle: ${[...path.slice(path.indexOf(node)), node].map((p) => '@rt/' + p).join(' -> ')}`);
    return;
  }
  state.set(node, 'active');
  for (const dep of graph.get(node) ?? []) visit(dep, [...path, node]);
  state.set(node, 'done');
}
for (const node of graph.keys()) visit(node, []);

for (const p of problems) console.error(`check-layers: ${p}`);
if (problems.length) process.exit(1);
console.log(`check-layers: ${graph.size} packages, layering and references consistent, no cycles`);
