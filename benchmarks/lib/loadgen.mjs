// The C load generator of the echo benchmarks (benchmarks/c/loadgen.c): building it (and the
// other C programs in benchmarks/c) and running it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchmarks = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Compiles benchmarks/c/<name>.c to benchmarks/bin/<name> when the binary is missing or older
 * (linked with `libs`, e.g. ['-lssl', '-lcrypto']); returns its path. Throws when cc fails.
 */
export function buildC(name, libs = []) {
  const bin = join(benchmarks, 'bin');
  mkdirSync(bin, { recursive: true });
  const source = join(benchmarks, 'c', `${name}.c`);
  const target = join(bin, name);
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-o', target, source, ...libs], { stdio: 'inherit' });
  }
  return target;
}

/**
 * Compiles benchmarks/c/<name>.c to a Node addon, benchmarks/bin/<name>.node (N-API, against the
 * headers of the Node that runs this: <prefix>/include/node), when missing or older; returns its
 * path. Throws when cc fails or the headers are missing.
 */
export function buildAddon(name) {
  const bin = join(benchmarks, 'bin');
  mkdirSync(bin, { recursive: true });
  const source = join(benchmarks, 'c', `${name}.c`);
  const target = join(bin, `${name}.node`);
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((dir) => existsSync(join(dir, 'node_api.h')));
    if (headers === undefined) throw new Error(`buildAddon(${name}): no node_api.h next to ${process.execPath} or in /usr/include/node`);
    execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', `-I${headers}`, '-o', target, source], { stdio: 'inherit' });
  }
  return target;
}

/** Debian's packaged Rust crates (librust-*-dev), the only registry the Tokio build uses. */
const DEBIAN_CRATES = '/usr/share/cargo/registry';

/**
 * Builds the Tokio echo server of benchmarks/rust/echo-tokio (Tokio's current-thread runtime)
 * offline, against Debian's `librust-tokio-dev` crates and Debian's `cargo`/`rustc`, into
 * benchmarks/bin/ when the binary is missing or older than its sources. Returns
 * `{ path }`, or `{ missing }` saying what is not installed or what failed (the caller
 * prints it: the Tokio row is then left out, visibly).
 */
export function buildTokioEcho() {
  const project = join(benchmarks, 'rust', 'echo-tokio');
  const bin = join(benchmarks, 'bin');
  const target = join(bin, 'echo-tokio');
  const sources = [join(project, 'Cargo.toml'), join(project, 'src', 'main.rs')];
  if (existsSync(target) && sources.every((source) => statSync(source).mtimeMs < statSync(target).mtimeMs)) return { path: target };
  // Debian's cargo and rustc when installed (a rustup toolchain earlier on PATH is not used).
  const cargo = existsSync('/usr/bin/cargo') ? '/usr/bin/cargo' : 'cargo';
  const rustc = existsSync('/usr/bin/rustc') ? { RUSTC: '/usr/bin/rustc' } : {};
  if (spawnSync(cargo, ['--version']).status !== 0) return { missing: 'no cargo (apt-get install cargo rustc librust-tokio-dev)' };
  if (!existsSync(DEBIAN_CRATES) || !readdirSync(DEBIAN_CRATES).some((name) => name.startsWith('tokio-1.'))) {
    return { missing: `no Tokio crate in ${DEBIAN_CRATES} (apt-get install librust-tokio-dev)` };
  }
  // A private CARGO_HOME whose only source is the Debian directory: nothing is fetched.
  const home = join(bin, 'cargo-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "${DEBIAN_CRATES}"\n[net]\noffline = true\n`,
  );
  const build = spawnSync(cargo, ['build', '--release', '--offline', '--manifest-path', join(project, 'Cargo.toml')], {
    encoding: 'utf8',
    env: { ...process.env, ...rustc, CARGO_HOME: home, CARGO_TARGET_DIR: join(bin, 'tokio-target') },
  });
  if (build.status !== 0) return { missing: `cargo build failed: ${build.stderr.trim().split('\n').slice(-5).join(' | ')}` };
  execFileSync('cp', [join(bin, 'tokio-target', 'release', 'echo-tokio'), target]);
  return { path: target };
}

/** Builds the load generator; returns its path. */
export const buildLoadgen = () => buildC('loadgen');

/**
 * Runs the load generator once against 127.0.0.1:port (`connections` connections, each
 * sending `size`-byte messages and waiting for the echo; `warmupMs`, then `measureMs`
 * measured), pinned to core 1 with taskset when `pinned`; never sleeping (polling epoll with a
 * zero timeout, loadgen.c's `spin`) when `spin`. Returns spawnSync's result: read it with
 * loadgenResult.
 */
export function runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs, pinned = false, spin = false }) {
  const args = [loadgen, String(port), String(connections), String(size), String(warmupMs), String(measureMs), ...(spin ? ['1'] : [])];
  return pinned ? spawnSync('taskset', ['-c', '1', ...args], { encoding: 'utf8' }) : spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
}

/** The load generator's JSON result ({ messages, seconds, p50_us, p99_us, cpu }); throws if it failed. */
export function loadgenResult(run, serverName) {
  if (run.status !== 0) throw new Error(`loadgen failed against ${serverName}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/**
 * One measured cell: the load generator's result plus messages/s, the server's CPU use
 * (`cpu` seconds over warm-up + measurement; 1 = one core) and its CPU µs per message.
 */
export function echoCell(r, cpu, warmupMs, measureMs) {
  const perSecond = r.messages / r.seconds;
  const window = (warmupMs + measureMs) / 1000;
  return { ...r, perSecond, cpuPerMessageUs: (cpu / window / perSecond) * 1e6, serverCpu: cpu / window };
}

/** RT_*_CONFIGS="1x64,64x16384" → [[1, 64], [64, 16384]] (connections × bytes); `fallback` when unset. */
export function parseConfigs(value, fallback) {
  return value ? value.split(',').map((cell) => cell.split('x').map(Number)) : fallback;
}
