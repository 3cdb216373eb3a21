// The C load generator of the echo benchmarks (benchmarks/c/loadgen.c): building it (and the
// other C programs in benchmarks/c) and running it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchmarks = dirname(dirname(fileURLToPath(import.meta.url)));

/** Compiles benchmarks/c/<name>.c to benchmarks/bin/<name> when the binary is missing or older; returns its path. */
export function buildC(name) {
  const bin = join(benchmarks, 'bin');
  mkdirSync(bin, { recursive: true });
  const source = join(benchmarks, 'c', `${name}.c`);
  const target = join(bin, name);
  if (!existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-o', target, source], { stdio: 'inherit' });
  }
  return target;
}

/** Builds the load generator; returns its path. */
export const buildLoadgen = () => buildC('loadgen');

/**
 * Runs the load generator once against 127.0.0.1:port (`connections` connections, each
 * sending `size`-byte messages and waiting for the echo; `warmupMs`, then `measureMs`
 * measured), pinned to core 1 with taskset when `pinned`. Returns spawnSync's result:
 * read it with loadgenResult.
 */
export function runLoadgen(loadgen, { port, connections, size, warmupMs, measureMs, pinned = false }) {
  const args = [loadgen, String(port), String(connections), String(size), String(warmupMs), String(measureMs)];
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
