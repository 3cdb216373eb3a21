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
// 4. The native path on every install (tools/consumer/native.mjs: the prebuilt addon loads,
//    sockets run the native driver, an echo round trip works, nothing is printed), with no C
//    compiler on PATH (shims that fail stand in for gcc, cc, make, python3): @rt/full with
//    this machine's npm (10/11) under Node 20; @rt/net with the newest npm (12: dependency
//    install scripts blocked) under Node 24; @rt/net with the newest pnpm (scripts blocked
//    since pnpm 10) under Node 24. Then, with the prebuild removed, the fallback driver
//    works and says so on stderr once.
// 5. @rt/mio-native's tarball carries both prebuilds and nothing else new.
// Each check counts as one test; the counts go to argv[2] as {passed, failed}.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { installPackage, nodeBinary } from './lib/registry-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, '.ci-results', 'consumer.json');
const fixtures = join(root, 'tools', 'consumer');
const work = mkdtempSync(join(tmpdir(), 'rt-consumer-'));
let passed = 0;
let failed = 0;

// No C compiler: shims that fail stand first on PATH for the installs that must not need one.
const noCompiler = join(work, 'no-compiler');
mkdirSync(noCompiler, { recursive: true });
for (const tool of ['gcc', 'cc', 'c++', 'g++', 'clang', 'make', 'python3', 'python']) {
  writeFileSync(join(noCompiler, tool), `#!/bin/sh\necho "consumer test: no ${tool} on this machine" >&2\nexit 127\n`);
  chmodSync(join(noCompiler, tool), 0o755);
}
/** An environment whose `node` is `nodeBin` and that has no compiler. */
function noCompilerEnv(nodeBin = process.execPath) {
  return { PATH: [noCompiler, dirname(nodeBin), process.env.PATH].join(':') };
}

function run(cmd, args, cwd, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extraEnv } });
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

if (packedAll) check('no published .d.ts names an @internal item (tsconfig stripInternal)', () => {
  const leaks = [];
  for (const [pkg, tarball] of Object.entries(tarballs)) {
    const dir = join(work, 'unpacked', pkg);
    mkdirSync(dir, { recursive: true });
    const r = run('tar', ['xzf', tarball, '-C', dir], work);
    if (!r.ok) return r;
    const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const file of walk(dir).filter((f) => /\.d\.c?ts$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      if (/@internal\b/.test(text)) leaks.push(`${pkg}: ${file.slice(dir.length + 1)}`);
    }
  }
  return { ok: leaks.length === 0, output: `@internal in: ${leaks.join(', ')}` };
});

if (packedAll) check('every source map a published file names is in the tarball, and so is every source it maps to', () => {
  const broken = [];
  for (const pkg of Object.keys(tarballs)) {
    const dir = join(work, 'unpacked', pkg);
    const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const file of walk(dir).filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
      if (url === undefined) continue;
      const map = join(dirname(file), url);
      if (!existsSync(map)) { broken.push(`${pkg}: ${file.slice(dir.length + 1)} names ${url}, not shipped`); continue; }
      for (const source of JSON.parse(readFileSync(map, 'utf8')).sources) {
        if (!existsSync(join(dirname(map), source))) broken.push(`${pkg}: ${map.slice(dir.length + 1)} maps to ${source}, not shipped`);
      }
    }
  }
  return { ok: broken.length === 0, output: broken.slice(0, 20).join('\n') };
});

function project(name, ...dependencies) {
  const dir = join(work, name);
  const overrides = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [pkg, `file:${file}`]));
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: `rt-consumer-${name}`,
    private: true,
    type: 'module',
    dependencies: Object.fromEntries(dependencies.map((d) => [d, `file:${tarballs[d]}`])),
    overrides,
    pnpm: { overrides },
  }, null, 2));
  return dir;
}

/** Runs native.mjs: the prebuild loaded, the native driver in use, an echo, and no output on stderr. */
function nativeCheck(dir, nodeBin) {
  const r = spawnSync(nodeBin, ['native.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...noCompilerEnv(nodeBin) } });
  const ok = r.status === 0 && r.stderr === '' && /native\.mjs ok: x64, addon prebuild, driver native/.test(r.stdout);
  return { ok, output: `${r.stdout}${r.stderr}` };
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
  const node20 = process.execPath;
  const npmVersion = run('npm', ['--version'], full).output.trim();
  if (check(`npm ${npmVersion} installs @rt/full under Node ${process.versions.node} with no C compiler on PATH`, () => run('npm', ['install', '--no-package-lock'], full, noCompilerEnv(node20)))) {
    check('the install compiled nothing (@rt/mio-native has no install script: the prebuild is the native path)', () => {
      const build = join(full, 'node_modules', '@rt', 'mio-native', 'build');
      return { ok: !existsSync(build), output: `${build} exists: something was compiled` };
    });
    check(`native path under Node ${process.versions.node} (npm ${npmVersion}): prebuild, native driver, echo, silent`, () => nativeCheck(full, node20));
    check('@rt/full namespaces and feature subpaths work', () => run(process.execPath, ['full.mjs'], full));
    // Each package @rt/full pulls in, by its own name (the internal layers included):
    // its ESM entry loads from the installed tarball and exports something.
    const ownNames = ['mio-native', 'reactor', 'scheduler', 'time', 'sync', 'io', 'util', 'signal', 'process', 'fs', 'net', 'tls', 'http', 'multi-thread', 'console', 'macros'];
    check(`every package imports by its own name: ${ownNames.map((n) => `@rt/${n}`).join(', ')}`, () => run(process.execPath, ['--input-type=module', '-e', `
      for (const name of ${JSON.stringify(ownNames)}) {
        const m = await import('@rt/' + name);
        if (Object.keys(m).length === 0) throw new Error('@rt/' + name + ' exports nothing');
      }
      console.log('ok');`], full));
    check('the narrow subpaths are the same objects as the entries: @rt/sync/semaphore, @rt/io/copy, @rt/net/tcp', () => run(process.execPath, ['--input-type=module', '-e', `
      const [sync, semaphore, io, copy, net, tcp] = await Promise.all(['@rt/sync', '@rt/sync/semaphore', '@rt/io', '@rt/io/copy', '@rt/net', '@rt/net/tcp'].map((s) => import(s)));
      if (semaphore.Semaphore !== sync.Semaphore || semaphore.SemaphorePermit !== sync.SemaphorePermit) throw new Error('@rt/sync/semaphore differs');
      if (copy.copy !== io.copy || copy.fastCopy !== io.fastCopy || copy.copyBuf !== io.copyBuf) throw new Error('@rt/io/copy differs');
      if (Object.keys(tcp).length < 10 || Object.keys(tcp).some((name) => tcp[name] !== net[name])) throw new Error('@rt/net/tcp differs');
      console.log('ok');`], full));
    check('the multi-thread runtime serves on two worker threads and exits cleanly', () => run(process.execPath, ['multi-thread.mjs'], full));
    check('the rt-console bin of @rt/console runs from the install (--help)', () => {
      const r = run(process.execPath, [join(full, 'node_modules', '@rt', 'console', 'dist', 'bin.js'), '--help'], full);
      return { ok: r.ok && /^usage: rt-console/.test(r.output), output: r.output };
    });
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
    // One N-API binary for every supported Node: the same installed prebuild under 22 and 26.
    for (const major of [22, 26]) {
      check(`the same install's native path under Node ${major}: prebuild, native driver, echo, silent`, () => nativeCheck(full, nodeBinary(major)));
    }
    check('with the prebuild removed: the fallback driver works and stderr says why, once', () => {
      rmSync(join(full, 'node_modules', '@rt', 'mio-native', 'prebuilds'), { recursive: true, force: true });
      const r = spawnSync(node20, ['native.mjs', 'fallback'], { cwd: full, encoding: 'utf8', timeout: 60_000 });
      const warnings = r.stderr.match(/RtNativeUnavailableWarning/g) ?? [];
      const ok = r.status === 0 && warnings.length === 1 && r.stderr.includes('npx node-gyp rebuild --directory node_modules/@rt/mio-native/native') && /driver fallback/.test(r.stdout);
      return { ok, output: `${r.stdout}${r.stderr}` };
    });
  }

  // The newest npm and pnpm block dependency install scripts: the prebuild is the native path.
  let node24;
  const tools = check('fetch Node 24, the newest npm and the newest pnpm from the registry', () => {
    node24 = nodeBinary(24);
    return { ok: true, output: '' };
  });
  if (tools) {
    const npmCli = join(installPackage('npm@latest', 'npm-latest'), 'bin', 'npm-cli.js');
    const npmLatest = run(node24, [npmCli, '--version'], work).output.trim();
    const viaNpm = project('npm-latest', '@rt/net', '@rt/mio-native');
    if (check(`npm ${npmLatest} installs @rt/net under Node 24 with no C compiler on PATH`, () => run(node24, [npmCli, 'install', '--no-package-lock'], viaNpm, noCompilerEnv(node24)))) {
      check(`native path under Node 24 (npm ${npmLatest}): prebuild, native driver, echo, silent`, () => nativeCheck(viaNpm, node24));
    }
    const pnpmDir = installPackage('pnpm@latest', 'pnpm-latest');
    const pnpmBin = JSON.parse(readFileSync(join(pnpmDir, 'package.json'), 'utf8')).bin;
    const pnpmCli = join(pnpmDir, typeof pnpmBin === 'string' ? pnpmBin : pnpmBin.pnpm);
    // pnpm 11+ ships as a single executable (its own Node inside); older ones are a script.
    const pnpmIsScript = readFileSync(pnpmCli).subarray(0, 4).toString('latin1') !== '\x7fELF';
    const pnpm = (args, cwd, env) => (pnpmIsScript ? run(node24, [pnpmCli, ...args], cwd, env) : run(pnpmCli, args, cwd, env));
    const pnpmLatest = pnpm(['--version'], work).output.trim();
    const viaPnpm = project('pnpm-latest', '@rt/net', '@rt/mio-native');
    writeFileSync(join(viaPnpm, 'pnpm-workspace.yaml'), `overrides:\n${Object.entries(tarballs).map(([pkg, file]) => `  "${pkg}": "file:${file}"`).join('\n')}\n`);
    if (check(`pnpm ${pnpmLatest} installs @rt/net under Node 24 with no C compiler on PATH`, () => pnpm(['install', '--store-dir', join(work, 'pnpm-store'), '--config.confirmModulesPurge=false'], viaPnpm, noCompilerEnv(node24)))) {
      check(`native path under Node 24 (pnpm ${pnpmLatest}): prebuild, native driver, echo, silent`, () => nativeCheck(viaPnpm, node24));
    }
  }

  check('@rt/mio-native\'s tarball carries both prebuilds and BUILD-INFO.json, and nothing else new', () => {
    const tarball = tarballs['@rt/mio-native'];
    const listing = run('tar', ['tzf', tarball], work);
    if (!listing.ok) return listing;
    const files = listing.output.trim().split('\n').sort();
    const expected = ['package/BACKEND.md', 'package/README.md', 'package/native/binding.gyp', 'package/native/mio.c', 'package/native/tls.c', 'package/native/tls.h', 'package/package.json',
      'package/prebuilds/BUILD-INFO.json', 'package/prebuilds/linux-arm64/node.napi.glibc.node', 'package/prebuilds/linux-x64/node.napi.glibc.node'];
    const unexpected = files.filter((f) => !f.startsWith('package/dist/') && !f.startsWith('package/src/') && f !== 'package/CHANGELOG.md' && !expected.includes(f));
    const absent = expected.filter((f) => !files.includes(f));
    console.log(`    @rt/mio-native tarball: ${statSync(tarball).size} bytes, ${files.length} files`);
    return { ok: unexpected.length === 0 && absent.length === 0, output: `unexpected: ${unexpected.join(', ') || 'none'}; missing: ${absent.join(', ') || 'none'}` };
  });
}

rmSync(work, { recursive: true, force: true });
writeFileSync(out, JSON.stringify({ passed, failed }));
console.log(`consumer: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
