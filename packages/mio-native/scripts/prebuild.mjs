#!/usr/bin/env node
// Builds the prebuilt N-API binaries that ship inside the @rt/mio-native tarball, from
// native/mio.c and native/tls.c, in the layout node-gyp-build loads without any install script:
//
//   prebuilds/linux-x64/node.napi.glibc.node     (the host's gcc)
//   prebuilds/linux-arm64/node.napi.glibc.node   (Debian's gcc-aarch64-linux-gnu, cross)
//   prebuilds/BUILD-INFO.json                    (compiler, flags, N-API version, sha256s)
//
// One binary per platform serves every supported Node version: the addon uses N-API only
// (pinned to NAPI_VERSION below) plus libuv's stable poll API through napi_get_uv_event_loop,
// plus OpenSSL 3's public API from Node's own headers (include/node/openssl, with a
// configuration per architecture), left undefined and weak: the loader resolves it from the
// node executable, which exports it (tls.c says why; no libssl is linked).
// The binaries are stripped and built with -ffile-prefix-map, so the same compiler and
// source give the same bytes wherever the repository is checked out.
//
// Usage: node scripts/prebuild.mjs [--require-all]
//   --require-all (used by `prepack`): fail unless every target was built.
// Without it a missing cross compiler skips that target with a note (a developer machine
// without gcc-aarch64-linux-gnu still builds x64); CI installs it (.ci/apt-packages).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const NAPI_VERSION = 8;

/** Every prebuilt target: platform-arch, the compiler and strip to use. */
export const targets = [
  { name: 'linux-x64', arch: 'x64', cc: 'gcc', strip: 'strip', hostOnly: process.arch === 'x64' },
  { name: 'linux-arm64', arch: 'arm64', cc: 'aarch64-linux-gnu-gcc', strip: 'aarch64-linux-gnu-strip', hostOnly: process.arch === 'arm64' },
];

const pkg = new URL('..', import.meta.url).pathname;
const sources = ['mio.c', 'tls.c'].map((file) => join(pkg, 'native', file));
const out = join(pkg, 'prebuilds');
const requireAll = process.argv.includes('--require-all');

/** The directory with node_api.h and uv.h: Node's own headers, as node-gyp finds them. */
function nodeIncludeDir() {
  const candidates = [
    process.env['RT_NODE_INCLUDE_DIR'],
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')));
  if (!found) throw new Error(`prebuild: no Node headers (node_api.h, uv.h) in ${candidates.join(', ')}; set RT_NODE_INCLUDE_DIR`);
  return found;
}

function has(command) {
  return spawnSync(command, ['--version'], { encoding: 'utf8' }).status === 0;
}

function firstLine(command) {
  return spawnSync(command, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
}

const include = nodeIncludeDir();
const cflags = [
  '-O2', '-std=gnu11', '-fPIC', '-fvisibility=hidden',
  '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror',
  `-DNAPI_VERSION=${NAPI_VERSION}`, '-DBUILDING_NODE_EXTENSION',
  `-ffile-prefix-map=${pkg}=.`,
];
const ldflags = ['-shared', '-Wl,--build-id=none', '-Wl,-z,relro,-z,now'];

const info = {
  sources: sources.map((file) => ({ file: `native/${file.slice(join(pkg, 'native').length + 1)}`, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') })),
  napiVersion: NAPI_VERSION,
  nodeHeaders: readFileSync(join(include, 'node_version.h'), 'utf8').match(/#define NODE_(MAJOR|MINOR|PATCH)_VERSION (\d+)/g)?.map((l) => l.split(' ')[2]).join('.') ?? 'unknown',
  cflags: cflags.map((flag) => flag.replace(pkg, '<package>/')),
  ldflags,
  binaries: {},
};

mkdirSync(out, { recursive: true });
const missing = [];
for (const target of targets) {
  if (!has(target.cc) || !has(target.strip)) {
    missing.push(`${target.name} (no ${target.cc}: apt-get install ${target.arch === 'arm64' ? 'gcc-aarch64-linux-gnu' : 'gcc'})`);
    continue;
  }
  const dir = join(out, target.name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'node.napi.glibc.node');
  const tmp = `${file}.tmp`;
  const compile = spawnSync(target.cc, [...cflags, '-I', include, ...sources, '-o', tmp, ...ldflags], { encoding: 'utf8', cwd: pkg });
  if (compile.status !== 0) {
    rmSync(tmp, { force: true });
    console.error(compile.stdout + compile.stderr);
    throw new Error(`prebuild: ${target.cc} failed for ${target.name}`);
  }
  const strip = spawnSync(target.strip, ['--strip-unneeded', tmp], { encoding: 'utf8' });
  if (strip.status !== 0) throw new Error(`prebuild: ${target.strip} failed: ${strip.stderr}`);
  renameSync(tmp, file);
  const bytes = readFileSync(file);
  // The newest glibc symbol version the binary needs: the oldest glibc it can load on.
  const glibc = [...bytes.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)]
    .map((m) => [Number(m[1]), Number(m[2])])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .pop();
  info.binaries[target.name] = {
    file: `prebuilds/${target.name}/node.napi.glibc.node`,
    compiler: firstLine(target.cc),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    minimumGlibc: glibc ? `${glibc[0]}.${glibc[1]}` : 'none',
  };
  console.log(`prebuild: ${info.binaries[target.name].file} ${bytes.length} bytes sha256 ${info.binaries[target.name].sha256.slice(0, 16)}…`);
}
writeFileSync(join(out, 'BUILD-INFO.json'), `${JSON.stringify(info, null, 2)}\n`);
if (missing.length > 0) {
  const message = `prebuild: not built: ${missing.join('; ')}`;
  if (requireAll) throw new Error(`${message} (--require-all: a published tarball must carry every prebuild)`);
  console.warn(message);
}
