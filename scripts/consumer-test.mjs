#!/usr/bin/env node
// The consumer test: what a user gets from the registry, checked without the workspace.
//
// 1. `pnpm pack` every publishable package (workspace:^ ranges become real versions).
// 2. In a fresh temporary project outside the workspace, install ONE subpackage's tarball
//    with plain npm (the tarballs of its @rt dependencies are supplied through `overrides`,
//    so nothing named @rt is ever fetched from the registry) and run tools/consumer/sub.*:
//    ESM import, CommonJS require (Node's require(esm)), sealed internals; the same for
//    @rt/util alone (tools/consumer/util.mjs).
// 3. In a second fresh project install @rt/full and run tools/consumer/full.mjs (the
//    namespaces and the feature subpaths), then type-check tools/consumer/types.ts against
//    the installed declarations with `tsc --noEmit`.
// Each check counts as one test; the counts go to argv[2] as {passed, failed}.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, '.ci-results', 'consumer.json');
const fixtures = join(root, 'tools', 'consumer');
const work = mkdtempSync(join(tmpdir(), 'rt-consumer-'));
let passed = 0;
let failed = 0;

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  const killed = r.signal ? `\n(killed by ${r.signal}: over 300 s)` : '';
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${killed}` };
}
function check(name, fn) {
  let result;
  try {
    result = fn();
  } catch (error) {
    result = { ok: false, output: String(error) };
  }
  if (result.ok) {
    passed++;
    console.log(`  ✓ ${name}`);
  } else {
    failed++;
    console.log(`  ✗ ${name}\n${result.output.split('\n').map((l) => '      ' + l).join('\n')}`);
  }
  return result.ok;
}

const packages = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const tarballs = {};
const tarDir = join(work, 'tarballs');
console.log(`consumer test in ${work}`);
const packedAll = check('pnpm pack every publishable package', () => {
  for (const dir of packages) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const r = run('pnpm', ['pack', '--pack-destination', tarDir], join(root, 'packages', dir));
    if (!r.ok) return r;
    const file = readdirSync(tarDir).find((f) => f.startsWith(`rt-${dir}-`) && f.endsWith('.tgz'));
    if (!file) return { ok: false, output: `no tarball for @rt/${dir}` };
    tarballs[manifest.name] = join(tarDir, file);
  }
  return { ok: true, output: '' };
});

function project(name, dependency) {
  const dir = join(work, name);
  const overrides = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [pkg, `file:${file}`]));
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: `rt-consumer-${name}`,
    private: true,
    type: 'module',
    dependencies: { [dependency]: `file:${tarballs[dependency]}` },
    overrides,
  }, null, 2));
  return dir;
}

if (packedAll) {
  const sub = project('sub', '@rt/sync');
  if (check('npm install @rt/sync alone', () => run('npm', ['install', '--no-package-lock'], sub))) {
    check('@rt/sync pulls in only the packages below it (no net, no native addon, no full)', () => {
      const installed = readdirSync(join(sub, 'node_modules', '@rt')).sort();
      return { ok: installed.join() === 'scheduler,sync,time', output: `installed: ${installed.join(', ')}` };
    });
    check('ESM import of @rt/sync works and ./internal/* is sealed', () => run(process.execPath, ['sub.mjs'], sub));
    check('CommonJS require of @rt/sync works (require(esm))', () => run(process.execPath, ['sub.cjs'], sub));
  }
  const utilProject = project('util', '@rt/util');
  if (check('npm install @rt/util alone', () => run('npm', ['install', '--no-package-lock'], utilProject))) {
    check('@rt/util pulls in only io, time and scheduler (no native addon)', () => {
      const installed = readdirSync(join(utilProject, 'node_modules', '@rt')).sort();
      return { ok: installed.join() === 'io,scheduler,time,util', output: `installed: ${installed.join(', ')}` };
    });
    check('@rt/util frames, cancels and tracks tasks; ./internal/* is sealed', () => run(process.execPath, ['util.mjs'], utilProject));
  }
  const full = project('full', '@rt/full');
  if (check('npm install @rt/full (its native dependency builds from source)', () => run('npm', ['install', '--no-package-lock'], full))) {
    check('the native addon was compiled from source at install time', () => {
      const release = join(full, 'node_modules', '@rt', 'mio-native', 'build', 'Release');
      const built = existsSync(release) && readdirSync(release).some((f) => f.endsWith('.node'));
      return { ok: built, output: `no .node file in ${release}` };
    });
    check('@rt/full namespaces and feature subpaths work', () => run(process.execPath, ['full.mjs'], full));
    check('the multi-thread runtime serves on two worker threads and exits cleanly', () => run(process.execPath, ['multi-thread.mjs'], full));
    check('type declarations compile under tsc --noEmit', () => {
      writeFileSync(join(full, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', lib: ['ES2023', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext',
          strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(root, 'node_modules', '@types')], types: ['node'],
        },
        files: ['types.ts'],
      }));
      return run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], full);
    });
  }
}

rmSync(work, { recursive: true, force: true });
writeFileSync(out, JSON.stringify({ passed, failed }));
console.log(`consumer: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
